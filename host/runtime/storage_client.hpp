// The host's typed view of a storage instance: C++ records in, C++ records out, failures as
// PluginCallError. Nothing here knows SQL.
#pragma once

#include "runtime/plugin_instance.hpp"

#include <optional>
#include <string>
#include <vector>

namespace mt5b::host {

struct Account {
  std::string id;
  std::string user_id;
  int64_t login = 0;
  std::string server;
  std::string broker_name;
  std::string broker_instance;
  bool is_active = true;
  std::string connection_status = "active";
  std::string last_connection_error;
  int64_t sync_failure_count = 0;
  int64_t broker_server_time_offset_s = 0;
  std::string currency;
  int64_t leverage = 0;
  double balance = 0, equity = 0, margin = 0, free_margin = 0, margin_level = 0, credit = 0,
         profit = 0;
  int64_t created_at_ms = 0, updated_at_ms = 0, last_sync_at_ms = 0, last_successful_sync_at_ms = 0;
  int64_t next_sync_at_ms = 0;  // 0: due now (ABI 1.1; reads 0 from 1.0 stores)
};

struct Credential {
  std::string account_id;
  std::string user_id;
  std::string key_id;
  std::string ciphertext;
  int64_t created_at_ms = 0;
};

struct AccountQuery {
  std::string user_id;  // empty: every user
  bool active_only = false;
  int64_t limit = 0;
  int64_t offset = 0;
};

// Account ↔ ABI record. The record borrows the account's strings.
mt5b_account_record account_to_record(const Account& account);
Account account_from_record(const mt5b_account_record* record);

struct SyncApply;
struct SyncApplyResult;
struct SyncLog;
struct RecordQuery;
struct AuditEvent;
struct StoredDeal;
struct OpenPosition;
struct ClosedTrade;
struct AccountTransaction;

class StorageClient {
 public:
  explicit StorageClient(PluginInstance& instance);

  void migrate();
  void insert(const Account& account, const Credential& credential);
  std::optional<Account> get(const std::string& account_id);
  std::vector<Account> list(const AccountQuery& query);
  int64_t count(const AccountQuery& query);
  // False when no such account existed.
  bool remove(const std::string& account_id);
  std::optional<Credential> credential(const std::string& account_id);
  // OK, or the failure; never throws.
  mt5b_status ping(std::string* why);

  // ---- ABI 1.1 (storage_client_sync.cpp). Each throws PluginCallError(NOT_SUPPORTED) naming
  // the slot when the plugin lacks it; `missing_sync_slots` lists them up front. ----
  std::vector<std::string> missing_sync_slots() const;
  std::vector<Account> lease_due(const std::string& owner, const std::string& account_id,
                                 int64_t now_ms, int64_t lease_ttl_ms, int64_t limit);
  void lease_release(const std::string& account_id, const std::string& owner);
  SyncApplyResult sync_apply(const SyncApply& apply);
  void sync_log_put(const SyncLog& log);
  std::optional<SyncLog> sync_log_get(const std::string& sync_id);
  std::vector<SyncLog> sync_log_list(const RecordQuery& query);
  std::vector<OpenPosition> position_list(const RecordQuery& query);
  std::vector<ClosedTrade> trade_list(const RecordQuery& query);
  std::vector<StoredDeal> deal_list(const RecordQuery& query);
  std::vector<AccountTransaction> transaction_list(const RecordQuery& query);
  std::vector<Credential> credential_list();
  void credential_update(const Credential& credential);
  int64_t user_delete(const std::string& user_id, const AuditEvent& audit);
  void audit_append(const AuditEvent& audit);
  int64_t migrate_to(int64_t target_version);

  PluginInstance& instance() { return instance_; }

 private:
  template <class F>
  F slot(F mt5b_storage_vtable::*member, const char* name) const;

  PluginInstance& instance_;
  mt5b_storage_vtable v_;
};

}  // namespace mt5b::host
