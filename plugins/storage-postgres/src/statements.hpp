// The prepared statements every pooled connection registers, by name.
//
// Values always travel as parameters. Batches of records (one sync's deals, trades, ...) travel
// as one json parameter expanded with json_to_recordset, so a sync costs a fixed number of
// round trips however many rows it carries (BEGIN, lock, write, positions, COMMIT), and so
// does a group of concurrent syncs applied together (sync_store.cpp).
#ifndef MT5B_STORAGE_POSTGRES_STATEMENTS_HPP
#define MT5B_STORAGE_POSTGRES_STATEMENTS_HPP

#include <pqxx/connection>

namespace mt5b::storage_postgres {

namespace statement {
inline constexpr const char* kAccountInsert = "account_insert";
inline constexpr const char* kCredentialInsert = "credential_insert";
inline constexpr const char* kAccountGet = "account_get";
inline constexpr const char* kAccountListAll = "account_list_all";
inline constexpr const char* kAccountListUser = "account_list_user";
inline constexpr const char* kAccountCountAll = "account_count_all";
inline constexpr const char* kAccountCountUser = "account_count_user";
inline constexpr const char* kAccountDelete = "account_delete";
inline constexpr const char* kCredentialGet = "credential_get";
inline constexpr const char* kCredentialList = "credential_list";
inline constexpr const char* kCredentialUpdate = "credential_update";
inline constexpr const char* kLeaseDue = "lease_due";
inline constexpr const char* kLeaseOne = "lease_one";
inline constexpr const char* kLeaseRelease = "lease_release";
inline constexpr const char* kSyncLockAccounts = "sync_lock_accounts";
inline constexpr const char* kSyncLockAccountsSkip = "sync_lock_accounts_skip";
inline constexpr const char* kSyncWrite = "sync_write";
inline constexpr const char* kSyncPositions = "sync_positions";
inline constexpr const char* kSyncLogUpsert = "sync_log_upsert";
inline constexpr const char* kSyncLogGet = "sync_log_get";
inline constexpr const char* kSyncLogList = "sync_log_list";
inline constexpr const char* kPositionList = "position_list";
inline constexpr const char* kTradeList = "trade_list";
inline constexpr const char* kDealList = "deal_list";
inline constexpr const char* kTransactionList = "transaction_list";
inline constexpr const char* kUserDeleteIntegrations = "user_delete_integrations";
inline constexpr const char* kUserDeleteAccounts = "user_delete_accounts";
inline constexpr const char* kAuditInsert = "audit_insert";
}  // namespace statement

// Registers every statement above on `connection`. libpqxx sends a statement to the server on
// its first use, so this works before the schema exists (e.g. on the migrating connection).
void prepare_statements(pqxx::connection& connection);

}  // namespace mt5b::storage_postgres

#endif  // MT5B_STORAGE_POSTGRES_STATEMENTS_HPP
