// The plugin as the host sees it: the built library loaded with dlopen, driven only through the
// exported entry, the descriptor and the storage vtable.
#include "migrator.hpp"
#include "pg_test_support.hpp"
#include "sync_batch.hpp"

#include <cstring>
#include <memory>

namespace mt5b::storage_postgres::testing {
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
  const mt5b_option* option(const char* name) const {
    for (uint32_t i = 0; i < descriptor_->option_count; ++i) {
      if (std::strcmp(descriptor_->options[i].name, name) == 0) return &descriptor_->options[i];
    }
    return nullptr;
  }

  sdk::testing::FakeHost host_;
  Strings s_;
  sdk::testing::AbiPlugin plugin_{PLUGIN_PATH};
  const mt5b_plugin_list* list_ = nullptr;
  const mt5b_plugin_descriptor* descriptor_ = nullptr;
  const mt5b_storage_vtable* vtable_ = nullptr;
  std::unique_ptr<sdk::testing::AbiInstance> instance_;
};

TEST_F(LoadedPlugin, describes_itself_as_storage_postgres_with_a_secret_required_url) {
  EXPECT_EQ(MT5B_ABI_VERSION_MAJOR, list_->abi_major);
  EXPECT_EQ(MT5B_ABI_VERSION_MINOR, list_->abi_minor);
  EXPECT_EQ(static_cast<uint32_t>(MT5B_KIND_STORAGE), descriptor_->kind);
  EXPECT_STREQ("storage-postgres", descriptor_->name);
  const mt5b_option* url = option("url");
  ASSERT_NE(nullptr, url);
  EXPECT_EQ(MT5B_OPT_REQUIRED | MT5B_OPT_SECRET, url->flags);
  for (const char* name :
       {"pool_size", "statement_timeout_ms", "connect_timeout_s", "schema", "apply_migrations"}) {
    ASSERT_NE(nullptr, option(name)) << name;
    EXPECT_NE(nullptr, option(name)->default_json) << name;
  }
}

TEST_F(LoadedPlugin, provides_every_storage_slot_of_abi_1_1) {
  EXPECT_EQ(sizeof(mt5b_storage_vtable), vtable_->struct_size);
  using V = mt5b_storage_vtable;
  EXPECT_TRUE(sdk::has_slot(vtable_, &V::on_ping));
  EXPECT_TRUE(sdk::has_slot(vtable_, &V::on_lease_due));
  EXPECT_TRUE(sdk::has_slot(vtable_, &V::on_lease_release));
  EXPECT_TRUE(sdk::has_slot(vtable_, &V::on_sync_apply));
  EXPECT_TRUE(sdk::has_slot(vtable_, &V::on_sync_log_put));
  EXPECT_TRUE(sdk::has_slot(vtable_, &V::on_sync_log_get));
  EXPECT_TRUE(sdk::has_slot(vtable_, &V::on_sync_log_list));
  EXPECT_TRUE(sdk::has_slot(vtable_, &V::on_position_list));
  EXPECT_TRUE(sdk::has_slot(vtable_, &V::on_trade_list));
  EXPECT_TRUE(sdk::has_slot(vtable_, &V::on_deal_list));
  EXPECT_TRUE(sdk::has_slot(vtable_, &V::on_transaction_list));
  EXPECT_TRUE(sdk::has_slot(vtable_, &V::on_credential_list));
  EXPECT_TRUE(sdk::has_slot(vtable_, &V::on_credential_update));
  EXPECT_TRUE(sdk::has_slot(vtable_, &V::on_user_delete));
  EXPECT_TRUE(sdk::has_slot(vtable_, &V::on_audit_append));
  EXPECT_TRUE(sdk::has_slot(vtable_, &V::on_migrate_to));
}

