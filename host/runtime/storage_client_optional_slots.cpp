// StorageClient's calls of the optional (ABI 1.1) slots: leases, the atomic sync apply, record
// lists, audit, credential rotation and migrations. Each checks that the plugin has the slot.
#include "runtime/storage_client.hpp"

#include "runtime/sync_records.hpp"

namespace mt5b::host {

using sdk::str;

namespace {

mt5b_record_query to_query(const RecordQuery& q) {
  auto r = sdk::make<mt5b_record_query>();
  r.account_id = str(q.account_id);
  r.symbol = str(q.symbol);
  r.from_ms = q.from_ms;
  r.to_ms = q.to_ms;
  r.limit = q.limit;
  r.offset = q.offset;
  return r;
}

// Collects records of one kind through an emit callback, as owning copies.
template <class Record, class Abi>
struct Collector {
  static void emit(void* ctx, const Abi* r) {
    static_cast<std::vector<Record>*>(ctx)->push_back(Record::from(*r));
  }
};

}  // namespace

template <class F>
F StorageClient::slot(F mt5b_storage_vtable::*member, const char* name) const {
  F f = v_.*member;
  if (!f)
    throw PluginCallError(MT5B_NOT_SUPPORTED,
                          "storage plugin " + instance_.plugin().name() + " lacks " + name +
                              " (plugin ABI 1.1); upgrade it to use this feature");
  return f;
}

std::vector<std::string> StorageClient::missing_sync_slots() const {
  std::vector<std::string> out;
  if (!v_.on_lease_due) out.push_back("on_lease_due");
  if (!v_.on_lease_release) out.push_back("on_lease_release");
  if (!v_.on_sync_apply) out.push_back("on_sync_apply");
  if (!v_.on_sync_log_put) out.push_back("on_sync_log_put");
  if (!v_.on_sync_log_get) out.push_back("on_sync_log_get");
  return out;
}

std::vector<Account> StorageClient::lease_due(const std::string& owner,
                                              const std::string& account_id, int64_t now_ms,
                                              int64_t lease_ttl_ms, int64_t limit) {
  auto f = slot(&mt5b_storage_vtable::on_lease_due, "on_lease_due");
  auto q = sdk::make<mt5b_lease_request>();
  q.owner = str(owner);
  q.account_id = str(account_id);
  q.now_ms = now_ms;
  q.lease_ttl_ms = lease_ttl_ms;
  q.limit = limit;
  std::vector<Account> out;
  instance_.check(f(instance_.handle(), &q, &Collector<Account, mt5b_account_record>::emit, &out),
                  "lease");
  return out;
}

void StorageClient::lease_release(const std::string& account_id, const std::string& owner) {
  auto f = slot(&mt5b_storage_vtable::on_lease_release, "on_lease_release");
  instance_.check(f(instance_.handle(), str(account_id), str(owner)), "lease release");
}

SyncApplyResult StorageClient::sync_apply(const SyncApply& apply) {
  auto f = slot(&mt5b_storage_vtable::on_sync_apply, "on_sync_apply");
  const sdk::records::SyncApplyView view(apply);
  auto result = sdk::make<mt5b_sync_apply_result>();
  instance_.check(f(instance_.handle(), view.get(), &result), "sync apply");
  return SyncApplyResult{result.deals_inserted, result.trades_inserted,
                         result.transactions_inserted};
}

void StorageClient::sync_log_put(const SyncLog& log) {
  auto f = slot(&mt5b_storage_vtable::on_sync_log_put, "on_sync_log_put");
  const auto r = log.view();
  instance_.check(f(instance_.handle(), &r), "sync log write");
}

std::optional<SyncLog> StorageClient::sync_log_get(const std::string& sync_id) {
  auto f = slot(&mt5b_storage_vtable::on_sync_log_get, "on_sync_log_get");
  std::vector<SyncLog> out;
  mt5b_status s =
      f(instance_.handle(), str(sync_id), &Collector<SyncLog, mt5b_sync_log_record>::emit, &out);
  if (s == MT5B_NOT_FOUND) return std::nullopt;
  instance_.check(s, "sync log read");
  if (out.empty()) return std::nullopt;
  return out.front();
}

#define MT5B_LIST(METHOD, SLOT, HOST, RECORD, WHAT)                                         \
  std::vector<HOST> StorageClient::METHOD(const RecordQuery& query) {                       \
    auto f = slot(&mt5b_storage_vtable::SLOT, #SLOT);                                       \
    auto q = to_query(query);                                                               \
    std::vector<HOST> out;                                                                  \
    instance_.check(f(instance_.handle(), &q, &Collector<HOST, RECORD>::emit, &out), WHAT); \
    return out;                                                                             \
  }
MT5B_LIST(sync_log_list, on_sync_log_list, SyncLog, mt5b_sync_log_record, "sync log list")
MT5B_LIST(position_list, on_position_list, Position, mt5b_position_record, "position list")
MT5B_LIST(trade_list, on_trade_list, Trade, mt5b_trade_record, "trade list")
MT5B_LIST(deal_list, on_deal_list, Deal, mt5b_deal_record, "deal list")
MT5B_LIST(transaction_list, on_transaction_list, Transaction, mt5b_transaction_record,
          "transaction list")
#undef MT5B_LIST

std::vector<Credential> StorageClient::credential_list() {
  auto f = slot(&mt5b_storage_vtable::on_credential_list, "on_credential_list");
  std::vector<Credential> out;
  instance_.check(f(instance_.handle(), &Collector<Credential, mt5b_credential_record>::emit, &out),
                  "credential list");
  return out;
}

void StorageClient::credential_update(const Credential& c) {
  auto f = slot(&mt5b_storage_vtable::on_credential_update, "on_credential_update");
  const auto r = c.view();
  instance_.check(f(instance_.handle(), &r), "credential update");
}

int64_t StorageClient::user_delete(const std::string& user_id, const Audit& audit) {
  auto f = slot(&mt5b_storage_vtable::on_user_delete, "on_user_delete");
  const auto a = audit.view();
  int64_t n = 0;
  instance_.check(f(instance_.handle(), str(user_id), &a, &n), "user data delete");
  return n;
}

void StorageClient::audit_append(const Audit& audit) {
  auto f = slot(&mt5b_storage_vtable::on_audit_append, "on_audit_append");
  const auto a = audit.view();
  instance_.check(f(instance_.handle(), &a), "audit append");
}

int64_t StorageClient::migrate_to(int64_t target_version) {
  auto f = slot(&mt5b_storage_vtable::on_migrate_to, "on_migrate_to");
  int64_t version = 0;
  instance_.check(f(instance_.handle(), target_version, &version), "migration");
  return version;
}

}  // namespace mt5b::host
