// Adopting the trading app's existing Supabase schema (issue 15, item 2): the migrations run on
// a database that already holds the app's trading_accounts and trades with rows
// (tests/pg/app_schema_pre_mt5.sql), keep every row and the app's own columns, add what
// mt5bridge needs, and the down migrations take away only what they added.
#include "migrator.hpp"
#include "pg_test_support.hpp"
#include "record_copies.hpp"
#include "sync_batch.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

namespace mt5b::storage_postgres::testing {
namespace {

const std::string kSwingAccount = "a1111111-1111-4111-8111-111111111111";
const std::string kSwingUser = "11111111-aaaa-4aaa-8aaa-aaaaaaaaaaaa";

std::string app_schema_sql() {
  const auto path = std::filesystem::path(PG_CTL_SCRIPT).parent_path() / "app_schema_pre_mt5.sql";
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class AdoptingTheAppSchema : public ::testing::Test {
 protected:
  AdoptingTheAppSchema() : db_("adopt") { db_.exec(app_schema_sql()); }

  std::unique_ptr<PostgresStorage> store() {
    return std::make_unique<PostgresStorage>(host_.host(), sdk::Config(store_config(db_.url())));
  }
  std::set<std::string> columns(const std::string& table) {
    std::set<std::string> out;
    for (const pqxx::row& row : db_.exec(
             "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
             "AND table_name = '" +
             table + "'"))
      out.insert(row[0].as<std::string>());
    return out;
  }
  // Every row of the app's tables in the app's own columns, as text.
  std::map<std::string, std::string> app_rows() {
    std::map<std::string, std::string> out;
    for (const pqxx::row& row : db_.exec(
             "SELECT id::text, concat_ws('|', user_id, account_name, login, server, broker_name, "
             "metaapi_account_id, currency, leverage, balance, equity, is_active, last_sync_at) "
             "FROM trading_accounts"))
      out[row[0].as<std::string>()] = row[1].as<std::string>();
    for (const pqxx::row& row : db_.exec(
             "SELECT id::text, concat_ws('|', account_id, user_id, ticket, symbol, type, volume, "
             "open_price, close_price, open_time, close_time, profit, status, notes, tags) "
             "FROM trades"))
      out[row[0].as<std::string>()] = row[1].as<std::string>();
    return out;
  }

  Database db_;
  sdk::testing::FakeHost host_;
  Strings s_;
};

TEST_F(AdoptingTheAppSchema, keeps_every_row_and_column_and_adds_what_is_missing) {
  const auto rows_before = app_rows();
  const auto accounts_before = columns("trading_accounts");
  const auto trades_before = columns("trades");
  ASSERT_EQ(rows_before.size(), 5u);
  store()->migrate();
  EXPECT_EQ(app_rows(), rows_before);
  for (const char* added : {"connection_status", "sync_failure_count", "last_successful_sync_at",
                            "broker_server_time_offset", "lease_owner", "next_sync_at"})
    EXPECT_TRUE(columns("trading_accounts").contains(added)) << added;
  for (const char* added : {"position_id", "segment", "net_profit", "close_time_broker"})
    EXPECT_TRUE(columns("trades").contains(added)) << added;
  for (const std::string& own : accounts_before)
    EXPECT_TRUE(columns("trading_accounts").contains(own)) << own;
  for (const std::string& own : trades_before) EXPECT_TRUE(columns("trades").contains(own)) << own;
  // The app's trades were one row per ticket: each is its own position.
  EXPECT_EQ(db_.count("SELECT count(*) FROM trades WHERE position_id = ticket AND segment = 0"), 3);
  EXPECT_EQ(db_.count("SELECT count(*) FROM trading_accounts WHERE connection_status = 'active'"),
            2);
}

TEST_F(AdoptingTheAppSchema, the_store_reads_and_syncs_adopted_accounts) {
  std::unique_ptr<PostgresStorage> s = store();
  s->migrate();
  AccountRow swing = get_account(*s, kSwingAccount);
  EXPECT_EQ(swing.user_id, kSwingUser);
  EXPECT_EQ(swing.login, 5001234);
  EXPECT_DOUBLE_EQ(swing.balance, 10250.50);
  auto query = sdk::make<mt5b_record_query>();
  query.account_id = s_(kSwingAccount);
  // Trade listings hold closed trades: the app's closed EURUSD trade (the XAUUSD one is open).
  ASSERT_EQ(list_trades(*s, query).size(), 1u);
  EXPECT_EQ(list_trades(*s, query)[0].ticket, 900001);
  EXPECT_DOUBLE_EQ(list_trades(*s, query)[0].profit, 250.0);

  host_.set_now_ms(kSyncNowMs);
  lease_for(*s, kSwingAccount, "host-a", kSyncNowMs);
  SyncBatch batch(kSwingAccount, "host-a");
  batch.trade(4242);
  batch.deal(4243, kSyncNowMs);
  batch.log(new_uuid());
  s->sync_apply(batch.apply());
  EXPECT_EQ(list_trades(*s, query).size(), 2u);
  EXPECT_EQ(db_.count("SELECT count(*) FROM trades WHERE notes = 'breakout, held to target'"), 1);
}

TEST_F(AdoptingTheAppSchema, down_migrations_leave_the_apps_columns_and_rows_alone) {
  const auto rows_before = app_rows();
  const auto accounts_before = columns("trading_accounts");
  const auto trades_before = columns("trades");
  std::unique_ptr<PostgresStorage> s = store();
  s->migrate();
  EXPECT_EQ(s->migrate_to(0), 0);
  EXPECT_EQ(columns("trading_accounts"), accounts_before);
  EXPECT_EQ(columns("trades"), trades_before);
  EXPECT_EQ(app_rows(), rows_before);
  EXPECT_EQ(db_.count("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename "
                      "IN ('deals', 'sync_logs', 'account_integrations', 'audit_log', "
                      "'mt5bridge_adopted_columns')"),
            0);
  // The app kept row-level security on its tables.
  EXPECT_EQ(db_.count("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename "
                      "IN ('trading_accounts', 'trades') AND rowsecurity"),
            2);
  // And the way back up adopts them again.
  EXPECT_EQ(s->migrate_to(-1), latest_migration_version());
  EXPECT_EQ(app_rows(), rows_before);
}

TEST_F(AdoptingTheAppSchema, users_keep_editing_the_apps_own_columns_but_not_synced_ones) {
  store()->migrate();
  auto as_swing_user = [&](const std::string& sql) {
    pqxx::connection connection(db_.url());
    pqxx::work txn(connection);
    txn.exec("SET LOCAL ROLE authenticated");
    txn.exec("SELECT set_config('request.jwt.claims', '{\"sub\":\"" + kSwingUser +
             "\",\"role\":\"authenticated\"}', true)");
    pqxx::result result = txn.exec(sql);
    txn.commit();
    return result.affected_rows();
  };
  EXPECT_EQ(as_swing_user("UPDATE trades SET notes = 'revisited' WHERE ticket = 900001"), 1u);
  EXPECT_EQ(as_swing_user("UPDATE trades SET notes = 'not mine' WHERE ticket = 900003"), 0u);
  EXPECT_THROW(as_swing_user("UPDATE trades SET profit = 1e6 WHERE ticket = 900001"),
               pqxx::insufficient_privilege);
  EXPECT_EQ(db_.count("SELECT count(*) FROM trades WHERE notes = 'revisited' AND profit = 250"), 1);
}

TEST_F(AdoptingTheAppSchema, rows_mt5bridge_cannot_use_stop_the_migration_with_a_hint) {
  db_.exec(
      "ALTER TABLE trades ALTER COLUMN symbol DROP NOT NULL; UPDATE trades SET symbol = NULL "
      "WHERE ticket = 900003");
  std::unique_ptr<PostgresStorage> s = store();
  EXPECT_EQ(status_of([&] { s->migrate(); }), MT5B_FAILED);
  EXPECT_EQ(db_.count("SELECT count(*) FROM pg_tables WHERE tablename = 'deals'"), 0)
      << "a failed migration leaves the schema as it was";
  EXPECT_EQ(db_.count("SELECT count(*) FROM trades"), 3);
}

}  // namespace
}  // namespace mt5b::storage_postgres::testing
