// The ownership check of the account routes against the real storage-sqlite plugin: the
// storage-fresh form, and the cached form the market data routes use (a copy of the account for
// a bounded time, dropped at once by forget_account).
#include "services/accounts/account_access.hpp"
#include "api/json_body.hpp"
#include "loader/plugin_loader.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace mt5b::host;

const fs::path kPluginDir = MT5BRIDGE_PLUGIN_DIR;
const std::string kOwner = "0f8fad5b-d9cb-469f-a165-70867728950e";
const std::string kOther = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

CipherKey test_key() {
  CipherKey key{"k1", {}};
  key.bytes.fill(0x42);
  return key;
}

class AccountAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kPluginDir / "storage-sqlite.so"))
      GTEST_SKIP() << "storage-sqlite.so is not built in " << kPluginDir;
    dir_ = fs::temp_directory_path() / ("mt5b-account-access-" + new_uuid_v4());
    fs::create_directories(dir_);
    PluginLoader loader({kPluginDir});
    InstanceConfig config;
    config.kind = MT5B_KIND_STORAGE;
    config.name = "store";
    config.plugin = "storage-sqlite";
    config.config_json = R"({"path":")" + (dir_ / "test.db").string() + R"("})";
    config.loaded = loader.find("storage-sqlite");
    instance_ = PluginInstance::create(config, metrics_);
    storage_ = std::make_unique<StorageClient>(*instance_);
    storage_->migrate();
  }
  void TearDown() override {
    access_.reset();
    storage_.reset();
    instance_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  AccountAccess& access(std::chrono::milliseconds ttl = AccountAccess::kOwnershipCacheTtl) {
    access_ = std::make_unique<AccountAccess>(*storage_, std::vector<BrokerClient*>{}, cipher_,
                                              last_error_, ttl);
    return *access_;
  }

  std::string link(const std::string& user, const std::string& id = new_uuid_v4()) {
    Account account;
    account.id = id;
    account.user_id = user;
    account.login = 5000 + static_cast<int64_t>(++linked_);
    account.server = "Demo-Server";
    account.broker_name = "Demo";
    account.broker_instance = "demo";
    Credential credential{id, user, "k1", cipher_.seal("investor-password", id), 1};
    storage_->insert(account, credential);
    return id;
  }

  static RequestContext as(const std::string& user, const std::string& account_id) {
    RequestContext ctx;
    ctx.acting_user = user;
    ctx.request.path_params["account_id"] = account_id;
    return ctx;
  }

  // The error code `fn` throws, or "" when it throws none.
  template <class Fn>
  static std::string code_of(Fn&& fn) {
    try {
      fn();
    } catch (const ApiError& e) {
      return std::to_string(e.status()) + " " + e.code();
    }
    return "";
  }

  fs::path dir_;
  MetricsRegistry metrics_;
  LastErrorTracker last_error_;
  CredentialCipher cipher_{{test_key()}, "k1"};
  std::unique_ptr<PluginInstance> instance_;
  std::unique_ptr<StorageClient> storage_;
  std::unique_ptr<AccountAccess> access_;
  int linked_ = 0;
};

TEST_F(AccountAccessTest, a_cached_check_answers_from_its_copy_without_reading_storage) {
  auto& a = access();
  std::string id = link(kOwner);
  auto ctx = as(kOwner, id);
  EXPECT_EQ(a.owned_account_cached(ctx)->user_id, kOwner);
  storage_->remove(id);  // as another host sharing the database would
  EXPECT_EQ(a.owned_account_cached(ctx)->id, id) << "served from the copy";
  EXPECT_EQ(code_of([&] { a.owned_account(ctx); }), "404 ACCOUNT_NOT_FOUND")
      << "the fresh check still reads storage";
}

TEST_F(AccountAccessTest, forget_account_drops_the_copy_at_once) {
  auto& a = access();
  std::string id = link(kOwner);
  auto ctx = as(kOwner, id);
  a.owned_account_cached(ctx);
  storage_->remove(id);
  a.forget_account(id);
  EXPECT_EQ(code_of([&] { a.owned_account_cached(ctx); }), "404 ACCOUNT_NOT_FOUND");
}

TEST_F(AccountAccessTest, the_copy_lapses_after_its_ttl) {
  auto& a = access(50ms);
  std::string id = link(kOwner);
  auto ctx = as(kOwner, id);
  a.owned_account_cached(ctx);
  storage_->remove(id);
  std::this_thread::sleep_for(80ms);
  EXPECT_EQ(code_of([&] { a.owned_account_cached(ctx); }), "404 ACCOUNT_NOT_FOUND");
}

TEST_F(AccountAccessTest, the_owner_is_compared_on_every_cached_check) {
  auto& a = access();
  std::string id = link(kOwner);
  auto owner = as(kOwner, id);
  auto other = as(kOther, id);
  a.owned_account_cached(owner);
  EXPECT_EQ(code_of([&] { a.owned_account_cached(other); }), "403 FORBIDDEN");
  EXPECT_EQ(code_of([&] { a.owned_account(other); }), "403 FORBIDDEN");
  auto service = as("", id);
  service.service_on_behalf = true;
  EXPECT_EQ(a.owned_account_cached(service)->user_id, kOwner);
}

TEST_F(AccountAccessTest, a_missing_account_is_not_remembered) {
  auto& a = access();
  std::string id = new_uuid_v4();
  auto ctx = as(kOwner, id);
  EXPECT_EQ(code_of([&] { a.owned_account_cached(ctx); }), "404 ACCOUNT_NOT_FOUND");
  link(kOwner, id);
  EXPECT_EQ(a.owned_account_cached(ctx)->id, id);
}

TEST_F(AccountAccessTest, a_malformed_id_is_refused_before_any_lookup) {
  auto& a = access();
  auto ctx = as(kOwner, "not-a-uuid");
  EXPECT_EQ(code_of([&] { a.owned_account_cached(ctx); }), "400 INVALID_UUID");
  EXPECT_EQ(code_of([&] { a.owned_account(ctx); }), "400 INVALID_UUID");
}

}  // namespace
