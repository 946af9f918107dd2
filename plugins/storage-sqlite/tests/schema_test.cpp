// Opening the file and creating the schema: WAL, foreign keys, idempotent migrations, and
// clear failures for paths that cannot hold a database.
#include "test_support.hpp"

#include "schema.hpp"

#include <fstream>

namespace mt5b::storage_sqlite::testing {
namespace {

TEST(Schema, migrate_creates_every_table_and_records_its_version) {
  TempDir dir;
  sdk::testing::FakeHost host;
  host.set_now_ms(1'762'943'400'000);
  auto store = open_store(host, dir.file("schema.db"));
  store->migrate();

  RawDatabase raw(dir.file("schema.db"));
  for (const char* table :
       {"trading_accounts", "account_integrations", "trades", "deals", "account_transactions",
        "sync_logs", "audit_log", "schema_migrations"}) {
    EXPECT_EQ(1, raw.integer(std::string("SELECT count(*) FROM sqlite_schema WHERE type = "
                                         "'table' AND name = '") +
                             table + "'"))
        << table;
  }
  EXPECT_EQ(latest_schema_version(), raw.integer("SELECT max(version) FROM schema_migrations"));
  EXPECT_EQ("2025-11-12T10:30:00.000Z",
            raw.text("SELECT applied_at FROM schema_migrations WHERE version = 1"));
  EXPECT_TRUE(host.logged("applied schema migration 1"));
  EXPECT_TRUE(host.logged("applied schema migration 2"));
}

TEST(Schema, migrate_twice_is_idempotent_and_keeps_data) {
  TempDir dir;
  sdk::testing::FakeHost host;
  auto store = open_store(host, dir.file("schema.db"));
  store->migrate();
  insert(*store, sample_account("acc-1", "user-1", 1001));
  store->migrate();
  auto reopened = open_store(host, dir.file("schema.db"));
  reopened->migrate();

  RawDatabase raw(dir.file("schema.db"));
  EXPECT_EQ(static_cast<int64_t>(migrations().size()),
            raw.integer("SELECT count(*) FROM schema_migrations"));
  EXPECT_TRUE(find_account(*reopened, "acc-1").has_value());
}

TEST(Schema, file_is_in_wal_mode_and_tables_cascade_from_accounts) {
  TempDir dir;
  sdk::testing::FakeHost host;
  auto store = open_store(host, dir.file("schema.db"));
  store->migrate();

  RawDatabase raw(dir.file("schema.db"));
  EXPECT_EQ("wal", raw.text("PRAGMA journal_mode"));
  // That the plugin's connections enforce them is shown by the delete-cascade test.
  EXPECT_EQ("trading_accounts",
            raw.text("SELECT \"table\" FROM pragma_foreign_key_list('account_integrations')"));
  EXPECT_EQ("CASCADE", raw.text("SELECT on_delete FROM pragma_foreign_key_list('sync_logs')"));
}

TEST(Schema, refuses_a_database_written_by_a_newer_plugin) {
  TempDir dir;
  sdk::testing::FakeHost host;
  auto store = open_store(host, dir.file("schema.db"));
  store->migrate();
  RawDatabase(dir.file("schema.db"))
      .exec("INSERT INTO schema_migrations VALUES (999, '2030-01-01T00:00:00.000Z')");

  std::string message;
  EXPECT_EQ(MT5B_FAILED, status_of([&] { store->migrate(); }, &message));
  EXPECT_NE(std::string::npos, message.find("schema version 999")) << message;
}

TEST(Schema, creates_missing_parent_directories) {
  TempDir dir;
  sdk::testing::FakeHost host;
  const std::string path = dir.file("var/nested/deeper/mt5bridge.db");
  auto store = open_store(host, path);
  store->migrate();
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_TRUE(host.logged(path));
}

TEST(Schema, path_below_a_regular_file_fails_create_as_unavailable) {
  TempDir dir;
  std::ofstream(dir.file("not-a-dir")) << "x";
  sdk::testing::FakeHost host;
  std::string message;
  EXPECT_EQ(MT5B_UNAVAILABLE,
            status_of([&] { open_store(host, dir.file("not-a-dir/mt5bridge.db")); }, &message));
  EXPECT_NE(std::string::npos, message.find("not-a-dir")) << message;
  EXPECT_NE(std::string::npos, message.find("path option")) << message;
}

TEST(Schema, directory_as_path_fails_create_as_unavailable) {
  TempDir dir;
  sdk::testing::FakeHost host;
  std::string message;
  EXPECT_EQ(MT5B_UNAVAILABLE, status_of([&] { open_store(host, dir.path().string()); }, &message));
  EXPECT_NE(std::string::npos, message.find("cannot open the SQLite database")) << message;
}

TEST(Schema, file_that_is_not_a_database_fails_create) {
  TempDir dir;
  std::ofstream(dir.file("notes.txt")) << std::string(4096, 'n');
  sdk::testing::FakeHost host;
  std::string message;
  EXPECT_EQ(MT5B_FAILED, status_of([&] { open_store(host, dir.file("notes.txt")); }, &message));
  EXPECT_NE(std::string::npos, message.find("not a usable SQLite database")) << message;
}

TEST(Schema, refuses_empty_path_and_negative_busy_timeout) {
  sdk::testing::FakeHost host;
  EXPECT_EQ(MT5B_INVALID_ARGUMENT, status_of([&] { open_store(host, ""); }));
  EXPECT_EQ(MT5B_INVALID_ARGUMENT, status_of([&] { open_store(host, ":memory:", -1); }));
}

TEST(Schema, declares_path_and_busy_timeout_options_with_defaults) {
  auto options = SqliteStorage::options();
  ASSERT_EQ(2u, options.size());
  EXPECT_STREQ("path", options[0].name);
  EXPECT_STREQ("\"./var/mt5bridge.db\"", options[0].default_json);
  EXPECT_STREQ("busy_timeout_ms", options[1].name);
  EXPECT_STREQ("5000", options[1].default_json);
}

TEST(Schema, ping_succeeds_on_an_open_database) {
  TempDir dir;
  sdk::testing::FakeHost host;
  auto store = open_store(host, dir.file("schema.db"));
  store->migrate();
  EXPECT_EQ(MT5B_OK, status_of([&] { store->ping(); }));
}

}  // namespace
}  // namespace mt5b::storage_sqlite::testing
