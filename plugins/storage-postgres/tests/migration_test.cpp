// The embedded migrations: up, down, up again with the data intact; one migrator at a time.
#include "migrations.hpp"
#include "migrator.hpp"
#include "pg_test_support.hpp"
#include "record_copies.hpp"
#include "sync_batch.hpp"

#include <set>
#include <thread>

namespace mt5b::storage_postgres::testing {
namespace {

// Each test migrates a database of its own from scratch.
class Migrations : public ::testing::Test {
 protected:
  std::unique_ptr<PostgresStorage> store_on(const Database& db, const std::string& extra = "") {
    return std::make_unique<PostgresStorage>(host_.host(),
                                             sdk::Config(store_config(db.url(), extra)));
  }
  static std::set<std::string> columns(const Database& db, const std::string& table) {
    std::set<std::string> out;
    for (const pqxx::row& row :
         db.exec("SELECT column_name FROM information_schema.columns WHERE table_schema = "
                 "'public' AND table_name = '" +
                 table + "'")) {
      out.insert(row[0].as<std::string>());
    }
    return out;
  }
  static std::vector<int64_t> versions(const Database& db, const std::string& schema = "public") {
    std::vector<int64_t> out;
    for (const pqxx::row& row :
         db.exec("SELECT version FROM " + schema + ".schema_migrations ORDER BY version")) {
      out.push_back(row[0].as<int64_t>());
    }
    return out;
  }

  sdk::testing::FakeHost host_;
  Strings s_;
};

TEST(EmbeddedMigrations, are_numbered_from_one_and_each_has_an_up_and_a_down) {
  std::span<const EmbeddedMigration> all = embedded_migrations();
  ASSERT_EQ(all.size(), 5u);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].version, static_cast<int64_t>(i + 1));
    EXPECT_NE(std::string(all[i].up_sql).find_first_not_of(" \n"), std::string::npos);
    EXPECT_NE(std::string(all[i].down_sql).find_first_not_of(" \n"), std::string::npos);
  }
  EXPECT_STREQ(all[2].name, "row_level_security");
  EXPECT_STREQ(all[3].name, "lease_order_index");
  EXPECT_STREQ(all[4].name, "api_role_privileges");
  EXPECT_EQ(latest_migration_version(), 5);
}

TEST_F(Migrations, an_empty_database_is_migrated_to_the_latest_version_at_start) {
  Database db("fresh");
  store_on(db)->migrate();
  EXPECT_EQ(versions(db), (std::vector<int64_t>{1, 2, 3, 4, 5}));
  for (const char* table : {"trading_accounts", "account_integrations", "trades", "deals",
                            "account_transactions", "sync_logs", "audit_log"}) {
    EXPECT_EQ(db.count(std::string("SELECT count(*) FROM pg_tables WHERE tablename = '") + table +
                       "' AND rowsecurity"),
              1)
        << table << " lacks row-level security";
  }
  for (const char* index : {"idx_trading_accounts_sync_status", "idx_sync_logs_account",
                            "idx_trading_accounts_next_sync"}) {
    EXPECT_EQ(
        db.count(std::string("SELECT count(*) FROM pg_indexes WHERE indexname = '") + index + "'"),
        1)
        << index;
  }
  EXPECT_TRUE(host_.logged("applied schema migration 3 (row_level_security)"));
  store_on(db)->migrate();  // idempotent
  EXPECT_EQ(versions(db), (std::vector<int64_t>{1, 2, 3, 4, 5}));
}

