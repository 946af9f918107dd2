#include "conformance_test.hpp"

#include <chrono>

namespace mt5b::conformance {

::testing::AssertionResult is_ok(const CallResult& result) {
  if (result.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "the plugin answered " << result << " instead of OK";
}

::testing::AssertionResult has_status(mt5b_status expected, const CallResult& result) {
  if (result.status == expected) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "the plugin answered " << result << " instead of " << sdk::status_name(expected);
}

std::ostream& operator<<(std::ostream& out, const RowCounts& c) {
  return out << "{positions " << c.positions << ", trades " << c.trades << ", deals " << c.deals
             << ", transactions " << c.transactions << ", sync logs " << c.sync_logs << "}";
}

const PluginLibrary& StorageConformance::plugin() const {
  return *suite_context().plugin;
}

void StorageConformance::SetUp() {
  using namespace std::chrono;
  now_ms_ = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  std::string error;
  fresh_ = FreshStore::make(*suite_context().options, error);
  ASSERT_NE(nullptr, fresh_) << error;
  store_ = open_instance();
  ASSERT_OK(store_->created()) << "on_create refused the config " << config();
  ASSERT_OK(store_->migrate()) << "on_migrate must create the schema of an empty store";
}

void StorageConformance::TearDown() {
  store_.reset();  // close the instance before its store is cleaned up
  fresh_.reset();
}

std::unique_ptr<StoreInstance> StorageConformance::open_instance() const {
  return std::make_unique<StoreInstance>(plugin(), config(), now_ms_);
}

std::string StorageConformance::missing_slots(std::initializer_list<SlotPresence> slots) const {
  std::string missing;
  for (const SlotPresence& slot : slots) {
    if (!slot.present) missing += (missing.empty() ? "" : ", ") + std::string(slot.name);
  }
  return missing;
}

void StorageConformance::add(const Account& account) {
  EXPECT_OK(store_->insert_account(account, sample_credential(account))) << account;
}

std::optional<Account> StorageConformance::fetch(const std::string& id) {
  std::optional<Account> found;
  CallResult result = store_->get_account(id, found);
  if (!result.ok() && result.status != MT5B_NOT_FOUND)
    ADD_FAILURE() << "on_account_get: " << result;
  return found;
}

std::optional<Credential> StorageConformance::fetch_credential(const std::string& account_id) {
  std::optional<Credential> found;
  CallResult result = store_->get_credential(account_id, found);
  if (!result.ok() && result.status != MT5B_NOT_FOUND)
    ADD_FAILURE() << "on_credential_get: " << result;
  return found;
}

std::vector<std::string> StorageConformance::list_ids(const mt5b_account_query& query) {
  std::vector<Account> accounts;
  EXPECT_OK(store_->list_accounts(query, accounts));
  std::vector<std::string> ids;
  for (const auto& a : accounts) ids.push_back(a.id);
  return ids;
}

int64_t StorageConformance::count(const mt5b_account_query& query) {
  int64_t n = -1;
  EXPECT_OK(store_->count_accounts(query, n));
  return n;
}

mt5b_record_query StorageConformance::records_of(const std::string& account_id) {
  auto query = sdk::make<mt5b_record_query>();
  query.account_id = sdk::str(account_id);
  return query;
}

std::vector<Position> StorageConformance::positions(const mt5b_record_query& query) {
  std::vector<Position> out;
  EXPECT_OK(store_->list_positions(query, out));
  return out;
}

std::vector<Trade> StorageConformance::trades(const mt5b_record_query& query) {
  std::vector<Trade> out;
  EXPECT_OK(store_->list_trades(query, out));
  return out;
}

std::vector<Deal> StorageConformance::deals(const mt5b_record_query& query) {
  std::vector<Deal> out;
  EXPECT_OK(store_->list_deals(query, out));
  return out;
}

std::vector<Transaction> StorageConformance::transactions(const mt5b_record_query& query) {
  std::vector<Transaction> out;
  EXPECT_OK(store_->list_transactions(query, out));
  return out;
}

std::vector<SyncLog> StorageConformance::sync_logs(const mt5b_record_query& query) {
  std::vector<SyncLog> out;
  EXPECT_OK(store_->list_sync_logs(query, out));
  return out;
}

RowCounts StorageConformance::row_counts(const std::string& account_id) {
  const auto query = records_of(account_id);
  return RowCounts{positions(query).size(), trades(query).size(), deals(query).size(),
                   transactions(query).size(), sync_logs(query).size()};
}

CallResult StorageConformance::lease(const std::string& owner, int64_t now_ms, int64_t limit,
                                     std::vector<std::string>& ids, const std::string& account_id,
                                     int64_t ttl_ms) {
  auto request = sdk::make<mt5b_lease_request>();
  request.owner = sdk::str(owner);
  request.account_id = sdk::str(account_id);
  request.now_ms = now_ms;
  request.lease_ttl_ms = ttl_ms;
  request.limit = limit;
  std::vector<Account> leased;
  CallResult result = store_->lease_due(request, leased);
  ids.clear();
  for (const auto& a : leased) ids.push_back(a.id);
  return result;
}

std::vector<std::string> StorageConformance::leased_ids(const std::string& owner, int64_t now_ms,
                                                        int64_t limit, int64_t ttl_ms) {
  std::vector<std::string> ids;
  EXPECT_OK(lease(owner, now_ms, limit, ids, {}, ttl_ms)) << "leasing for " << owner;
  return ids;
}

mt5b_sync_apply_result StorageConformance::lease_and_apply(const SyncBatch& batch) {
  std::vector<std::string> ids;
  EXPECT_OK(lease(batch.lease_owner, now(), 1, ids, batch.account.id));
  auto result = sdk::make<mt5b_sync_apply_result>();
  EXPECT_OK(apply(*store_, batch, result));
  return result;
}

}  // namespace mt5b::conformance
