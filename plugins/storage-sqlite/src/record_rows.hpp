// How synced records map to rows: open positions and closed trades (both in `trades`), raw
// deals, account transactions and sync logs. Each has an owning row struct read from a SELECT
// of its column list, the SQL that writes it, and a binder from the ABI record. Rows are copied
// out so the connection is released before the host's emit callback runs.
#ifndef MT5B_STORAGE_SQLITE_RECORD_ROWS_HPP
#define MT5B_STORAGE_SQLITE_RECORD_ROWS_HPP

#include "sqlite_connection.hpp"

#include <mt5bridge/records.hpp>

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

using PositionRow = sdk::records::Position;
extern const char* const kPositionColumns;  // SELECT them FROM trades
PositionRow read_position_row(const Statement& row);
// An open position is a `trades` row with status 'open', keyed by (account_id, ticket); its
// position_id is its ticket and its segment 0, so when it closes the closed trade of
// (position_id, 0) takes over the same row. A row that is already closed is left alone.
extern const char* const kUpsertPositionSql;
void bind_position(Statement& upsert, const mt5b_position_record& position, const RowOwner& owner);

using TradeRow = sdk::records::Trade;
extern const char* const kTradeColumns;  // SELECT them FROM trades
TradeRow read_trade_row(const Statement& row);
// Upserts by (account_id, position_id, segment) as status 'closed'.
extern const char* const kUpsertTradeSql;
void bind_trade(Statement& upsert, const mt5b_trade_record& trade, const RowOwner& owner);

using DealRow = sdk::records::Deal;
extern const char* const kDealColumns;  // SELECT them FROM deals
DealRow read_deal_row(const Statement& row);
// Inserts once per (account_id, ticket); an existing deal is left as it is.
extern const char* const kInsertDealSql;
void bind_deal(Statement& insert, const mt5b_trade_deal& deal, int64_t time_ms,
               const RowOwner& owner);

using TransactionRow = sdk::records::Transaction;
extern const char* const kTransactionColumns;  // SELECT them FROM account_transactions
TransactionRow read_transaction_row(const Statement& row);
extern const char* const kInsertTransactionSql;
void bind_transaction(Statement& insert, const mt5b_transaction_record& transaction,
                      std::string_view currency, const RowOwner& owner);

using SyncLogRow = sdk::records::SyncLog;
extern const char* const kSyncLogColumns;  // SELECT them FROM sync_logs
SyncLogRow read_sync_log_row(const Statement& row);
// Upserts by id.
extern const char* const kUpsertSyncLogSql;
// Throws INVALID_ARGUMENT for a log without id, type, status or start time.
void validate_sync_log(const mt5b_sync_log_record& log);
void bind_sync_log(Statement& upsert, const mt5b_sync_log_record& log, std::string_view account_id);

}  // namespace mt5b::storage_sqlite

#endif  // MT5B_STORAGE_SQLITE_RECORD_ROWS_HPP
