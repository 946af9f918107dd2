// Schema version 2 and migrate_to: up and down steps, and data in version 1 tables that
// survives up -> down -> up.
#include "test_support.hpp"

#include "schema.hpp"

namespace mt5b::storage_sqlite::testing {
namespace {

// Every table's columns and every index, as SQLite reports them.
constexpr const char* kSchemaShapeSql =
    "SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk FROM sqlite_schema m "
    "JOIN pragma_table_info(m.name) p WHERE m.type = 'table' "
    "UNION ALL SELECT name, tbl_name, sql, '', '', '' FROM sqlite_schema WHERE type = 'index' "
    "ORDER BY 1, 2";

class Migrations : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("migrations.db");
    store_ = open_store(host_, path_);
  }
  int64_t migrate_to(int64_t version) { return store_->migrate_to(version); }

  TempDir dir_;
  sdk::testing::FakeHost host_;
  std::string path_;
  std::unique_ptr<SqliteStorage> store_;
};

TEST_F(Migrations, version_2_adds_leases_service_account_deal_counts_and_the_audit_log) {
  EXPECT_EQ(2, migrate_to(-1));
  RawDatabase raw(path_);
  for (const char* column :
       {"mt5_service_account_id", "next_sync_at", "lease_owner", "lease_expires_at"}) {
    EXPECT_EQ(1, raw.integer(std::string("SELECT count(*) FROM pragma_table_info("
                                         "'trading_accounts') WHERE name = '") +
                             column + "'"))
        << column;
  }
  EXPECT_EQ("is_active|next_sync_at",
            raw.rows("SELECT group_concat(name, '|') FROM pragma_index_info("
                     "'idx_trading_accounts_next_sync')")
                .at(0));
  EXPECT_EQ("0", raw.text("SELECT dflt_value FROM pragma_table_info('sync_logs') "
                          "WHERE name = 'deals_synced'"));
  EXPECT_EQ(std::vector<std::string>({"id", "at", "actor", "action", "subject", "details"}),
            raw.rows("SELECT name FROM pragma_table_info('audit_log') ORDER BY cid"));
  EXPECT_EQ(0, raw.integer("SELECT count(*) FROM pragma_foreign_key_list('audit_log')"))
      << "the audit log must outlive the accounts it is about";
}

TEST_F(Migrations, down_from_2_drops_exactly_what_2_added) {
  TempDir other;
  auto only_v1 = open_store(host_, other.file("v1.db"));
  EXPECT_EQ(1, only_v1->migrate_to(1));
  const auto v1_shape = RawDatabase(other.file("v1.db")).rows(kSchemaShapeSql);

  EXPECT_EQ(2, migrate_to(2));
  EXPECT_EQ(1, migrate_to(1));
  EXPECT_EQ(v1_shape, RawDatabase(path_).rows(kSchemaShapeSql));
  EXPECT_TRUE(host_.logged("reverted schema migration 2"));
}

