// Owning copies of the storage ABI's records: each holds its strings, gives the ABI record that
// borrows them (view), copies an ABI record in (from: through sdk::read_struct, so fields an older
// plugin lacks read as zero), compares and prints (gtest shows them in failure messages). For
// plugins that read rows back before emitting them, for tests that build inputs and keep what a
// plugin emitted (emitted records are valid only during emit), and for the conformance suite.
#ifndef MT5BRIDGE_RECORDS_HPP
#define MT5BRIDGE_RECORDS_HPP

#include <mt5bridge/sdk.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ostream>
#include <string>
#include <tuple>

namespace mt5b::sdk::records {

struct Account {
  std::string id, user_id, server, broker_name, broker_instance, connection_status,
      last_connection_error, currency;
  bool is_active = true;
  int64_t login = 0, sync_failure_count = 0, broker_server_time_offset_s = 0, leverage = 0;
  double balance = 0, equity = 0, margin = 0, free_margin = 0, margin_level = 0, credit = 0,
         profit = 0;
  int64_t created_at_ms = 0, updated_at_ms = 0, last_sync_at_ms = 0, last_successful_sync_at_ms = 0,
          next_sync_at_ms = 0;

  mt5b_account_record view() const noexcept;
  static Account from(const mt5b_account_record& record);
  bool operator==(const Account&) const = default;
};

struct Credential {
  std::string account_id, user_id, key_id, ciphertext;
  int64_t created_at_ms = 0;

  mt5b_credential_record view() const noexcept;
  static Credential from(const mt5b_credential_record& record);
  bool operator==(const Credential&) const = default;
};

struct Position {
  std::string account_id, symbol, canonical_symbol, type, comment;
  int64_t ticket = 0, magic = 0, open_time_ms = 0, open_time_broker_ms = 0, broker_offset_s = 0,
          updated_at_ms = 0;
  double volume = 0, open_price = 0, current_price = 0, sl = 0, tp = 0, profit = 0, swap = 0,
         commission = 0;

  mt5b_position_record view() const noexcept;
  static Position from(const mt5b_position_record& record);
  bool operator==(const Position&) const = default;
};

struct Trade {
  std::string account_id, symbol, canonical_symbol, type, close_reason;
  int32_t segment = 0;
  int64_t ticket = 0, position_id = 0, open_time_ms = 0, close_time_ms = 0, open_time_broker_ms = 0,
          close_time_broker_ms = 0, broker_offset_s = 0;
  double volume = 0, open_price = 0, close_price = 0, profit = 0, swap = 0, commission = 0, fee = 0,
         net_profit = 0, points = 0, pips = 0, duration_hours = 0;

  mt5b_trade_record view() const noexcept;
  static Trade from(const mt5b_trade_record& record);
  // duration_hours may be derived from the two times by the store: compared to within 1e-9 h.
  bool operator==(const Trade& other) const;
};

struct Deal {
  std::string account_id, symbol, comment, external_id;
  int32_t type = 0, entry = 0, reason = 0;
  int64_t ticket = 0, order = 0, time = 0, time_msc = 0, magic = 0, position_id = 0, time_ms = 0;
  double volume = 0, price = 0, commission = 0, swap = 0, profit = 0, fee = 0;

  mt5b_trade_deal trade_deal() const noexcept;
  // The record pointing at `deal`, which must outlive it.
  mt5b_deal_record view(const mt5b_trade_deal& deal) const noexcept;
  static Deal from(const mt5b_deal_record& record);
  bool operator==(const Deal&) const = default;
};

struct Transaction {
  std::string account_id, kind, comment;
  int32_t deal_type = 0;
  int64_t ticket = 0, time_ms = 0, time_broker_ms = 0;
  double amount = 0;

  mt5b_transaction_record view() const noexcept;
  static Transaction from(const mt5b_transaction_record& record);
  bool operator==(const Transaction&) const = default;
};

struct SyncLog {
  std::string id, account_id, sync_type, status, error_message;
  int64_t started_at_ms = 0, completed_at_ms = 0, trades_synced = 0, deals_synced = 0,
          duration_ms = 0;

  mt5b_sync_log_record view() const noexcept;
  static SyncLog from(const mt5b_sync_log_record& record);
  bool operator==(const SyncLog&) const = default;
};

struct Audit {
  std::string id, actor, action, subject, details_json;
  int64_t at_ms = 0;