TEST_F(Migrations, data_survives_up_down_up) {
  Database db("round_trip");
  std::unique_ptr<PostgresStorage> store = store_on(db);
  store->migrate();
  host_.set_now_ms(kSyncNowMs);
  const std::string user = new_uuid();
  const std::string account = new_uuid();
  auto record = sdk::make<mt5b_account_record>();
  record.is_active = 1;
  record.id = s_(account);
  record.user_id = s_(user);
  record.login = 12345;
  record.server = s_("Demo");
  record.balance = 777.25;
  auto credential = sdk::make<mt5b_credential_record>();
  credential.key_id = s_("key-1");
  credential.ciphertext = s_("sealed");
  store->account_insert(record, credential);
  lease_for(*store, account, "host-a", kSyncNowMs);
  SyncBatch batch(account, "host-a");
  batch.snapshot_valid = 0;  // the balance stays as inserted
  batch.trade(1);
  batch.deal(2, kSyncNowMs);
  batch.transaction(3, "deposit", 5, kSyncNowMs);
  batch.log(new_uuid());
  store->sync_apply(batch.apply());

  EXPECT_EQ(store->migrate_to(1), 1);
  EXPECT_EQ(versions(db), (std::vector<int64_t>{1}));
  EXPECT_EQ(db.count("SELECT count(*) FROM trading_accounts WHERE balance = 777.25"), 1);
  EXPECT_EQ(db.count("SELECT count(*) FROM deals") + db.count("SELECT count(*) FROM trades") +
                db.count("SELECT count(*) FROM account_transactions") +
                db.count("SELECT count(*) FROM sync_logs") +
                db.count("SELECT count(*) FROM account_integrations"),
            5);

  EXPECT_EQ(store->migrate_to(-1), latest_migration_version());
  AccountRow read = get_account(*store, account);
  EXPECT_EQ(read.balance, 777.25);
  EXPECT_EQ(read.next_sync_at_ms, 0);  // a version 2 column: down dropped it, up made it anew
  auto query = sdk::make<mt5b_record_query>();
  query.account_id = s_(account);
  EXPECT_EQ(list_trades(*store, query).size(), 1u);
  EXPECT_EQ(list_deals(*store, query).size(), 1u);
  EXPECT_EQ(list_sync_logs(*store, query).size(), 1u);
}

TEST_F(Migrations, the_down_step_of_version_2_removes_exactly_what_it_added) {
  Database db("down_two");
  std::unique_ptr<PostgresStorage> store = store_on(db);
  store->migrate_to(1);
  const std::set<std::string> accounts_v1 = columns(db, "trading_accounts");
  const std::set<std::string> logs_v1 = columns(db, "sync_logs");
  store->migrate_to(2);
  EXPECT_TRUE(columns(db, "trading_accounts").contains("lease_owner"));
  EXPECT_TRUE(columns(db, "sync_logs").contains("deals_synced"));
  store->migrate_to(1);
  EXPECT_EQ(columns(db, "trading_accounts"), accounts_v1);
  EXPECT_EQ(columns(db, "sync_logs"), logs_v1);
  EXPECT_TRUE(columns(db, "audit_log").empty());
  EXPECT_EQ(
      db.count(
          "SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_trading_accounts_next_sync'"),
      0);
}

TEST_F(Migrations, the_down_step_of_version_3_removes_policies_and_keeps_tables_locked) {
  Database db("down_three");
  std::unique_ptr<PostgresStorage> store = store_on(db);
  store->migrate();
  EXPECT_GT(db.count("SELECT count(*) FROM pg_policies WHERE schemaname = 'public'"), 0);
  store->migrate_to(2);
  EXPECT_EQ(db.count("SELECT count(*) FROM pg_policies WHERE schemaname = 'public'"), 0);
  // Row-level security stays on (versions 1 and 2 switch it on) and the API roles hold no
  // grant, so no table is readable through a missing policy.
  EXPECT_EQ(db.count("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND NOT "
                     "rowsecurity"),
            0);
  EXPECT_EQ(db.count("SELECT count(*) FROM information_schema.role_table_grants WHERE "
                     "table_schema = 'public' AND grantee IN ('anon', 'authenticated')"),
            0);
  EXPECT_EQ(store->migrate_to(0), 0);
  EXPECT_EQ(db.count("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename "
                     "<> 'schema_migrations'"),
            0);
}

TEST_F(Migrations, unknown_target_versions_are_refused) {
  Database db("unknown_target");
  std::unique_ptr<PostgresStorage> store = store_on(db);
  EXPECT_EQ(status_of([&] { store->migrate_to(6); }), MT5B_INVALID_ARGUMENT);
  EXPECT_EQ(status_of([&] { store->migrate_to(-3); }), MT5B_INVALID_ARGUMENT);
}

TEST_F(Migrations, minus_two_reports_the_current_version_and_changes_nothing) {
  Database db("report_version");
  std::unique_ptr<PostgresStorage> store = store_on(db);
  store->migrate_to(2);
  EXPECT_EQ(store->migrate_to(-2), 2);
  EXPECT_EQ(versions(db), (std::vector<int64_t>{1, 2}));
}