TEST_F(LoadedPlugin, a_bad_config_fails_create_with_a_sentence_that_keeps_the_url_secret) {
  EXPECT_EQ(MT5B_INVALID_ARGUMENT,
            create(R"({"url": "postgresql://u:TopSecret@h:5432/d?nonsense=1", "pool_size": 4})"));
  EXPECT_NE(std::string::npos, last_error().find("url")) << last_error();
  EXPECT_EQ(std::string::npos, last_error().find("TopSecret")) << last_error();
}

TEST_F(LoadedPlugin, migrates_and_round_trips_a_sync_through_the_c_abi) {
  Database db("c_abi");
  ASSERT_EQ(MT5B_OK, create(store_config(db.url()))) << last_error();
  ASSERT_EQ(MT5B_OK, vtable_->on_migrate(instance_->handle())) << last_error();
  int64_t version = 0;
  ASSERT_EQ(MT5B_OK, vtable_->on_migrate_to(instance_->handle(), -1, &version)) << last_error();
  EXPECT_EQ(latest_migration_version(), version);
  EXPECT_EQ(MT5B_INVALID_ARGUMENT, vtable_->on_migrate_to(instance_->handle(), 42, &version));

  const std::string id = new_uuid();
  auto account = sdk::make<mt5b_account_record>();
  account.is_active = 1;
  account.id = s_(id);
  account.user_id = s_(new_uuid());
  account.login = 5001;
  account.server = s_("MetaQuotes-Demo");
  auto credential = sdk::make<mt5b_credential_record>();
  credential.key_id = s_("key-1");
  credential.ciphertext = s_("sealed");
  ASSERT_EQ(MT5B_OK, vtable_->on_account_insert(instance_->handle(), &account, &credential))
      << last_error();
  EXPECT_EQ(MT5B_CONFLICT, vtable_->on_account_insert(instance_->handle(), &account, &credential));
  EXPECT_NE(std::string::npos, last_error().find("already exists")) << last_error();

  host_.set_now_ms(kSyncNowMs);
  auto lease = sdk::make<mt5b_lease_request>();
  lease.owner = s_("host-a");
  lease.now_ms = kSyncNowMs;
  lease.lease_ttl_ms = 60'000;
  int leased = 0;
  auto count_account = [](void* ctx, const mt5b_account_record*) { ++*static_cast<int*>(ctx); };
  ASSERT_EQ(MT5B_OK, vtable_->on_lease_due(instance_->handle(), &lease, count_account, &leased));
  EXPECT_EQ(1, leased);

  SyncBatch batch(id, "host-a");
  batch.deal(1, kSyncNowMs);
  batch.trade(2);
  // A caller built against ABI 1.0 sizes: the result struct may be smaller than ours.
  auto result = sdk::make<mt5b_sync_apply_result>();
  ASSERT_EQ(MT5B_OK, vtable_->on_sync_apply(instance_->handle(), &batch.apply(), &result))
      << last_error();
  EXPECT_EQ(1, result.deals_inserted);
  EXPECT_EQ(1, result.trades_inserted);

  auto query = sdk::make<mt5b_record_query>();
  query.account_id = s_(id);
  int deals = 0;
  auto count_deal = [](void* ctx, const mt5b_deal_record* r) {
    if (r->deal != nullptr && r->deal->ticket == 1) ++*static_cast<int*>(ctx);
  };
  ASSERT_EQ(MT5B_OK, vtable_->on_deal_list(instance_->handle(), &query, count_deal, &deals));
  EXPECT_EQ(1, deals);

  auto unknown = sdk::make<mt5b_record_query>();
  EXPECT_EQ(MT5B_INVALID_ARGUMENT,
            vtable_->on_deal_list(instance_->handle(), &unknown, count_deal, &deals));
  EXPECT_NE(std::string::npos, last_error().find("account_id")) << last_error();

  auto audit = sdk::make<mt5b_audit_record>();
  audit.actor = s_("service:key-1");
  audit.action = s_("user_data_deleted");
  int64_t accounts = 0;
  ASSERT_EQ(MT5B_OK,
            vtable_->on_user_delete(instance_->handle(), account.user_id, &audit, &accounts))
      << last_error();
  EXPECT_EQ(1, accounts);
  EXPECT_EQ(MT5B_NOT_FOUND, vtable_->on_account_delete(instance_->handle(), account.id));
  EXPECT_EQ(MT5B_OK, vtable_->on_ping(instance_->handle()));
}

}  // namespace
}  // namespace mt5b::storage_postgres::testing
