// The plugin as the host sees it: the built library loaded with dlopen, driven only through
// the exported entry, the descriptor and the storage vtable.
#include "test_support.hpp"

#include <fstream>
#include <memory>

namespace mt5b::storage_sqlite::testing {
namespace {

class LoadedPlugin : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(plugin_.ok()) << plugin_.problem();
    list_ = &plugin_.list();
    descriptor_ = &plugin_.descriptor();
    vtable_ = &plugin_.vtable<mt5b_storage_vtable>();
  }

  mt5b_status create(const std::string& config) {
    instance_ = std::make_unique<sdk::testing::AbiInstance>(plugin_, host_, config, "main");
    return instance_->create_status();
  }
  std::string last_error() const { return instance_->last_error(); }

  TempDir dir_;
  sdk::testing::FakeHost host_;
  sdk::testing::AbiPlugin plugin_{PLUGIN_PATH};
  const mt5b_plugin_list* list_ = nullptr;
  const mt5b_plugin_descriptor* descriptor_ = nullptr;
  const mt5b_storage_vtable* vtable_ = nullptr;
  std::unique_ptr<sdk::testing::AbiInstance> instance_;
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
  ASSERT_EQ(MT5B_OK, vtable_->on_migrate(instance_->handle())) << last_error();

  AccountRow account = sample_account("acc-1", "user-1", 5001);
  CredentialRow credential = credential_for(account);
  mt5b_account_record account_record = account.view();
  mt5b_credential_record credential_record = credential.view();
  ASSERT_EQ(MT5B_OK,
            vtable_->on_account_insert(instance_->handle(), &account_record, &credential_record))
      << last_error();
  EXPECT_EQ(MT5B_CONFLICT,
            vtable_->on_account_insert(instance_->handle(), &account_record, &credential_record));
  EXPECT_NE(std::string::npos, last_error().find("already")) << last_error();

  std::optional<AccountRow> got;
  auto capture = [](void* ctx, const mt5b_account_record* r) {
    *static_cast<std::optional<AccountRow>*>(ctx) = AccountRow::from(*r);
  };
  ASSERT_EQ(MT5B_OK,
            vtable_->on_account_get(instance_->handle(), sdk::str("acc-1"), capture, &got));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(5001, got->login);
  EXPECT_EQ("MetaQuotes-Demo", got->server);

  int64_t count = -1;
  auto query = sdk::make<mt5b_account_query>();
  ASSERT_EQ(MT5B_OK, vtable_->on_account_count(instance_->handle(), &query, &count));
  EXPECT_EQ(1, count);

  std::string ciphertext;
  auto capture_credential = [](void* ctx, const mt5b_credential_record* c) {
    *static_cast<std::string*>(ctx) = sdk::copy(c->ciphertext);
  };
  ASSERT_EQ(MT5B_OK, vtable_->on_credential_get(instance_->handle(), sdk::str("acc-1"),
                                                capture_credential, &ciphertext));
  EXPECT_EQ(credential.ciphertext, ciphertext);

  ASSERT_EQ(MT5B_OK, vtable_->on_account_delete(instance_->handle(), sdk::str("acc-1")));
  EXPECT_EQ(MT5B_NOT_FOUND,
            vtable_->on_account_get(instance_->handle(), sdk::str("acc-1"), capture, &got));
  EXPECT_EQ("no account with id 'acc-1' exists; list the accounts to find the right id",
            last_error());
  EXPECT_EQ(MT5B_NOT_FOUND, vtable_->on_account_delete(instance_->handle(), sdk::str("acc-1")));
  EXPECT_NE(std::string::npos, last_error().find("nothing was deleted")) << last_error();
  EXPECT_EQ(MT5B_OK, vtable_->on_ping(instance_->handle()));
}

TEST_F(LoadedPlugin, unopenable_path_fails_create_with_a_readable_reason) {
  std::ofstream(dir_.file("plain-file")) << "x";
  EXPECT_EQ(MT5B_UNAVAILABLE, create(config_json(dir_.file("plain-file/db.sqlite"))));
  ASSERT_NE(nullptr, instance_->handle()) << "the host needs a handle to read the reason";
  EXPECT_NE(std::string::npos, last_error().find("cannot create the directory")) << last_error();
}

}  // namespace
}  // namespace mt5b::storage_sqlite::testing
