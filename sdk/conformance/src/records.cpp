#include "records.hpp"

#include <cmath>
#include <cstdio>
#include <tuple>

namespace mt5b::conformance {
namespace {

using sdk::copy;
using sdk::str;

// A printable form of a string: quoted, control bytes escaped, long ones cut to a prefix.
struct Shown {
  const std::string& text;
};
std::ostream& operator<<(std::ostream& out, Shown s) {
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

}  // namespace

// ---- Account ----

mt5b_account_record Account::view() const noexcept {
  auto r = sdk::make<mt5b_account_record>();
  r.is_active = is_active ? 1 : 0;
  r.id = str(id);
  r.user_id = str(user_id);
  r.login = login;
  r.server = str(server);
  r.broker_name = str(broker_name);
  r.broker_instance = str(broker_instance);
  r.connection_status = str(connection_status);
  r.last_connection_error = str(last_connection_error);
  r.sync_failure_count = sync_failure_count;
  r.broker_server_time_offset_s = broker_server_time_offset_s;
  r.currency = str(currency);
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

Account Account::from(const mt5b_account_record& record) {
  const auto r = read(record);
  Account a;
  a.is_active = r.is_active != 0;
  a.id = copy(r.id);
  a.user_id = copy(r.user_id);
  a.login = r.login;
  a.server = copy(r.server);
  a.broker_name = copy(r.broker_name);
  a.broker_instance = copy(r.broker_instance);
  a.connection_status = copy(r.connection_status);
  a.last_connection_error = copy(r.last_connection_error);
  a.sync_failure_count = r.sync_failure_count;
  a.broker_server_time_offset_s = r.broker_server_time_offset_s;
  a.currency = copy(r.currency);
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

mt5b_credential_record Credential::view() const noexcept {
  auto r = sdk::make<mt5b_credential_record>();
  r.account_id = str(account_id);
  r.user_id = str(user_id);
  r.key_id = str(key_id);
  r.ciphertext = str(ciphertext);
  r.created_at_ms = created_at_ms;
  return r;
}

Credential Credential::from(const mt5b_credential_record& record) {
  const auto r = read(record);
  return Credential{copy(r.account_id), copy(r.user_id), copy(r.key_id), copy(r.ciphertext),
                    r.created_at_ms};
}

// ---- Position ----

mt5b_position_record Position::view() const noexcept {
  auto r = sdk::make<mt5b_position_record>();
  r.account_id = str(account_id);
  r.ticket = ticket;
  r.symbol = str(symbol);
  r.canonical_symbol = str(canonical_symbol);
  r.type = str(type);
  r.volume = volume;
  r.open_price = open_price;
  r.current_price = current_price;
  r.sl = sl;
  r.tp = tp;
  r.profit = profit;
  r.swap = swap;
  r.commission = commission;
  r.magic = magic;
  r.comment = str(comment);
  r.open_time_ms = open_time_ms;
  r.open_time_broker_ms = open_time_broker_ms;
  r.broker_offset_s = broker_offset_s;
  r.updated_at_ms = updated_at_ms;
  return r;
}

Position Position::from(const mt5b_position_record& record) {
  const auto r = read(record);
  Position p;
  p.account_id = copy(r.account_id);
  p.ticket = r.ticket;
  p.symbol = copy(r.symbol);
  p.canonical_symbol = copy(r.canonical_symbol);
  p.type = copy(r.type);
  p.volume = r.volume;
  p.open_price = r.open_price;
  p.current_price = r.current_price;
  p.sl = r.sl;
  p.tp = r.tp;
  p.profit = r.profit;
  p.swap = r.swap;
  p.commission = r.commission;
  p.magic = r.magic;
  p.comment = copy(r.comment);
  p.open_time_ms = r.open_time_ms;
  p.open_time_broker_ms = r.open_time_broker_ms;
  p.broker_offset_s = r.broker_offset_s;
  p.updated_at_ms = r.updated_at_ms;
  return p;
}

// ---- Trade ----

mt5b_trade_record Trade::view() const noexcept {
  auto r = sdk::make<mt5b_trade_record>();
  r.segment = segment;
  r.account_id = str(account_id);
  r.ticket = ticket;
  r.position_id = position_id;
  r.symbol = str(symbol);
  r.canonical_symbol = str(canonical_symbol);
  r.type = str(type);
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
  r.close_reason = str(close_reason);
  return r;
}

Trade Trade::from(const mt5b_trade_record& record) {
  const auto r = read(record);
  Trade t;
  t.segment = r.segment;
  t.account_id = copy(r.account_id);
  t.ticket = r.ticket;
  t.position_id = r.position_id;
  t.symbol = copy(r.symbol);
  t.canonical_symbol = copy(r.canonical_symbol);
  t.type = copy(r.type);
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
  t.close_reason = copy(r.close_reason);
  return t;
}

bool Trade::operator==(const Trade& o) const {
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

mt5b_trade_deal Deal::trade_deal() const noexcept {
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
  d.symbol = str(symbol);
  d.comment = str(comment);
  d.external_id = str(external_id);
  return d;
}

mt5b_deal_record Deal::view(const mt5b_trade_deal& deal) const noexcept {
  auto r = sdk::make<mt5b_deal_record>();
  r.account_id = str(account_id);
  r.deal = &deal;
  r.time_ms = time_ms;
  return r;
}

Deal Deal::from(const mt5b_deal_record& record) {
  const auto r = read(record);
  Deal out;
  out.account_id = copy(r.account_id);
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
  out.symbol = copy(d.symbol);
  out.comment = copy(d.comment);
  out.external_id = copy(d.external_id);
  return out;
}

// ---- Transaction ----

mt5b_transaction_record Transaction::view() const noexcept {
  auto r = sdk::make<mt5b_transaction_record>();
  r.deal_type = deal_type;
  r.account_id = str(account_id);
  r.ticket = ticket;
  r.kind = str(kind);
  r.amount = amount;
  r.time_ms = time_ms;
  r.time_broker_ms = time_broker_ms;
  r.comment = str(comment);
  return r;
}

Transaction Transaction::from(const mt5b_transaction_record& record) {
  const auto r = read(record);
  Transaction t;
  t.deal_type = r.deal_type;
  t.account_id = copy(r.account_id);
  t.ticket = r.ticket;
  t.kind = copy(r.kind);
  t.amount = r.amount;
  t.time_ms = r.time_ms;
  t.time_broker_ms = r.time_broker_ms;
  t.comment = copy(r.comment);
  return t;
}

// ---- SyncLog ----

mt5b_sync_log_record SyncLog::view() const noexcept {
  auto r = sdk::make<mt5b_sync_log_record>();
  r.id = str(id);
  r.account_id = str(account_id);
  r.sync_type = str(sync_type);
  r.status = str(status);
  r.started_at_ms = started_at_ms;
  r.completed_at_ms = completed_at_ms;
  r.trades_synced = trades_synced;
  r.deals_synced = deals_synced;
  r.duration_ms = duration_ms;
  r.error_message = str(error_message);
  return r;
}

SyncLog SyncLog::from(const mt5b_sync_log_record& record) {
  const auto r = read(record);
  return SyncLog{
      copy(r.id),      copy(r.account_id), copy(r.sync_type), copy(r.status), copy(r.error_message),
      r.started_at_ms, r.completed_at_ms,  r.trades_synced,   r.deals_synced, r.duration_ms};
}

// ---- Audit ----

mt5b_audit_record Audit::view() const noexcept {
  auto r = sdk::make<mt5b_audit_record>();
  r.id = str(id);
  r.at_ms = at_ms;
  r.actor = str(actor);
  r.action = str(action);
  r.subject = str(subject);
  r.details_json = str(details_json);
  return r;
}

// ---- printing ----

std::ostream& operator<<(std::ostream& out, const Account& a) {
  return out << "Account{id " << Shown{a.id} << ", user " << Shown{a.user_id} << ", login "
             << a.login << ", server " << Shown{a.server} << ", broker " << Shown{a.broker_name}
             << ", instance " << Shown{a.broker_instance} << ", active " << a.is_active
             << ", status " << Shown{a.connection_status} << ", error "
             << Shown{a.last_connection_error} << ", failures " << a.sync_failure_count
             << ", offset_s " << a.broker_server_time_offset_s << ", currency " << Shown{a.currency}
             << ", leverage " << a.leverage << ", balance " << a.balance << ", equity " << a.equity
             << ", margin " << a.margin << ", free " << a.free_margin << ", level "
             << a.margin_level << ", credit " << a.credit << ", profit " << a.profit << ", created "
             << a.created_at_ms << ", updated " << a.updated_at_ms << ", last_sync "
             << a.last_sync_at_ms << ", last_ok " << a.last_successful_sync_at_ms << ", next_sync "
             << a.next_sync_at_ms << "}";
}

std::ostream& operator<<(std::ostream& out, const Credential& c) {
  return out << "Credential{account " << Shown{c.account_id} << ", user " << Shown{c.user_id}
             << ", key " << Shown{c.key_id} << ", ciphertext " << Shown{c.ciphertext}
             << ", created " << c.created_at_ms << "}";
}

std::ostream& operator<<(std::ostream& out, const Position& p) {
  return out << "Position{account " << Shown{p.account_id} << ", ticket " << p.ticket << ", "
             << Shown{p.symbol} << "/" << Shown{p.canonical_symbol} << ", " << p.type << " "
             << p.volume << " @ " << p.open_price << " now " << p.current_price << ", sl " << p.sl
             << ", tp " << p.tp << ", profit " << p.profit << ", swap " << p.swap << ", commission "
             << p.commission << ", magic " << p.magic << ", comment " << Shown{p.comment}
             << ", open " << p.open_time_ms << " broker " << p.open_time_broker_ms << " offset_s "
             << p.broker_offset_s << ", updated " << p.updated_at_ms << "}";
}

std::ostream& operator<<(std::ostream& out, const Trade& t) {
  return out << "Trade{account " << Shown{t.account_id} << ", ticket " << t.ticket << ", position "
             << t.position_id << "/" << t.segment << ", " << Shown{t.symbol} << "/"
             << Shown{t.canonical_symbol} << ", " << t.type << " " << t.volume << " "
             << t.open_price << " -> " << t.close_price << ", open " << t.open_time_ms << " close "
             << t.close_time_ms << ", broker " << t.open_time_broker_ms << " -> "
             << t.close_time_broker_ms << " offset_s " << t.broker_offset_s << ", profit "
             << t.profit << " swap " << t.swap << " commission " << t.commission << " fee " << t.fee
             << " net " << t.net_profit << ", points " << t.points << " pips " << t.pips
             << ", hours " << t.duration_hours << ", reason " << Shown{t.close_reason} << "}";
}

std::ostream& operator<<(std::ostream& out, const Deal& d) {
  return out << "Deal{account " << Shown{d.account_id} << ", ticket " << d.ticket << ", order "
             << d.order << ", position " << d.position_id << ", " << Shown{d.symbol} << ", type "
             << d.type << " entry " << d.entry << " reason " << d.reason << ", " << d.volume
             << " @ " << d.price << ", profit " << d.profit << " swap " << d.swap << " commission "
             << d.commission << " fee " << d.fee << ", magic " << d.magic << ", time " << d.time
             << " msc " << d.time_msc << " utc_ms " << d.time_ms << ", comment " << Shown{d.comment}
             << ", external " << Shown{d.external_id} << "}";
}

std::ostream& operator<<(std::ostream& out, const Transaction& t) {
  return out << "Transaction{account " << Shown{t.account_id} << ", ticket " << t.ticket
             << ", deal_type " << t.deal_type << ", kind " << Shown{t.kind} << ", amount "
             << t.amount << ", time " << t.time_ms << " broker " << t.time_broker_ms << ", comment "
             << Shown{t.comment} << "}";
}

std::ostream& operator<<(std::ostream& out, const SyncLog& l) {
  return out << "SyncLog{id " << Shown{l.id} << ", account " << Shown{l.account_id} << ", "
             << Shown{l.sync_type} << "/" << Shown{l.status} << ", started " << l.started_at_ms
             << ", completed " << l.completed_at_ms << ", trades " << l.trades_synced << ", deals "
             << l.deals_synced << ", duration_ms " << l.duration_ms << ", error "
             << Shown{l.error_message} << "}";
}

}  // namespace mt5b::conformance
