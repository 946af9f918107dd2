// Rows read back from PostgreSQL, owning their strings, and the ABI records that borrow them.
// Rows are read completely before any record is emitted, so the connection is back in the pool
// while the caller's emit runs (an emit may call the plugin again, e.g. key rotation).
#ifndef MT5B_STORAGE_POSTGRES_ROW_READERS_HPP
#define MT5B_STORAGE_POSTGRES_ROW_READERS_HPP

#include <mt5bridge/abi.h>

#include <pqxx/row>

#include <cstdint>
#include <functional>
#include <string>

namespace mt5b::storage_postgres {

// Columns as statements.cpp's account_columns() lists them.
struct AccountRow {
  std::string id, user_id, server, broker_name, broker_instance, connection_status,
      last_connection_error, currency;
  int64_t login = 0, sync_failure_count = 0, broker_server_time_offset_s = 0, leverage = 0;
  bool is_active = false;
  double balance = 0, equity = 0, margin = 0, free_margin = 0, margin_level = 0, credit = 0,
         profit = 0;
  int64_t created_at_ms = 0, updated_at_ms = 0, last_sync_at_ms = 0, last_successful_sync_at_ms = 0,
          next_sync_at_ms = 0;

  mt5b_account_record record() const noexcept;  // borrows this row's strings
};
AccountRow read_account_row(const pqxx::row& row);

struct CredentialRow {
  std::string account_id, user_id, key_id, ciphertext;
  int64_t created_at_ms = 0;

  mt5b_credential_record record() const noexcept;
};
CredentialRow read_credential_row(const pqxx::row& row);

struct PositionRow {
  std::string account_id, symbol, canonical_symbol, type, comment;
  int64_t ticket = 0, magic = 0, open_time_ms = 0, open_time_broker_ms = 0, broker_offset_s = 0,
          updated_at_ms = 0;
  double volume = 0, open_price = 0, current_price = 0, sl = 0, tp = 0, profit = 0, swap = 0,
         commission = 0;

  mt5b_position_record record() const noexcept;
};
PositionRow read_position_row(const pqxx::row& row);

struct TradeRow {
  std::string account_id, symbol, canonical_symbol, type, close_reason;
  int32_t segment = 0;
  int64_t ticket = 0, position_id = 0, open_time_ms = 0, close_time_ms = 0, open_time_broker_ms = 0,
          close_time_broker_ms = 0, broker_offset_s = 0;
  double volume = 0, open_price = 0, close_price = 0, profit = 0, swap = 0, commission = 0, fee = 0,
         net_profit = 0, points = 0, pips = 0;

  mt5b_trade_record record() const noexcept;
};
TradeRow read_trade_row(const pqxx::row& row);

struct DealRow {
  std::string account_id, symbol, comment, external_id;
  int32_t type = 0, entry = 0, reason = 0;
  int64_t ticket = 0, order = 0, position_id = 0, magic = 0, time_ms = 0, broker_time_s = 0,
          broker_time_msc = 0;
  double volume = 0, price = 0, profit = 0, swap = 0, commission = 0, fee = 0;

  // The record points at a TradeDeal, so both are built for the duration of `emit`.
  void emit(const std::function<void(const mt5b_deal_record&)>& emit) const;
};
DealRow read_deal_row(const pqxx::row& row);

struct TransactionRow {
  std::string account_id, kind, comment;
  int32_t deal_type = 0;
  int64_t ticket = 0, time_ms = 0, time_broker_ms = 0;
  double amount = 0;

  mt5b_transaction_record record() const noexcept;
};
TransactionRow read_transaction_row(const pqxx::row& row);

struct SyncLogRow {
  std::string id, account_id, sync_type, status, error_message;
  int64_t started_at_ms = 0, completed_at_ms = 0, trades_synced = 0, deals_synced = 0,
          duration_ms = 0;

  mt5b_sync_log_record record() const noexcept;
};
SyncLogRow read_sync_log_row(const pqxx::row& row);

}  // namespace mt5b::storage_postgres

#endif  // MT5B_STORAGE_POSTGRES_ROW_READERS_HPP
