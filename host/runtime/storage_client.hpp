// The host's typed view of a storage instance: C++ records in, C++ records out, failures as
// PluginCallError. Nothing here knows SQL.
#pragma once

#include "runtime/plugin_instance.hpp"

#include <mt5bridge/records.hpp>

#include <optional>
#include <string>
#include <vector>

namespace mt5b::host {

// Accounts and their sealed credentials, as the SDK's owning storage records.
using sdk::records::Account;
using sdk::records::Credential;

struct AccountQuery {
  std::string user_id;  // empty: every user
  bool active_only = false;
  int64_t limit = 0;
  int64_t offset = 0;
};

struct SyncApplyResult;
struct RecordQuery;
using sdk::records::Audit;
using sdk::records::Deal;
using sdk::records::Position;
using sdk::records::SyncApply;
using sdk::records::SyncLog;
using sdk::records::Trade;
using sdk::records::Transaction;

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

  // ---- ABI 1.1 (storage_client_optional_slots.cpp). Each throws PluginCallError(NOT_SUPPORTED)
  // naming the slot when the plugin lacks it; `missing_sync_slots` lists them up front. ----
  std::vector<std::string> missing_sync_slots() const;
  std::vector<Account> lease_due(const std::string& owner, const std::string& account_id,
                                 int64_t now_ms, int64_t lease_ttl_ms, int64_t limit);
  void lease_release(const std::string& account_id, const std::string& owner);
  SyncApplyResult sync_apply(const SyncApply& apply);
  void sync_log_put(const SyncLog& log);
  std::optional<SyncLog> sync_log_get(const std::string& sync_id);
  std::vector<SyncLog> sync_log_list(const RecordQuery& query);
  std::vector<Position> position_list(const RecordQuery& query);
  std::vector<Trade> trade_list(const RecordQuery& query);
  std::vector<Deal> deal_list(const RecordQuery& query);
  std::vector<Transaction> transaction_list(const RecordQuery& query);
  std::vector<Credential> credential_list();
  void credential_update(const Credential& credential);
  int64_t user_delete(const std::string& user_id, const Audit& audit);
  void audit_append(const Audit& audit);
  int64_t migrate_to(int64_t target_version);

  PluginInstance& instance() { return instance_; }

 private:
  template <class F>
  F slot(F mt5b_storage_vtable::*member, const char* name) const;

  PluginInstance& instance_;
  mt5b_storage_vtable v_;
};

}  // namespace mt5b::host
