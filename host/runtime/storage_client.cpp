#include "runtime/storage_client.hpp"

namespace mt5b::host {

using sdk::copy;
using sdk::str;

mt5b_account_record account_to_record(const Account& a) {
  auto r = sdk::make<mt5b_account_record>();
  r.is_active = a.is_active ? 1 : 0;
  r.id = str(a.id);
  r.user_id = str(a.user_id);
  r.login = a.login;
  r.server = str(a.server);
  r.broker_name = str(a.broker_name);
  r.broker_instance = str(a.broker_instance);
  r.connection_status = str(a.connection_status);
  r.last_connection_error = str(a.last_connection_error);
  r.sync_failure_count = a.sync_failure_count;
  r.broker_server_time_offset_s = a.broker_server_time_offset_s;
  r.currency = str(a.currency);
  r.leverage = a.leverage;
  r.balance = a.balance;
  r.equity = a.equity;
  r.margin = a.margin;
  r.free_margin = a.free_margin;
  r.margin_level = a.margin_level;
  r.credit = a.credit;
  r.profit = a.profit;
  r.created_at_ms = a.created_at_ms;
  r.updated_at_ms = a.updated_at_ms;
  r.last_sync_at_ms = a.last_sync_at_ms;
  r.last_successful_sync_at_ms = a.last_successful_sync_at_ms;
  r.next_sync_at_ms = a.next_sync_at_ms;
  return r;
}

Account account_from_record(const mt5b_account_record* in) {
  mt5b_account_record r;
  sdk::read_struct(in, r);
  Account a;
  a.id = copy(r.id);
  a.user_id = copy(r.user_id);
  a.login = r.login;
  a.server = copy(r.server);
  a.broker_name = copy(r.broker_name);
  a.broker_instance = copy(r.broker_instance);
  a.is_active = r.is_active != 0;
  a.connection_status = copy(r.connection_status);
  a.last_connection_error = copy(r.last_connection_error);
  a.sync_failure_count = r.sync_failure_count;
  a.broker_server_time_offset_s = r.broker_server_time_offset_s;
  a.currency = copy(r.currency);
  a.leverage = r.leverage;
  a.balance = r.balance;
  a.equity = r.equity;
  a.margin = r.margin;
  a.free_margin = r.free_margin;
  a.margin_level = r.margin_level;
  a.credit = r.credit;
  a.profit = r.profit;
  a.created_at_ms = r.created_at_ms;
  a.updated_at_ms = r.updated_at_ms;
  a.last_sync_at_ms = r.last_sync_at_ms;
  a.last_successful_sync_at_ms = r.last_successful_sync_at_ms;
  a.next_sync_at_ms = r.next_sync_at_ms;
  return a;
}

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
  auto a = account_to_record(account);
  auto c = sdk::make<mt5b_credential_record>();
  c.account_id = str(credential.account_id);
  c.user_id = str(credential.user_id);
  c.key_id = str(credential.key_id);
  c.ciphertext = str(credential.ciphertext);
  c.created_at_ms = credential.created_at_ms;
  instance_.check(v_.on_account_insert(instance_.handle(), &a, &c), "account insert");
}

std::optional<Account> StorageClient::get(const std::string& account_id) {
  std::optional<Account> out;
  mt5b_status s = v_.on_account_get(
      instance_.handle(), str(account_id),
      [](void* ctx, const mt5b_account_record* r) {
        *static_cast<std::optional<Account>*>(ctx) = account_from_record(r);
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
                        static_cast<std::vector<Account>*>(ctx)->push_back(account_from_record(r));
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
      [](void* ctx, const mt5b_credential_record* in) {
        mt5b_credential_record r;
        sdk::read_struct(in, r);
        *static_cast<std::optional<Credential>*>(ctx) =
            Credential{copy(r.account_id), copy(r.user_id), copy(r.key_id), copy(r.ciphertext),
                       r.created_at_ms};
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
