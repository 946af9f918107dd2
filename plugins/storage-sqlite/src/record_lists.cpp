// Reading synced records back, and the sync-log slots. Every list honours mt5b_record_query:
// account_id required, [from_ms, to_ms] inclusive on the record's own time, the canonical
// symbol, limit/offset, and the order abi.h gives each slot.
#include "sqlite_storage.hpp"

#include "record_rows.hpp"
#include "storage_errors.hpp"
#include "time_columns.hpp"

#include <optional>
#include <vector>

namespace mt5b::storage_sqlite {
namespace {

using sdk::view;

// How one kind of record is listed. Every part is fixed SQL text; values are always bound.
struct ListShape {
  const char* what;           // "trades", for messages
  const char* columns;        // what read_row reads
  const char* table;          // FROM
  const char* status_filter;  // extra condition, or nullptr
  const char* time_column;    // the record's time for from/to, or nullptr when it has none
  const char* symbol_column;  // the canonical symbol, or nullptr when it has none
  const char* order_by;
};

std::string list_sql(const ListShape& shape, const mt5b_record_query& query) {
  std::string sql =
      std::string("SELECT ") + shape.columns + " FROM " + shape.table + " WHERE account_id = ?1";
  if (shape.status_filter != nullptr) sql += std::string(" AND ") + shape.status_filter;
  if (shape.symbol_column != nullptr && query.symbol.size != 0)
    sql += std::string(" AND ") + shape.symbol_column + " = ?2";
  if (shape.time_column != nullptr && query.from_ms != 0)
    sql += std::string(" AND ") + shape.time_column + " >= ?3";
  if (shape.time_column != nullptr && query.to_ms != 0)
    sql += std::string(" AND ") + shape.time_column + " <= ?4";
  return sql + " ORDER BY " + shape.order_by + " LIMIT ?5 OFFSET ?6";
}

template <class Row>
std::vector<Row> list_rows(ConnectionPool& pool, const ListShape& shape,
                           const mt5b_record_query& query, Row (*read_row)(const Statement&)) {
  require_text(query.account_id,
               std::string("the query's account_id (whose ") + shape.what + " to list)");
  if (query.limit < 0 || query.offset < 0) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "limit and offset must not be negative; use limit 0 for no limit");
  }
  const std::string sql = list_sql(shape, query);
  std::vector<Row> rows;
  try {
    auto reader = pool.reader();
    auto select = reader->statement(sql);
    select.bind_text(1, view(query.account_id));
    select.bind_text(2, view(query.symbol));
    bind_utc_time(select, 3, query.from_ms, "the query's from_ms");
    bind_utc_time(select, 4, query.to_ms, "the query's to_ms");
    select.bind_int(5, query.limit == 0 ? -1 : query.limit);  // SQLite: -1 = no limit
    select.bind_int(6, query.offset);
    while (select.step()) rows.push_back(read_row(select));
  } catch (const SqliteError& error) {
    throw to_storage_error(error, std::string("list the ") + shape.what);
  }
  return rows;
}

const ListShape kPositions{"open positions", kPositionColumns,   "trades", "status = 'open'",
                           nullptr,          "canonical_symbol", "ticket"};
const ListShape kTrades{"closed trades",
                        kTradeColumns,
                        "trades",
                        "status = 'closed'",
                        "close_time",
                        "canonical_symbol",
                        "close_time DESC, ticket DESC"};
// Deal records carry the broker's symbol only; a canonical one, when a tool filled it, wins.
const ListShape kDeals{"deals",
                       kDealColumns,
                       "deals",
                       nullptr,
                       "deal_time",
                       "coalesce(canonical_symbol, symbol)",
                       "deal_time, ticket"};
const ListShape kTransactions{
    "transactions", kTransactionColumns,       "account_transactions", nullptr, "transaction_time",
    nullptr,        "transaction_time, ticket"};
const ListShape kSyncLogs{
    "sync logs", kSyncLogColumns,           "sync_logs", nullptr, "started_at",
    nullptr,     "started_at DESC, id DESC"};

}  // namespace

void SqliteStorage::position_list(const mt5b_record_query& query,
                                  const std::function<void(const mt5b_position_record&)>& emit) {
  for (const auto& row : list_rows(*pool_, kPositions, query, &read_position_row)) emit(row.view());
}

void SqliteStorage::trade_list(const mt5b_record_query& query,
                               const std::function<void(const mt5b_trade_record&)>& emit) {
  for (const auto& row : list_rows(*pool_, kTrades, query, &read_trade_row)) emit(row.view());
}

void SqliteStorage::deal_list(const mt5b_record_query& query,
                              const std::function<void(const mt5b_deal_record&)>& emit) {
  for (const auto& row : list_rows(*pool_, kDeals, query, &read_deal_row)) {
    const mt5b_trade_deal deal = row.trade_deal();
    emit(row.view(deal));
  }
}

void SqliteStorage::transaction_list(
    const mt5b_record_query& query,
    const std::function<void(const mt5b_transaction_record&)>& emit) {
  for (const auto& row : list_rows(*pool_, kTransactions, query, &read_transaction_row))
    emit(row.view());
}

void SqliteStorage::sync_log_list(const mt5b_record_query& query,
                                  const std::function<void(const mt5b_sync_log_record&)>& emit) {
  for (const auto& row : list_rows(*pool_, kSyncLogs, query, &read_sync_log_row)) emit(row.view());
}

void SqliteStorage::sync_log_put(const mt5b_sync_log_record& log) {
  validate_sync_log(log);
  require_text(log.account_id, "the sync log's account_id");
  try {
    auto writer = pool_->writer();
    Transaction transaction(*writer);
    auto exists = writer->statement("SELECT 1 FROM trading_accounts WHERE id = ?1");
    exists.bind_text(1, view(log.account_id));
    if (!exists.step()) throw account_not_found(view(log.account_id));
    auto upsert = writer->statement(kUpsertSyncLogSql);
    bind_sync_log(upsert, log, view(log.account_id));
    upsert.run();
    transaction.commit();
  } catch (const SqliteError& error) {
    throw to_storage_error(error, "store the sync log");
  }
}

void SqliteStorage::sync_log_get(std::string_view sync_id,
                                 const std::function<void(const mt5b_sync_log_record&)>& emit) {
  static const std::string sql =
      std::string("SELECT ") + kSyncLogColumns + " FROM sync_logs WHERE id = ?1";
  std::optional<SyncLogRow> found;
  try {
    auto reader = pool_->reader();
    auto select = reader->statement(sql);
    select.bind_text(1, sync_id);
    if (select.step()) found = read_sync_log_row(select);
  } catch (const SqliteError& error) {
    throw to_storage_error(error, "read the sync log");
  }
  if (!found) {
    throw sdk::Error(MT5B_NOT_FOUND, "no sync log with id '" + std::string(sync_id) +
                                         "' exists; list the account's sync logs to find it");
  }
  emit(found->view());
}

}  // namespace mt5b::storage_sqlite
