#include "runtime/storage_client.hpp"

namespace mt5b::host {

using sdk::str;

namespace {

mt5b_account_query to_query(const AccountQuery& q) {
  auto r = sdk::make<mt5b_account_query>();
  r.active_only = q.active_only ? 1 : 0;
  r.user_id = str(q.user_id);
  r.limit = q.limit;
  r.offset = q.offset;
  return r;
}

}  // namespace

StorageClient::StorageClient(PluginInstance& instance)
    : instance_(instance), v_(instance.vtable<mt5b_storage_vtable>()) {}

void StorageClient::migrate() {
  instance_.check(v_.on_migrate(instance_.handle()), "schema migration");
}

void StorageClient::insert(const Account& account, const Credential& credential) {
  const auto a = account.view();
  const auto c = credential.view();
  instance_.check(v_.on_account_insert(instance_.handle(), &a, &c), "account insert");
}

std::optional<Account> StorageClient::get(const std::string& account_id) {
  std::optional<Account> out;
  mt5b_status s = v_.on_account_get(
      instance_.handle(), str(account_id),
      [](void* ctx, const mt5b_account_record* r) {
        *static_cast<std::optional<Account>*>(ctx) = Account::from(*r);
      },
      &out);
  if (s == MT5B_NOT_FOUND) return std::nullopt;
  instance_.check(s, "account read");
  return out;
}

std::vector<Account> StorageClient::list(const AccountQuery& query) {
  std::vector<Account> out;
  auto q = to_query(query);
  instance_.check(v_.on_account_list(
                      instance_.handle(), &q,
                      [](void* ctx, const mt5b_account_record* r) {
                        static_cast<std::vector<Account>*>(ctx)->push_back(Account::from(*r));
                      },
                      &out),
                  "account list");
  return out;
}

int64_t StorageClient::count(const AccountQuery& query) {
  int64_t n = 0;
  auto q = to_query(query);
  instance_.check(v_.on_account_count(instance_.handle(), &q, &n), "account count");
  return n;
}

bool StorageClient::remove(const std::string& account_id) {
  mt5b_status s = v_.on_account_delete(instance_.handle(), str(account_id));
  if (s == MT5B_NOT_FOUND) return false;
  instance_.check(s, "account delete");
  return true;
}

std::optional<Credential> StorageClient::credential(const std::string& account_id) {
  std::optional<Credential> out;
  mt5b_status s = v_.on_credential_get(
      instance_.handle(), str(account_id),
      [](void* ctx, const mt5b_credential_record* r) {
        *static_cast<std::optional<Credential>*>(ctx) = Credential::from(*r);
      },
      &out);
  if (s == MT5B_NOT_FOUND) return std::nullopt;
  instance_.check(s, "credential read");
  return out;
}

mt5b_status StorageClient::ping(std::string* why) {
  if (!v_.on_ping) return MT5B_OK;
  mt5b_status s = v_.on_ping(instance_.handle());
  if (s != MT5B_OK && s != MT5B_NOT_SUPPORTED && why) *why = instance_.last_error();
  return s == MT5B_NOT_SUPPORTED ? MT5B_OK : s;
}

}  // namespace mt5b::host
