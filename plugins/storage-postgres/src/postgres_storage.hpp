// storage-postgres: mt5bridge's storage on PostgreSQL or Supabase, shared by several hosts.
//
// Implements every storage slot of ABI 1.1 with the tables and columns of storage-sqlite
// (schema versions 1-2) plus row-level security (version 3). The members are spread over
// account_store.cpp, sync_store.cpp, record_lists.cpp and user_data.cpp by subject.
#ifndef MT5B_STORAGE_POSTGRES_POSTGRES_STORAGE_HPP
#define MT5B_STORAGE_POSTGRES_POSTGRES_STORAGE_HPP

#include "connection_pool.hpp"
#include "connection_settings.hpp"
#include "database_calls.hpp"

#include <mt5bridge/sdk.hpp>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mt5b::storage_postgres {

class PostgresStorage : public sdk::StoragePlugin,
                        public sdk::StorageSync,
                        public sdk::StorageRecordLists,
                        public sdk::StorageKeyRotation,
                        public sdk::StoragePrivacy,
                        public sdk::StorageMigrations {
 public:
  static constexpr const char* kName = "storage-postgres";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr const char* kDescription =
      "Stores accounts, sealed credentials and synced MT5 data in PostgreSQL or Supabase, "
      "shared by several hosts.";

  static std::span<const mt5b_option> options();

  // Checks the options; connects lazily, on the first call (normally migrate()).
  // Errors: INVALID_ARGUMENT for a bad option.
  PostgresStorage(sdk::Host host, const sdk::Config& config);

  // With apply_migrations (default), brings the schema to the latest version under an advisory
  // lock; without it, checks that someone did (`mt5bridge migrate`).
  void migrate() override;
  int64_t migrate_to(int64_t target_version) override;
  void ping() override;

  void account_insert(const mt5b_account_record& account,
                      const mt5b_credential_record& credential) override;
  void account_get(std::string_view account_id, const sdk::AccountSink& emit) override;
  void account_list(const mt5b_account_query& query, const sdk::AccountSink& emit) override;
  int64_t account_count(const mt5b_account_query& query) override;
  void account_delete(std::string_view account_id) override;
  void credential_get(std::string_view account_id, const sdk::CredentialSink& emit) override;
  void credential_list(const sdk::CredentialSink& emit) override;
  void credential_update(const mt5b_credential_record& credential) override;

  void lease_due(const mt5b_lease_request& request, const sdk::AccountSink& emit) override;
  void lease_release(std::string_view account_id, std::string_view owner) override;
  mt5b_sync_apply_result sync_apply(const mt5b_sync_apply& apply) override;
  void sync_log_put(const mt5b_sync_log_record& log) override;
  void sync_log_get(std::string_view sync_id,
                    const std::function<void(const mt5b_sync_log_record&)>& emit) override;

  void sync_log_list(const mt5b_record_query& query,
                     const std::function<void(const mt5b_sync_log_record&)>& emit) override;
  void position_list(const mt5b_record_query& query,
                     const std::function<void(const mt5b_position_record&)>& emit) override;
  void trade_list(const mt5b_record_query& query,
                  const std::function<void(const mt5b_trade_record&)>& emit) override;
  void deal_list(const mt5b_record_query& query,
                 const std::function<void(const mt5b_deal_record&)>& emit) override;
  void transaction_list(const mt5b_record_query& query,
                        const std::function<void(const mt5b_transaction_record&)>& emit) override;

  int64_t user_delete(std::string_view user_id, const mt5b_audit_record& audit) override;
  void audit_append(const mt5b_audit_record& audit) override;

 private:
  // Reads run without BEGIN/COMMIT; every write runs in a transaction, even a single
  // statement, so a connection lost before COMMIT provably changed nothing. The one exception
  // is write_idempotent: a single statement that may run twice without harm.
  void read(std::string_view doing, const std::function<void(pqxx::nontransaction&)>& body) {
    run_read(*pool_, doing, body);
  }
  void write(std::string_view doing, const std::function<void(pqxx::work&)>& body) {
    run_transaction(*pool_, doing, body);
  }
  // A single statement safe to repeat (database_calls.hpp): no BEGIN/COMMIT round trips.
  void write_idempotent(std::string_view doing,
                        const std::function<void(pqxx::nontransaction&)>& body) {
    run_idempotent_statement(*pool_, doing, body);
  }
  int64_t now_ms() const;

  // Sync applies, written in groups (sync_store.cpp).
  struct PendingApply;
  void write_group(const std::vector<PendingApply*>& group) noexcept;
  // Called from write_group's handler: `status` is that of the exception being handled.
  void fail_group(const std::vector<PendingApply*>& group, mt5b_status status,
                  std::string_view what) noexcept;

  sdk::Host host_;
  ConnectionSettings settings_;
  std::unique_ptr<ConnectionPool> pool_;
  std::mutex apply_mu_;
  std::condition_variable apply_cv_;
  std::vector<PendingApply*> apply_queue_;  // waiting, oldest first; guarded by apply_mu_
  int applying_groups_ = 0;                 // groups being written; guarded by apply_mu_
};

}  // namespace mt5b::storage_postgres

#endif  // MT5B_STORAGE_POSTGRES_POSTGRES_STORAGE_HPP
