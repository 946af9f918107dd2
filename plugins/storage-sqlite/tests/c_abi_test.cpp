// The plugin as the host sees it: the built library loaded with dlopen, driven only through
// the exported entry, the descriptor and the storage vtable.
#include "test_support.hpp"

#include <dlfcn.h>

#include <fstream>

namespace mt5b::storage_sqlite::testing {
namespace {

class LoadedPlugin : public ::testing::Test {
 protected:
  void SetUp() override {
    library_ = dlopen(PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(nullptr, library_) << dlerror();
    auto entry = reinterpret_cast<mt5b_plugin_entry_fn>(dlsym(library_, MT5B_PLUGIN_ENTRY_SYMBOL));
    ASSERT_NE(nullptr, entry) << "the library must export " MT5B_PLUGIN_ENTRY_SYMBOL;
    list_ = entry();
    ASSERT_NE(nullptr, list_);
    ASSERT_EQ(1u, list_->count);
    descriptor_ = list_->plugins[0];
    vtable_ = static_cast<const mt5b_storage_vtable*>(descriptor_->kind_vtable);
  }
  void TearDown() override {
    if (instance_ != nullptr) descriptor_->on_destroy(instance_);
    if (library_ != nullptr) dlclose(library_);
  }

  mt5b_status create(const std::string& config) {
    return descriptor_->on_create(host_.api(), sdk::str("main"), sdk::str(config), &instance_);
  }
  std::string last_error() const { return sdk::copy(descriptor_->on_last_error(instance_)); }

  TempDir dir_;
  sdk::testing::FakeHost host_;
  void* library_ = nullptr;
  const mt5b_plugin_list* list_ = nullptr;
  const mt5b_plugin_descriptor* descriptor_ = nullptr;
  const mt5b_storage_vtable* vtable_ = nullptr;
  mt5b_instance* instance_ = nullptr;
};

TEST_F(LoadedPlugin, describes_itself_as_the_storage_sqlite_plugin) {
  EXPECT_EQ(MT5B_ABI_VERSION_MAJOR, list_->abi_major);
  EXPECT_EQ(MT5B_ABI_VERSION_MINOR, list_->abi_minor);
  EXPECT_EQ(static_cast<uint32_t>(MT5B_KIND_STORAGE), descriptor_->kind);
  EXPECT_STREQ("storage-sqlite", descriptor_->name);
  EXPECT_EQ(2u, descriptor_->option_count);
  EXPECT_EQ(sizeof(mt5b_storage_vtable), vtable_->struct_size);
  EXPECT_TRUE(sdk::has_slot(vtable_, &mt5b_storage_vtable::on_ping));
}

TEST_F(LoadedPlugin, round_trips_an_account_and_reports_not_found_in_words) {
  ASSERT_EQ(MT5B_OK, create(config_json(dir_.file("abi.db")))) << last_error();
  ASSERT_EQ(MT5B_OK, vtable_->on_migrate(instance_)) << last_error();

  AccountRow account = sample_account("acc-1", "user-1", 5001);
  CredentialRow credential = credential_for(account);
  mt5b_account_record account_record = account.view();
  mt5b_credential_record credential_record = credential.view();
  ASSERT_EQ(MT5B_OK, vtable_->on_account_insert(instance_, &account_record, &credential_record))
      << last_error();
  EXPECT_EQ(MT5B_CONFLICT,
            vtable_->on_account_insert(instance_, &account_record, &credential_record));
  EXPECT_NE(std::string::npos, last_error().find("already")) << last_error();

  std::optional<AccountRow> got;
  auto capture = [](void* ctx, const mt5b_account_record* r) {
    *static_cast<std::optional<AccountRow>*>(ctx) = AccountRow::from(*r);
  };
  ASSERT_EQ(MT5B_OK, vtable_->on_account_get(instance_, sdk::str("acc-1"), capture, &got));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(5001, got->login);
  EXPECT_EQ("MetaQuotes-Demo", got->server);

  int64_t count = -1;
  auto query = sdk::make<mt5b_account_query>();
  ASSERT_EQ(MT5B_OK, vtable_->on_account_count(instance_, &query, &count));
  EXPECT_EQ(1, count);

  std::string ciphertext;
  auto capture_credential = [](void* ctx, const mt5b_credential_record* c) {
    *static_cast<std::string*>(ctx) = sdk::copy(c->ciphertext);
  };
  ASSERT_EQ(MT5B_OK, vtable_->on_credential_get(instance_, sdk::str("acc-1"), capture_credential,
                                                &ciphertext));
  EXPECT_EQ(credential.ciphertext, ciphertext);

  ASSERT_EQ(MT5B_OK, vtable_->on_account_delete(instance_, sdk::str("acc-1")));
  EXPECT_EQ(MT5B_NOT_FOUND, vtable_->on_account_get(instance_, sdk::str("acc-1"), capture, &got));
  EXPECT_EQ("no account with id 'acc-1' exists; list the accounts to find the right id",
            last_error());
  EXPECT_EQ(MT5B_NOT_FOUND, vtable_->on_account_delete(instance_, sdk::str("acc-1")));
  EXPECT_NE(std::string::npos, last_error().find("nothing was deleted")) << last_error();
  EXPECT_EQ(MT5B_OK, vtable_->on_ping(instance_));
}

TEST_F(LoadedPlugin, unopenable_path_fails_create_with_a_readable_reason) {
  std::ofstream(dir_.file("plain-file")) << "x";
  EXPECT_EQ(MT5B_UNAVAILABLE, create(config_json(dir_.file("plain-file/db.sqlite"))));
  ASSERT_NE(nullptr, instance_) << "the host needs a handle to read the reason";
  EXPECT_NE(std::string::npos, last_error().find("cannot create the directory")) << last_error();
}

}  // namespace
}  // namespace mt5b::storage_sqlite::testing
