// Collectors that list what a store emits into vectors of owned copies (the SDK's records, which
// are the plugin's row types; emitted records are valid only during emit).
#ifndef MT5B_STORAGE_POSTGRES_TESTS_RECORD_COPIES_HPP
#define MT5B_STORAGE_POSTGRES_TESTS_RECORD_COPIES_HPP

#include "postgres_storage.hpp"
#include "row_readers.hpp"

#include <functional>
#include <vector>

namespace mt5b::storage_postgres::testing {

// The status a call ends with (OK, or the status of the sdk::Error it throws).
mt5b_status status_of(const std::function<void()>& call);

AccountRow get_account(PostgresStorage& store, const std::string& id);
std::vector<AccountRow> list_accounts(PostgresStorage& store, const mt5b_account_query& query);
std::vector<CredentialRow> list_credentials(PostgresStorage& store);
std::vector<AccountRow> lease(PostgresStorage& store, const mt5b_lease_request& request);
std::vector<PositionRow> list_positions(PostgresStorage& store, const mt5b_record_query& query);
std::vector<TradeRow> list_trades(PostgresStorage& store, const mt5b_record_query& query);
std::vector<DealRow> list_deals(PostgresStorage& store, const mt5b_record_query& query);
std::vector<TransactionRow> list_transactions(PostgresStorage& store,
                                              const mt5b_record_query& query);
std::vector<SyncLogRow> list_sync_logs(PostgresStorage& store, const mt5b_record_query& query);

}  // namespace mt5b::storage_postgres::testing

#endif  // MT5B_STORAGE_POSTGRES_TESTS_RECORD_COPIES_HPP
