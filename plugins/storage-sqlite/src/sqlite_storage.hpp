// storage-sqlite: mt5bridge's embedded default storage, one SQLite file in WAL mode.
#ifndef MT5B_STORAGE_SQLITE_SQLITE_STORAGE_HPP
#define MT5B_STORAGE_SQLITE_SQLITE_STORAGE_HPP

#include "connection_pool.hpp"

#include <mt5bridge/sdk.hpp>

#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace mt5b::storage_sqlite {

class SqliteStorage : public sdk::StoragePlugin,
                      public sdk::StorageSync,
                      public sdk::StorageRecordLists,
                      public sdk::StorageKeyRotation,
                      public sdk::StoragePrivacy,
                      public sdk::StorageMigrations {
 public:
  static constexpr const char* kName = "storage-sqlite";
  static constexpr const char* kVersion = "0.2.0";
  static constexpr const char* kDescription =
      "Stores accounts, sealed credentials and synced MT5 data in one embedded SQLite file.";
  static constexpr const char* kDefaultPath = "./var/mt5bridge.db";
  static constexpr int64_t kDefaultBusyTimeoutMs = 5000;
  // Enough readers for the host's request threads to read side by side; beyond that a reader
  // waits for a free connection, which costs less than holding many open files.
  static constexpr int kReaderConnections = 4;

  static std::span<const mt5b_option> options();

  // Opens (creating when missing) the database and its parent directories.
  // Errors: INVALID_ARGUMENT for a bad option, UNAVAILABLE when the file cannot be opened.
  SqliteStorage(sdk::Host host, const sdk::Config& config);

  void migrate() override;
  void account_insert(const mt5b_account_record& account,
                      const mt5b_credential_record& credential) override;
  void account_get(std::string_view account_id, const sdk::AccountSink& emit) override;
  void account_list(const mt5b_account_query& query, const sdk::AccountSink& emit) override;
  int64_t account_count(const mt5b_account_query& query) override;
  void account_delete(std::string_view account_id) override;
  void credential_get(std::string_view account_id, const sdk::CredentialSink& emit) override;
  void ping() override;

  // ABI 1.1, one file each: leases.cpp, sync_apply.cpp, record_lists.cpp, audit.cpp,
  // credential_rotation.cpp; migrate_to lives here with migrate.
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
  void credential_list(const sdk::CredentialSink& emit) override;
  void credential_update(const mt5b_credential_record& credential) override;
  int64_t user_delete(std::string_view user_id, const mt5b_audit_record& audit) override;
  void audit_append(const mt5b_audit_record& audit) override;
  int64_t migrate_to(int64_t target_version) override;

 private:
  // The host's clock (tests drive it), or the system clock when the host gives none.
  int64_t now_ms() const;

  sdk::Host host_;
  std::string path_;
  std::unique_ptr<ConnectionPool> pool_;
};

}  // namespace mt5b::storage_sqlite

#endif  // MT5B_STORAGE_SQLITE_SQLITE_STORAGE_HPP
