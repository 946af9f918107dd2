#include "store_instance.hpp"

namespace mt5b::conformance {
namespace {

using sdk::str;

// emit callbacks: copy each record into the owning type the caller collects.
template <class Owned, class Abi>
void collect(void* ctx, const Abi* record) {
  static_cast<std::vector<Owned>*>(ctx)->push_back(Owned::from(*record));
}
template <class Owned, class Abi>
void keep_one(void* ctx, const Abi* record) {
  *static_cast<std::optional<Owned>*>(ctx) = Owned::from(*record);
}

}  // namespace

std::ostream& operator<<(std::ostream& out, const CallResult& result) {
  out << sdk::status_name(result.status);
  if (!result.message.empty()) out << " (" << result.message << ")";
  return out;
}

StoreInstance::StoreInstance(const PluginLibrary& plugin, const std::string& config_json,
                             int64_t now_ms)
    : plugin_(plugin), slots_(plugin.vtable()) {
  host_.set_now_ms(now_ms);
  mt5b_status status =
      plugin_.descriptor().on_create(host_.api(), str("conformance"), str(config_json), &instance_);
  created_ = result(status);
}

StoreInstance::~StoreInstance() {
  if (instance_ != nullptr) plugin_.descriptor().on_destroy(instance_);
}

CallResult StoreInstance::result(mt5b_status status) const {
  CallResult out{status, {}};
  if (status != MT5B_OK && instance_ != nullptr) {
    out.message = sdk::copy(plugin_.descriptor().on_last_error(instance_));
  }
  return out;
}

CallResult StoreInstance::missing(const char* slot) {
  return CallResult{MT5B_NOT_SUPPORTED, std::string("the plugin does not provide ") + slot};
}

// Each call checks its slot first: an absent optional slot is NOT_SUPPORTED, never a crash.
#define MT5B_REQUIRE_SLOT(slot) \
  if (slots_.slot == nullptr) return missing(#slot)

CallResult StoreInstance::migrate() {
  MT5B_REQUIRE_SLOT(on_migrate);
  return result(slots_.on_migrate(instance_));
}

CallResult StoreInstance::insert_account(const Account& account, const Credential& credential) {
  MT5B_REQUIRE_SLOT(on_account_insert);
  const auto a = account.view();
  const auto c = credential.view();
  return result(slots_.on_account_insert(instance_, &a, &c));
}

CallResult StoreInstance::get_account(const std::string& id, std::optional<Account>& out) {
  MT5B_REQUIRE_SLOT(on_account_get);
  out.reset();
  return result(slots_.on_account_get(instance_, str(id), &keep_one<Account>, &out));
}

CallResult StoreInstance::list_accounts(const mt5b_account_query& query,
                                        std::vector<Account>& out) {
  MT5B_REQUIRE_SLOT(on_account_list);
  out.clear();
  return result(slots_.on_account_list(instance_, &query, &collect<Account>, &out));
}

CallResult StoreInstance::count_accounts(const mt5b_account_query& query, int64_t& out) {
  MT5B_REQUIRE_SLOT(on_account_count);
  out = -1;
  return result(slots_.on_account_count(instance_, &query, &out));
}

CallResult StoreInstance::delete_account(const std::string& id) {
  MT5B_REQUIRE_SLOT(on_account_delete);
  return result(slots_.on_account_delete(instance_, str(id)));
}

CallResult StoreInstance::get_credential(const std::string& account_id,
                                         std::optional<Credential>& out) {
  MT5B_REQUIRE_SLOT(on_credential_get);
  out.reset();
  return result(slots_.on_credential_get(instance_, str(account_id), &keep_one<Credential>, &out));
}

CallResult StoreInstance::lease_due(const mt5b_lease_request& request, std::vector<Account>& out) {
  MT5B_REQUIRE_SLOT(on_lease_due);
  out.clear();
  return result(slots_.on_lease_due(instance_, &request, &collect<Account>, &out));
}

CallResult StoreInstance::lease_release(const std::string& account_id, const std::string& owner) {
  MT5B_REQUIRE_SLOT(on_lease_release);
  return result(slots_.on_lease_release(instance_, str(account_id), str(owner)));
}

CallResult StoreInstance::sync_apply(const mt5b_sync_apply& apply, mt5b_sync_apply_result& out) {
  MT5B_REQUIRE_SLOT(on_sync_apply);
  out = sdk::make<mt5b_sync_apply_result>();
  return result(slots_.on_sync_apply(instance_, &apply, &out));
}

CallResult StoreInstance::put_sync_log(const SyncLog& log) {
  MT5B_REQUIRE_SLOT(on_sync_log_put);
  const auto record = log.view();
  return result(slots_.on_sync_log_put(instance_, &record));
}

CallResult StoreInstance::get_sync_log(const std::string& id, std::optional<SyncLog>& out) {
  MT5B_REQUIRE_SLOT(on_sync_log_get);
  out.reset();
  return result(slots_.on_sync_log_get(instance_, str(id), &keep_one<SyncLog>, &out));
}

CallResult StoreInstance::list_sync_logs(const mt5b_record_query& query,
                                         std::vector<SyncLog>& out) {
  MT5B_REQUIRE_SLOT(on_sync_log_list);
  out.clear();
  return result(slots_.on_sync_log_list(instance_, &query, &collect<SyncLog>, &out));
}

CallResult StoreInstance::list_positions(const mt5b_record_query& query,
                                         std::vector<Position>& out) {
  MT5B_REQUIRE_SLOT(on_position_list);
  out.clear();
  return result(slots_.on_position_list(instance_, &query, &collect<Position>, &out));
}

CallResult StoreInstance::list_trades(const mt5b_record_query& query, std::vector<Trade>& out) {
  MT5B_REQUIRE_SLOT(on_trade_list);
  out.clear();
  return result(slots_.on_trade_list(instance_, &query, &collect<Trade>, &out));
}

CallResult StoreInstance::list_deals(const mt5b_record_query& query, std::vector<Deal>& out) {
  MT5B_REQUIRE_SLOT(on_deal_list);
  out.clear();
  return result(slots_.on_deal_list(instance_, &query, &collect<Deal>, &out));
}

CallResult StoreInstance::list_transactions(const mt5b_record_query& query,
                                            std::vector<Transaction>& out) {
  MT5B_REQUIRE_SLOT(on_transaction_list);
  out.clear();
  return result(slots_.on_transaction_list(instance_, &query, &collect<Transaction>, &out));
}

CallResult StoreInstance::list_credentials(std::vector<Credential>& out) {
  MT5B_REQUIRE_SLOT(on_credential_list);
  out.clear();
  return result(slots_.on_credential_list(instance_, &collect<Credential>, &out));
}

CallResult StoreInstance::update_credential(const Credential& credential) {
  MT5B_REQUIRE_SLOT(on_credential_update);
  const auto record = credential.view();
  return result(slots_.on_credential_update(instance_, &record));
}

CallResult StoreInstance::delete_user(const std::string& user_id, const Audit& audit,
                                      int64_t& out_accounts) {
  MT5B_REQUIRE_SLOT(on_user_delete);
  out_accounts = -1;
  const auto record = audit.view();
  return result(slots_.on_user_delete(instance_, str(user_id), &record, &out_accounts));
}

CallResult StoreInstance::append_audit(const Audit& audit) {
  MT5B_REQUIRE_SLOT(on_audit_append);
  const auto record = audit.view();
  return result(slots_.on_audit_append(instance_, &record));
}

CallResult StoreInstance::migrate_to(int64_t target_version, int64_t& out_version) {
  MT5B_REQUIRE_SLOT(on_migrate_to);
  out_version = -1;
  return result(slots_.on_migrate_to(instance_, target_version, &out_version));
}

#undef MT5B_REQUIRE_SLOT

}  // namespace mt5b::conformance