TEST_F(Migrations, two_hosts_starting_at_once_apply_each_version_once) {
  Database db("concurrent");
  std::unique_ptr<PostgresStorage> first = store_on(db);
  std::unique_ptr<PostgresStorage> second = store_on(db);
  mt5b_status first_status = MT5B_FAILED, second_status = MT5B_FAILED;
  std::thread a([&] { first_status = status_of([&] { first->migrate(); }); });
  std::thread b([&] { second_status = status_of([&] { second->migrate(); }); });
  a.join();
  b.join();
  EXPECT_EQ(first_status, MT5B_OK);
  EXPECT_EQ(second_status, MT5B_OK);
  EXPECT_EQ(versions(db), (std::vector<int64_t>{1, 2, 3, 4, 5}));
  // Both work on the migrated schema.
  EXPECT_EQ(first->account_count(sdk::make<mt5b_account_query>()), 0);
  EXPECT_EQ(second->account_count(sdk::make<mt5b_account_query>()), 0);
}

TEST_F(Migrations, without_apply_migrations_an_old_schema_stops_the_start) {
  Database db("no_apply");
  std::unique_ptr<PostgresStorage> store = store_on(db, "\"apply_migrations\": false");
  EXPECT_EQ(status_of([&] { store->migrate(); }), MT5B_FAILED);
  EXPECT_EQ(db.count("SELECT count(*) FROM pg_tables WHERE tablename = 'trading_accounts'"), 0);
  store->migrate_to(-1);  // what `mt5bridge migrate` does
  EXPECT_EQ(status_of([&] { store->migrate(); }), MT5B_OK);
}

TEST_F(Migrations, a_database_newer_than_the_plugin_is_refused) {
  Database db("newer");
  std::unique_ptr<PostgresStorage> store = store_on(db);
  store->migrate();
  db.exec("INSERT INTO schema_migrations (version) VALUES (99)");
  try {
    store->migrate();
    FAIL() << "migrated a database from the future";
  } catch (const sdk::Error& error) {
    EXPECT_EQ(error.status(), MT5B_FAILED);
    EXPECT_NE(std::string(error.what()).find("version 99"), std::string::npos);
  }
}

TEST_F(Migrations, another_tools_schema_migrations_table_is_not_taken_over) {
  Database db("foreign_table");
  db.exec("CREATE TABLE schema_migrations (version bigint NOT NULL, dirty boolean NOT NULL)");
  EXPECT_EQ(status_of([&] { store_on(db)->migrate(); }), MT5B_FAILED);
}

TEST_F(Migrations, a_configured_schema_is_created_and_holds_every_table) {
  Database db("own_schema");
  std::unique_ptr<PostgresStorage> store = store_on(db, "\"schema\": \"Mt5 Bridge\"");
  store->migrate();
  EXPECT_EQ(versions(db, "\"Mt5 Bridge\""), (std::vector<int64_t>{1, 2, 3, 4, 5}));
  // Seven tables, schema_migrations and mt5bridge_adopted_columns.
  EXPECT_EQ(db.count("SELECT count(*) FROM pg_tables WHERE schemaname = 'Mt5 Bridge'"), 9);
  EXPECT_EQ(db.count("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), 0);
  EXPECT_EQ(store->account_count(sdk::make<mt5b_account_query>()), 0);
}

TEST_F(Migrations, a_plain_postgresql_without_the_supabase_auth_schema_migrates_too) {
  Database db("no_auth_shim", /*with_auth_shim=*/false);
  std::unique_ptr<PostgresStorage> store = store_on(db);
  EXPECT_EQ(status_of([&] { store->migrate(); }), MT5B_OK);
  EXPECT_EQ(versions(db), (std::vector<int64_t>{1, 2, 3, 4, 5}));
  // Every table, schema_migrations and mt5bridge_adopted_columns included.
  EXPECT_EQ(db.count("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND NOT "
                     "rowsecurity"),
            0);
  EXPECT_EQ(db.count("SELECT count(*) FROM pg_policies"), 0);
  EXPECT_TRUE(host_.logged("row-level security is on without user policies"));
  EXPECT_EQ(store->migrate_to(0), 0);
}

}  // namespace
}  // namespace mt5b::storage_postgres::testing
