// The synced records of one account, as the list slots read them (mt5b_record_query).
#include "postgres_storage.hpp"
#include "row_readers.hpp"
#include "statement_params.hpp"
#include "statements.hpp"
#include "sync_validation.hpp"

#include <optional>
#include <type_traits>
#include <vector>

namespace mt5b::storage_postgres {
namespace {

// A query's parameters in the order every listing statement takes them ($1..$6).
struct RecordQueryParams {
  std::string account_id;
  std::optional<std::string> symbol;
  std::optional<std::string> from;
  std::optional<std::string> to;
  std::optional<int64_t> limit;
  int64_t offset = 0;
};

// nullopt when no row can match (an account id that is not a UUID names no account).
std::optional<RecordQueryParams> record_query_params(const mt5b_record_query& query) {
  if (query.account_id.size == 0) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "the query has no account_id; records are listed one account at a time");
  }
  if (query.limit < 0 || query.offset < 0) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "limit and offset must not be negative; use limit 0 for no limit");
  }
  RecordQueryParams p;
  p.account_id = sdk::copy(query.account_id);
  if (!is_uuid(p.account_id)) return std::nullopt;
  p.symbol = optional_text(query.symbol);
  p.from = time_param(query.from_ms, "from_ms");
  p.to = time_param(query.to_ms, "to_ms");
  p.limit = limit_param(query.limit);
  p.offset = query.offset;
  return p;
}

// Reads every row first, then emits with the connection back in the pool.
template <class Row, class Record>
void list_records(ConnectionPool& pool, std::string_view doing, const char* statement_name,
                  const mt5b_record_query& query, Row (*read_row)(const pqxx::row&),
                  const std::function<void(const Record&)>& emit) {
  const std::optional<RecordQueryParams> p = record_query_params(query);
  if (!p) return;
  std::vector<Row> rows;
  run_read(pool, doing, [&](pqxx::nontransaction& txn) {
    pqxx::result result = txn.exec_prepared(statement_name, p->account_id, p->symbol, p->from,
                                            p->to, p->limit, p->offset);
    rows.clear();
    for (const pqxx::row& row : result) rows.push_back(read_row(row));
  });
  for (const Row& row : rows) {
    if constexpr (std::is_same_v<Row, DealRow>) {
      const mt5b_trade_deal deal = row.trade_deal();  // the record points at it
      emit(row.view(deal));
    } else {
      emit(row.view());
    }
  }
}

}  // namespace

void PostgresStorage::sync_log_list(const mt5b_record_query& query,
                                    const std::function<void(const mt5b_sync_log_record&)>& emit) {
  list_records(*pool_, "list the sync logs", statement::kSyncLogList, query, &read_sync_log_row,
               emit);
}

void PostgresStorage::position_list(const mt5b_record_query& query,
                                    const std::function<void(const mt5b_position_record&)>& emit) {
  list_records(*pool_, "list the open positions", statement::kPositionList, query,
               &read_position_row, emit);
}

void PostgresStorage::trade_list(const mt5b_record_query& query,
                                 const std::function<void(const mt5b_trade_record&)>& emit) {
  list_records(*pool_, "list the closed trades", statement::kTradeList, query, &read_trade_row,
               emit);
}

void PostgresStorage::deal_list(const mt5b_record_query& query,
                                const std::function<void(const mt5b_deal_record&)>& emit) {
  list_records(*pool_, "list the deals", statement::kDealList, query, &read_deal_row, emit);
}

void PostgresStorage::transaction_list(
    const mt5b_record_query& query,
    const std::function<void(const mt5b_transaction_record&)>& emit) {
  list_records(*pool_, "list the account transactions", statement::kTransactionList, query,
               &read_transaction_row, emit);
}

}  // namespace mt5b::storage_postgres
