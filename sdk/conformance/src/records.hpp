// Owning copies of the storage ABI's records. The suite builds its inputs from these, and copies
// every record a plugin emits into one (emitted records are valid only during emit). Reading a
// plugin's record goes through sdk::read_struct, so fields an older plugin lacks read as zero.
#ifndef MT5B_CONFORMANCE_RECORDS_HPP
#define MT5B_CONFORMANCE_RECORDS_HPP

#include <mt5bridge/sdk.hpp>

#include <cstdint>
#include <ostream>
#include <string>

namespace mt5b::conformance {

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

// gtest prints these in failure messages; long strings are shortened to their size.
std::ostream& operator<<(std::ostream& out, const Account& a);
std::ostream& operator<<(std::ostream& out, const Credential& c);
std::ostream& operator<<(std::ostream& out, const Position& p);
std::ostream& operator<<(std::ostream& out, const Trade& t);
std::ostream& operator<<(std::ostream& out, const Deal& d);
std::ostream& operator<<(std::ostream& out, const Transaction& t);
std::ostream& operator<<(std::ostream& out, const SyncLog& l);

}  // namespace mt5b::conformance

#endif  // MT5B_CONFORMANCE_RECORDS_HPP