  mt5b_audit_record view() const noexcept;
};

namespace detail {

// A printable form of a string: quoted, control bytes escaped, long ones cut to a prefix.
struct Shown {
  const std::string& text;
};
inline std::ostream& operator<<(std::ostream& out, Shown s) {
  constexpr size_t kMax = 60;
  out << '"';
  for (size_t i = 0; i < s.text.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(s.text[i]);
    if (c < 0x20 || c == '"' || c == '\\') {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out << escaped;
    } else {
      out << s.text[i];
    }
  }
  out << '"';
  if (s.text.size() > kMax) out << "...(" << s.text.size() << " bytes)";
  return out;
}

template <class T>
T read(const T& record) {
  T out;
  sdk::read_struct(&record, out);
  return out;
}

}  // namespace detail

// ---- Account ----

inline mt5b_account_record Account::view() const noexcept {
  auto r = sdk::make<mt5b_account_record>();
  r.is_active = is_active ? 1 : 0;
  r.id = sdk::str(id);
  r.user_id = sdk::str(user_id);
  r.login = login;
  r.server = sdk::str(server);
  r.broker_name = sdk::str(broker_name);
  r.broker_instance = sdk::str(broker_instance);
  r.connection_status = sdk::str(connection_status);
  r.last_connection_error = sdk::str(last_connection_error);
  r.sync_failure_count = sync_failure_count;
  r.broker_server_time_offset_s = broker_server_time_offset_s;
  r.currency = sdk::str(currency);
  r.leverage = leverage;
  r.balance = balance;
  r.equity = equity;
  r.margin = margin;
  r.free_margin = free_margin;
  r.margin_level = margin_level;
  r.credit = credit;
  r.profit = profit;
  r.created_at_ms = created_at_ms;
  r.updated_at_ms = updated_at_ms;
  r.last_sync_at_ms = last_sync_at_ms;
  r.last_successful_sync_at_ms = last_successful_sync_at_ms;
  r.next_sync_at_ms = next_sync_at_ms;
  return r;
}

inline Account Account::from(const mt5b_account_record& record) {
  const auto r = detail::read(record);
  Account a;
  a.is_active = r.is_active != 0;
  a.id = sdk::copy(r.id);
  a.user_id = sdk::copy(r.user_id);
  a.login = r.login;
  a.server = sdk::copy(r.server);
  a.broker_name = sdk::copy(r.broker_name);
  a.broker_instance = sdk::copy(r.broker_instance);
  a.connection_status = sdk::copy(r.connection_status);
  a.last_connection_error = sdk::copy(r.last_connection_error);
  a.sync_failure_count = r.sync_failure_count;
  a.broker_server_time_offset_s = r.broker_server_time_offset_s;
  a.currency = sdk::copy(r.currency);
  a.leverage = r.leverage;
  a.balance = r.balance;
  a.equity = r.equity;
  a.margin = r.margin;
  a.free_margin = r.free_margin;
  a.margin_level = r.margin_level;
  a.credit = r.credit;
  a.profit = r.profit;
  a.created_at_ms = r.created_at_ms;
  a.updated_at_ms = r.updated_at_ms;
  a.last_sync_at_ms = r.last_sync_at_ms;
  a.last_successful_sync_at_ms = r.last_successful_sync_at_ms;
  a.next_sync_at_ms = r.next_sync_at_ms;
  return a;
}

// ---- Credential ----

inline mt5b_credential_record Credential::view() const noexcept {
  auto r = sdk::make<mt5b_credential_record>();
  r.account_id = sdk::str(account_id);
  r.user_id = sdk::str(user_id);
  r.key_id = sdk::str(key_id);
  r.ciphertext = sdk::str(ciphertext);
  r.created_at_ms = created_at_ms;
  return r;
}

inline Credential Credential::from(const mt5b_credential_record& record) {
  const auto r = detail::read(record);
  return Credential{sdk::copy(r.account_id), sdk::copy(r.user_id), sdk::copy(r.key_id),
                    sdk::copy(r.ciphertext), r.created_at_ms};
}

// ---- Position ----

inline mt5b_position_record Position::view() const noexcept {
  auto r = sdk::make<mt5b_position_record>();
  r.account_id = sdk::str(account_id);
  r.ticket = ticket;
  r.symbol = sdk::str(symbol);
  r.canonical_symbol = sdk::str(canonical_symbol);
  r.type = sdk::str(type);
  r.volume = volume;
  r.open_price = open_price;
  r.current_price = current_price;
  r.sl = sl;
  r.tp = tp;
  r.profit = profit;
  r.swap = swap;
  r.commission = commission;
  r.magic = magic;
  r.comment = sdk::str(comment);
  r.open_time_ms = open_time_ms;
  r.open_time_broker_ms = open_time_broker_ms;
  r.broker_offset_s = broker_offset_s;
  r.updated_at_ms = updated_at_ms;
  return r;
}

inline Position Position::from(const mt5b_position_record& record) {
  const auto r = detail::read(record);
  Position p;
  p.account_id = sdk::copy(r.account_id);
  p.ticket = r.ticket;
  p.symbol = sdk::copy(r.symbol);
  p.canonical_symbol = sdk::copy(r.canonical_symbol);
  p.type = sdk::copy(r.type);
  p.volume = r.volume;
  p.open_price = r.open_price;
  p.current_price = r.current_price;
  p.sl = r.sl;
  p.tp = r.tp;
  p.profit = r.profit;
  p.swap = r.swap;
  p.commission = r.commission;
  p.magic = r.magic;
  p.comment = sdk::copy(r.comment);
  p.open_time_ms = r.open_time_ms;
  p.open_time_broker_ms = r.open_time_broker_ms;
  p.broker_offset_s = r.broker_offset_s;
  p.updated_at_ms = r.updated_at_ms;
  return p;
}

// ---- Trade ----

inline mt5b_trade_record Trade::view() const noexcept {
  auto r = sdk::make<mt5b_trade_record>();
  r.segment = segment;
  r.account_id = sdk::str(account_id);
  r.ticket = ticket;
  r.position_id = position_id;
  r.symbol = sdk::str(symbol);
  r.canonical_symbol = sdk::str(canonical_symbol);
  r.type = sdk::str(type);
  r.volume = volume;
  r.open_price = open_price;
  r.close_price = close_price;
  r.open_time_ms = open_time_ms;
  r.close_time_ms = close_time_ms;
  r.open_time_broker_ms = open_time_broker_ms;
  r.close_time_broker_ms = close_time_broker_ms;
  r.broker_offset_s = broker_offset_s;
  r.profit = profit;
  r.swap = swap;
  r.commission = commission;
  r.fee = fee;
  r.net_profit = net_profit;
  r.points = points;
  r.pips = pips;
  r.duration_hours = duration_hours;
  r.close_reason = sdk::str(close_reason);
  return r;
}

inline Trade Trade::from(const mt5b_trade_record& record) {
  const auto r = detail::read(record);
  Trade t;
  t.segment = r.segment;
  t.account_id = sdk::copy(r.account_id);
  t.ticket = r.ticket;
  t.position_id = r.position_id;
  t.symbol = sdk::copy(r.symbol);
  t.canonical_symbol = sdk::copy(r.canonical_symbol);
  t.type = sdk::copy(r.type);
  t.volume = r.volume;
  t.open_price = r.open_price;
  t.close_price = r.close_price;
  t.open_time_ms = r.open_time_ms;
  t.close_time_ms = r.close_time_ms;
  t.open_time_broker_ms = r.open_time_broker_ms;
  t.close_time_broker_ms = r.close_time_broker_ms;
  t.broker_offset_s = r.broker_offset_s;
  t.profit = r.profit;
  t.swap = r.swap;
  t.commission = r.commission;
  t.fee = r.fee;
  t.net_profit = r.net_profit;
  t.points = r.points;
  t.pips = r.pips;
  t.duration_hours = r.duration_hours;
  t.close_reason = sdk::copy(r.close_reason);
  return t;
}

inline bool Trade::operator==(const Trade& o) const {
  auto exact = [](const Trade& t) {
    return std::tie(t.account_id, t.symbol, t.canonical_symbol, t.type, t.close_reason, t.segment,
                    t.ticket, t.position_id, t.open_time_ms, t.close_time_ms, t.open_time_broker_ms,
                    t.close_time_broker_ms, t.broker_offset_s, t.volume, t.open_price,
                    t.close_price, t.profit, t.swap, t.commission, t.fee, t.net_profit, t.points,
                    t.pips);
  };
  return exact(*this) == exact(o) && std::fabs(duration_hours - o.duration_hours) < 1e-9;
}

// ---- Deal ----

inline mt5b_trade_deal Deal::trade_deal() const noexcept {
  auto d = sdk::make<mt5b_trade_deal>();
  d.type = type;
  d.ticket = ticket;
  d.order = order;
  d.time = time;
  d.time_msc = time_msc;
  d.entry = entry;
  d.reason = reason;
  d.magic = magic;
  d.position_id = position_id;
  d.volume = volume;
  d.price = price;
  d.commission = commission;
  d.swap = swap;
  d.profit = profit;
  d.fee = fee;
  d.symbol = sdk::str(symbol);
  d.comment = sdk::str(comment);
  d.external_id = sdk::str(external_id);
  return d;
}

inline mt5b_deal_record Deal::view(const mt5b_trade_deal& deal) const noexcept {
  auto r = sdk::make<mt5b_deal_record>();
  r.account_id = sdk::str(account_id);
  r.deal = &deal;
  r.time_ms = time_ms;
  return r;
}

inline Deal Deal::from(const mt5b_deal_record& record) {
  const auto r = detail::read(record);
  Deal out;
  out.account_id = sdk::copy(r.account_id);
  out.time_ms = r.time_ms;
  if (r.deal == nullptr) return out;  // a test then sees every deal field as 0
  mt5b_trade_deal d;
  sdk::read_struct(r.deal, d);
  out.type = d.type;
  out.ticket = d.ticket;
  out.order = d.order;
  out.time = d.time;
  out.time_msc = d.time_msc;
  out.entry = d.entry;
  out.reason = d.reason;
  out.magic = d.magic;
  out.position_id = d.position_id;
  out.volume = d.volume;
  out.price = d.price;
  out.commission = d.commission;
  out.swap = d.swap;
  out.profit = d.profit;
  out.fee = d.fee;
  out.symbol = sdk::copy(d.symbol);
  out.comment = sdk::copy(d.comment);
  out.external_id = sdk::copy(d.external_id);
  return out;
}

// ---- Transaction ----

inline mt5b_transaction_record Transaction::view() const noexcept {
  auto r = sdk::make<mt5b_transaction_record>();
  r.deal_type = deal_type;
  r.account_id = sdk::str(account_id);
  r.ticket = ticket;
  r.kind = sdk::str(kind);
  r.amount = amount;
  r.time_ms = time_ms;
  r.time_broker_ms = time_broker_ms;
  r.comment = sdk::str(comment);
  return r;
}

inline Transaction Transaction::from(const mt5b_transaction_record& record) {
  const auto r = detail::read(record);
  Transaction t;
  t.deal_type = r.deal_type;
  t.account_id = sdk::copy(r.account_id);
  t.ticket = r.ticket;
  t.kind = sdk::copy(r.kind);
  t.amount = r.amount;
  t.time_ms = r.time_ms;
  t.time_broker_ms = r.time_broker_ms;
  t.comment = sdk::copy(r.comment);
  return t;
}

// ---- SyncLog ----

inline mt5b_sync_log_record SyncLog::view() const noexcept {
  auto r = sdk::make<mt5b_sync_log_record>();
  r.id = sdk::str(id);
  r.account_id = sdk::str(account_id);
  r.sync_type = sdk::str(sync_type);
  r.status = sdk::str(status);
  r.started_at_ms = started_at_ms;
  r.completed_at_ms = completed_at_ms;
  r.trades_synced = trades_synced;
  r.deals_synced = deals_synced;
  r.duration_ms = duration_ms;
  r.error_message = sdk::str(error_message);
  return r;
}

inline SyncLog SyncLog::from(const mt5b_sync_log_record& record) {
  const auto r = detail::read(record);
  return SyncLog{sdk::copy(r.id),
                 sdk::copy(r.account_id),
                 sdk::copy(r.sync_type),
                 sdk::copy(r.status),
                 sdk::copy(r.error_message),
                 r.started_at_ms,
                 r.completed_at_ms,
                 r.trades_synced,
                 r.deals_synced,
                 r.duration_ms};
}

// ---- Audit ----

inline mt5b_audit_record Audit::view() const noexcept {
  auto r = sdk::make<mt5b_audit_record>();
  r.id = sdk::str(id);
  r.at_ms = at_ms;
  r.actor = sdk::str(actor);
  r.action = sdk::str(action);
  r.subject = sdk::str(subject);
  r.details_json = sdk::str(details_json);
  return r;
}

// ---- printing ----

inline std::ostream& operator<<(std::ostream& out, const Account& a) {
  return out << "Account{id " << detail::Shown{a.id} << ", user " << detail::Shown{a.user_id}
             << ", login " << a.login << ", server " << detail::Shown{a.server} << ", broker "
             << detail::Shown{a.broker_name} << ", instance " << detail::Shown{a.broker_instance}
             << ", active " << a.is_active << ", status " << detail::Shown{a.connection_status}
             << ", error " << detail::Shown{a.last_connection_error} << ", failures "
             << a.sync_failure_count << ", offset_s " << a.broker_server_time_offset_s
             << ", currency " << detail::Shown{a.currency} << ", leverage " << a.leverage
             << ", balance " << a.balance << ", equity " << a.equity << ", margin " << a.margin
             << ", free " << a.free_margin << ", level " << a.margin_level << ", credit "
             << a.credit << ", profit " << a.profit << ", created " << a.created_at_ms
             << ", updated " << a.updated_at_ms << ", last_sync " << a.last_sync_at_ms
             << ", last_ok " << a.last_successful_sync_at_ms << ", next_sync " << a.next_sync_at_ms
             << "}";
}

inline std::ostream& operator<<(std::ostream& out, const Credential& c) {
  return out << "Credential{account " << detail::Shown{c.account_id} << ", user "
             << detail::Shown{c.user_id} << ", key " << detail::Shown{c.key_id} << ", ciphertext "
             << detail::Shown{c.ciphertext} << ", created " << c.created_at_ms << "}";
}

inline std::ostream& operator<<(std::ostream& out, const Position& p) {
  return out << "Position{account " << detail::Shown{p.account_id} << ", ticket " << p.ticket
             << ", " << detail::Shown{p.symbol} << "/" << detail::Shown{p.canonical_symbol} << ", "
             << p.type << " " << p.volume << " @ " << p.open_price << " now " << p.current_price
             << ", sl " << p.sl << ", tp " << p.tp << ", profit " << p.profit << ", swap " << p.swap
             << ", commission " << p.commission << ", magic " << p.magic << ", comment "
             << detail::Shown{p.comment} << ", open " << p.open_time_ms << " broker "
             << p.open_time_broker_ms << " offset_s " << p.broker_offset_s << ", updated "
             << p.updated_at_ms << "}";
}

inline std::ostream& operator<<(std::ostream& out, const Trade& t) {
  return out << "Trade{account " << detail::Shown{t.account_id} << ", ticket " << t.ticket
             << ", position " << t.position_id << "/" << t.segment << ", "
             << detail::Shown{t.symbol} << "/" << detail::Shown{t.canonical_symbol} << ", "
             << t.type << " " << t.volume << " " << t.open_price << " -> " << t.close_price
             << ", open " << t.open_time_ms << " close " << t.close_time_ms << ", broker "
             << t.open_time_broker_ms << " -> " << t.close_time_broker_ms << " offset_s "
             << t.broker_offset_s << ", profit " << t.profit << " swap " << t.swap << " commission "
             << t.commission << " fee " << t.fee << " net " << t.net_profit << ", points "
             << t.points << " pips " << t.pips << ", hours " << t.duration_hours << ", reason "
             << detail::Shown{t.close_reason} << "}";
}

inline std::ostream& operator<<(std::ostream& out, const Deal& d) {
  return out << "Deal{account " << detail::Shown{d.account_id} << ", ticket " << d.ticket
             << ", order " << d.order << ", position " << d.position_id << ", "
             << detail::Shown{d.symbol} << ", type " << d.type << " entry " << d.entry << " reason "
             << d.reason << ", " << d.volume << " @ " << d.price << ", profit " << d.profit
             << " swap " << d.swap << " commission " << d.commission << " fee " << d.fee
             << ", magic " << d.magic << ", time " << d.time << " msc " << d.time_msc << " utc_ms "
             << d.time_ms << ", comment " << detail::Shown{d.comment} << ", external "
             << detail::Shown{d.external_id} << "}";
}

inline std::ostream& operator<<(std::ostream& out, const Transaction& t) {
  return out << "Transaction{account " << detail::Shown{t.account_id} << ", ticket " << t.ticket
             << ", deal_type " << t.deal_type << ", kind " << detail::Shown{t.kind} << ", amount "
             << t.amount << ", time " << t.time_ms << " broker " << t.time_broker_ms << ", comment "
             << detail::Shown{t.comment} << "}";
}

inline std::ostream& operator<<(std::ostream& out, const SyncLog& l) {
  return out << "SyncLog{id " << detail::Shown{l.id} << ", account " << detail::Shown{l.account_id}
             << ", " << detail::Shown{l.sync_type} << "/" << detail::Shown{l.status} << ", started "
             << l.started_at_ms << ", completed " << l.completed_at_ms << ", trades "
             << l.trades_synced << ", deals " << l.deals_synced << ", duration_ms " << l.duration_ms
             << ", error " << detail::Shown{l.error_message} << "}";
}

}  // namespace mt5b::sdk::records

#endif  // MT5BRIDGE_RECORDS_HPP
