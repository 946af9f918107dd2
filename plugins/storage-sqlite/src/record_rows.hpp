// How synced records map to rows: open positions and closed trades (both in `trades`), raw
// deals, account transactions and sync logs. Each has an owning row struct read from a SELECT
// of its column list, the SQL that writes it, and a binder from the ABI record. Rows are copied
// out so the connection is released before the host's emit callback runs.
#ifndef MT5B_STORAGE_SQLITE_RECORD_ROWS_HPP
#define MT5B_STORAGE_SQLITE_RECORD_ROWS_HPP

#include "sqlite_connection.hpp"

#include <mt5bridge/abi.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace mt5b::storage_sqlite {

// Who the rows of one apply belong to: the account's id and its owner (trades.user_id).
struct RowOwner {
  std::string_view account_id;
  std::string_view user_id;
  int64_t now_ms = 0;
};

struct PositionRow {
  std::string account_id, symbol, canonical_symbol, type, comment;
  int64_t ticket = 0, magic = 0, open_time_ms = 0, open_time_broker_ms = 0, broker_offset_s = 0,
          updated_at_ms = 0;
  double volume = 0, open_price = 0, current_price = 0, sl = 0, tp = 0, profit = 0, swap = 0,
         commission = 0;
  mt5b_position_record record() const noexcept;
};
extern const char* const kPositionColumns;  // SELECT them FROM trades
PositionRow read_position_row(const Statement& row);
// An open position is a `trades` row with status 'open', keyed by (account_id, ticket); its
// position_id is its ticket and its segment 0, so when it closes the closed trade of
// (position_id, 0) takes over the same row. A row that is already closed is left alone.
extern const char* const kUpsertPositionSql;
void bind_position(Statement& upsert, const mt5b_position_record& position, const RowOwner& owner);

struct TradeRow {
  std::string account_id, symbol, canonical_symbol, type, close_reason;
  int32_t segment = 0;
  int64_t ticket = 0, position_id = 0, open_time_ms = 0, close_time_ms = 0, open_time_broker_ms = 0,
          close_time_broker_ms = 0, broker_offset_s = 0;
  double volume = 0, open_price = 0, close_price = 0, profit = 0, swap = 0, commission = 0, fee = 0,
         net_profit = 0, points = 0, pips = 0;
  // Not a column: derived from the two times, so it always agrees with them.
  double duration_hours() const noexcept;
  mt5b_trade_record record() const noexcept;
};
extern const char* const kTradeColumns;  // SELECT them FROM trades
TradeRow read_trade_row(const Statement& row);
// Upserts by (account_id, position_id, segment) as status 'closed'.
extern const char* const kUpsertTradeSql;
void bind_trade(Statement& upsert, const mt5b_trade_record& trade, const RowOwner& owner);

struct DealRow {
  std::string account_id, symbol, comment, external_id;
  int32_t type = 0, entry = 0, reason = 0;
  int64_t ticket = 0, order = 0, magic = 0, position_id = 0, time_msc = 0, time_ms = 0;
  double volume = 0, price = 0, commission = 0, swap = 0, profit = 0, fee = 0;
  // The TradeDeal view; valid while the row lives unchanged.
  mt5b_trade_deal deal() const noexcept;
  // The record pointing at `deal`, which must outlive it.
  mt5b_deal_record record(const mt5b_trade_deal& deal) const noexcept;
};
extern const char* const kDealColumns;  // SELECT them FROM deals
DealRow read_deal_row(const Statement& row);
// Inserts once per (account_id, ticket); an existing deal is left as it is.
extern const char* const kInsertDealSql;
void bind_deal(Statement& insert, const mt5b_trade_deal& deal, int64_t time_ms,
               const RowOwner& owner);

struct TransactionRow {
  std::string account_id, kind, comment;
  int32_t deal_type = 0;
  int64_t ticket = 0, time_ms = 0, time_broker_ms = 0;
  double amount = 0;
  mt5b_transaction_record record() const noexcept;
};
extern const char* const kTransactionColumns;  // SELECT them FROM account_transactions
TransactionRow read_transaction_row(const Statement& row);
extern const char* const kInsertTransactionSql;
void bind_transaction(Statement& insert, const mt5b_transaction_record& transaction,
                      std::string_view currency, const RowOwner& owner);

struct SyncLogRow {
  std::string id, account_id, sync_type, status, error_message;
  int64_t started_at_ms = 0, completed_at_ms = 0, trades_synced = 0, deals_synced = 0,
          duration_ms = 0;
  mt5b_sync_log_record record() const noexcept;
};
extern const char* const kSyncLogColumns;  // SELECT them FROM sync_logs
SyncLogRow read_sync_log_row(const Statement& row);
// Upserts by id.
extern const char* const kUpsertSyncLogSql;
// Throws INVALID_ARGUMENT for a log without id, type, status or start time.
void validate_sync_log(const mt5b_sync_log_record& log);
void bind_sync_log(Statement& upsert, const mt5b_sync_log_record& log, std::string_view account_id);

}  // namespace mt5b::storage_sqlite

#endif  // MT5B_STORAGE_SQLITE_RECORD_ROWS_HPP