TEST_F(Migrations, v1_to_v2_to_v1_to_v2_keeps_the_data_of_v1_tables) {
  EXPECT_EQ(1, migrate_to(1));
  RawDatabase raw(path_);
  raw.exec(
      "INSERT INTO trading_accounts (id, user_id, login, server, balance, created_at, "
      "updated_at) VALUES ('acc-1', 'user-1', 1001, 'MetaQuotes-Demo', 1234.5, "
      "'2025-11-12T10:30:00.000Z', '2025-11-12T10:30:00.000Z');"
      "INSERT INTO account_integrations (account_id, user_id, key_id, encrypted_password) "
      "VALUES ('acc-1', 'user-1', 'key-1', x'00ff00');"
      "INSERT INTO deals (account_id, ticket, position_id, symbol, type, entry, volume, price, "
      "deal_time) VALUES ('acc-1', 20, 10, 'EURUSD', 0, 0, 0.1, 1.1, "
      "'2025-11-12T10:30:00.000Z');"
      "INSERT INTO sync_logs (id, account_id, sync_type, started_at, status, trades_synced) "
      "VALUES ('log-1', 'acc-1', 'scheduled', '2025-11-12T10:00:00.000Z', 'success', 3);");

  EXPECT_EQ(2, migrate_to(2));
  raw.exec(
      "UPDATE trading_accounts SET next_sync_at = '2025-11-12T11:00:00.000Z';"
      "UPDATE sync_logs SET deals_synced = 7;"
      "INSERT INTO audit_log (actor, action) VALUES ('service:key-1', 'key_rotated');");
  EXPECT_EQ(1, migrate_to(1));
  EXPECT_EQ(2, migrate_to(2));

  auto account = find_account(*store_, "acc-1");
  ASSERT_TRUE(account.has_value());
  EXPECT_EQ(1001, account->login);
  EXPECT_EQ(1234.5, account->balance);
  EXPECT_EQ(0, account->next_sync_at_ms) << "a v2 column comes back empty";
  std::string ciphertext;
  store_->credential_get(
      "acc-1", [&](const mt5b_credential_record& c) { ciphertext = sdk::copy(c.ciphertext); });
  EXPECT_EQ(std::string("\0\xff\0", 3), ciphertext);
  EXPECT_EQ(1, raw.integer("SELECT count(*) FROM deals WHERE ticket = 20"));
  EXPECT_EQ("3|0", raw.rows("SELECT trades_synced, deals_synced FROM sync_logs").at(0));
  EXPECT_EQ(0, raw.integer("SELECT count(*) FROM audit_log"));
  EXPECT_EQ(std::vector<std::string>({"1", "2"}),
            raw.rows("SELECT version FROM schema_migrations ORDER BY version"));
}

TEST_F(Migrations, down_to_zero_leaves_only_schema_migrations) {
  EXPECT_EQ(2, migrate_to(-1));
  EXPECT_EQ(0, migrate_to(0));
  RawDatabase raw(path_);
  EXPECT_EQ(std::vector<std::string>{"schema_migrations"},
            raw.rows("SELECT name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'"));
  EXPECT_EQ(0, raw.integer("SELECT count(*) FROM schema_migrations"));
  EXPECT_EQ(2, migrate_to(-1));
  insert(*store_, sample_account("acc-1", "user-1", 1001));
  EXPECT_TRUE(find_account(*store_, "acc-1").has_value());
}

TEST_F(Migrations, unknown_target_is_invalid_argument_and_changes_nothing) {
  EXPECT_EQ(2, migrate_to(-1));
  std::string message;
  EXPECT_EQ(MT5B_INVALID_ARGUMENT, status_of([&] { migrate_to(3); }, &message));
  EXPECT_NE(std::string::npos, message.find("pass 0 to 2")) << message;
  EXPECT_EQ(MT5B_INVALID_ARGUMENT, status_of([&] { migrate_to(-7); }));
  EXPECT_EQ(2, RawDatabase(path_).integer("SELECT max(version) FROM schema_migrations"));
}

TEST_F(Migrations, a_failing_down_step_rolls_the_whole_move_back) {
  EXPECT_EQ(2, migrate_to(-1));
  RawDatabase raw(path_);
  // A view on a v2 column makes dropping that column fail half-way through the down step.
  raw.exec("CREATE VIEW leased AS SELECT id, lease_owner FROM trading_accounts");
  EXPECT_NE(MT5B_OK, status_of([&] { migrate_to(0); }));
  EXPECT_EQ(2, raw.integer("SELECT max(version) FROM schema_migrations"));
  EXPECT_EQ(1, raw.integer("SELECT count(*) FROM sqlite_schema WHERE name = 'audit_log'"))
      << "the audit log dropped before the failure must be back";
}

}  // namespace
}  // namespace mt5b::storage_sqlite::testing
