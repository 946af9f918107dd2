// Accounts and credentials: what goes in comes out, field for field, and the documented
// errors (CONFLICT, NOT_FOUND, RETRY) surface as the ABI says.
#include "test_support.hpp"

#include <limits>

namespace mt5b::storage_sqlite::testing {
namespace {

class AccountStore : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("accounts.db");
    store_ = open_store(host_, path_);
    store_->migrate();
  }

  TempDir dir_;
  sdk::testing::FakeHost host_;
  std::string path_;
  std::unique_ptr<SqliteStorage> store_;
};

void expect_same_account(const AccountRow& expected, const AccountRow& actual) {
  EXPECT_EQ(expected.id, actual.id);
  EXPECT_EQ(expected.user_id, actual.user_id);
  EXPECT_EQ(expected.login, actual.login);
  EXPECT_EQ(expected.server, actual.server);
  EXPECT_EQ(expected.broker_name, actual.broker_name);
  EXPECT_EQ(expected.broker_instance, actual.broker_instance);
  EXPECT_EQ(expected.is_active, actual.is_active);
  EXPECT_EQ(expected.connection_status, actual.connection_status);
  EXPECT_EQ(expected.last_connection_error, actual.last_connection_error);
  EXPECT_EQ(expected.sync_failure_count, actual.sync_failure_count);
  EXPECT_EQ(expected.broker_server_time_offset_s, actual.broker_server_time_offset_s);
  EXPECT_EQ(expected.currency, actual.currency);
  EXPECT_EQ(expected.leverage, actual.leverage);
  EXPECT_EQ(expected.balance, actual.balance);
  EXPECT_EQ(expected.equity, actual.equity);
  EXPECT_EQ(expected.margin, actual.margin);
  EXPECT_EQ(expected.free_margin, actual.free_margin);
  EXPECT_EQ(expected.margin_level, actual.margin_level);
  EXPECT_EQ(expected.credit, actual.credit);
  EXPECT_EQ(expected.profit, actual.profit);
  EXPECT_EQ(expected.created_at_ms, actual.created_at_ms);
  EXPECT_EQ(expected.updated_at_ms, actual.updated_at_ms);
  EXPECT_EQ(expected.last_sync_at_ms, actual.last_sync_at_ms);
  EXPECT_EQ(expected.last_successful_sync_at_ms, actual.last_successful_sync_at_ms);
}

TEST_F(AccountStore, round_trips_every_field_including_unicode_and_extremes) {
  AccountRow account =
      sample_account("0b7e6f5a-1111-4c2d-9e3f-000000000001", "5f1c2d3e-2222-4a5b-8c7d-000000000001",
                     std::numeric_limits<int64_t>::max());
  account.server = "Брокер-Live 日本 ™";
  account.broker_name = "Ünïcødé Markets 🚀";
  account.broker_instance = "terminal-østfold";
  account.is_active = false;
  account.connection_status = "auth_failed";
  account.last_connection_error = std::string(1 << 20, 'e') + " — last words";
  account.sync_failure_count = std::numeric_limits<int64_t>::max();
  account.broker_server_time_offset_s = -36000;
  account.currency = "€UR";
  account.leverage = std::numeric_limits<int64_t>::min();
  account.balance = 1.7976931348623157e308;
  account.equity = -123456789.123456789;
  account.margin = 5e-324;
  account.free_margin = 0.1 + 0.2;
  account.margin_level = std::numeric_limits<double>::infinity();
  account.credit = -0.0;
  account.profit = 42.4242424242;
  account.created_at_ms = 1'762'943'400'123;
  account.updated_at_ms = 1'762'943'999'999;
  account.last_sync_at_ms = -1;  // 1969-12-31T23:59:59.999Z: before the epoch is still a time
  account.last_successful_sync_at_ms = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z
  insert(*store_, account);

  auto stored = find_account(*store_, account.id);
  ASSERT_TRUE(stored.has_value());
  expect_same_account(account, *stored);
}

TEST_F(AccountStore, empty_optional_fields_come_back_empty_and_status_defaults_to_active) {
  AccountRow account = sample_account("acc-1", "user-1", 1001);
  account.broker_name.clear();
  account.broker_instance.clear();
  account.currency.clear();
  account.connection_status.clear();
  insert(*store_, account);

  auto stored = find_account(*store_, "acc-1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ("", stored->broker_name);
  EXPECT_EQ("", stored->broker_instance);
  EXPECT_EQ("", stored->currency);
  EXPECT_EQ("active", stored->connection_status);
  RawDatabase raw(path_);
  EXPECT_EQ(1, raw.integer("SELECT count(*) FROM trading_accounts WHERE broker_name IS NULL "
                           "AND currency IS NULL AND last_connection_error IS NULL"));
  EXPECT_EQ("mt5", raw.text("SELECT platform FROM trading_accounts"));
}

TEST_F(AccountStore, stores_times_as_iso_utc_text_and_never_as_null) {
  AccountRow account = sample_account("acc-1", "user-1", 1001);
  account.last_sync_at_ms = 1'762'943'400'007;
  insert(*store_, account);

  RawDatabase raw(path_);
  EXPECT_EQ("2025-11-12T10:30:00.000Z", raw.text("SELECT created_at FROM trading_accounts"));
  EXPECT_EQ("2025-11-12T10:30:00.007Z", raw.text("SELECT last_sync_at FROM trading_accounts"));
  EXPECT_EQ(std::nullopt, raw.text("SELECT last_successful_sync_at FROM trading_accounts"));
  EXPECT_EQ("2025-11-12T10:30:00.000Z", raw.text("SELECT created_at FROM account_integrations"));
}

TEST_F(AccountStore, fills_missing_created_and_updated_times_from_the_host_clock) {
  host_.set_now_ms(1'700'000'000'250);
  AccountRow account = sample_account("acc-1", "user-1", 1001);
  account.created_at_ms = 0;
  account.updated_at_ms = 0;
  insert(*store_, account);

  auto stored = find_account(*store_, "acc-1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(1'700'000'000'250, stored->created_at_ms);
  EXPECT_EQ(1'700'000'000'250, stored->updated_at_ms);
}

TEST_F(AccountStore, get_of_unknown_account_is_not_found) {
  std::string message;
  EXPECT_EQ(MT5B_NOT_FOUND, status_of([&] { find_account(*store_, "missing"); }, &message));
  EXPECT_NE(std::string::npos, message.find("missing")) << message;
}

TEST_F(AccountStore, same_login_and_server_twice_for_one_user_conflicts) {
  insert(*store_, sample_account("acc-1", "user-1", 1001));
  std::string message;
  EXPECT_EQ(MT5B_CONFLICT,
            status_of([&] { insert(*store_, sample_account("acc-2", "user-1", 1001)); }, &message));
  EXPECT_NE(std::string::npos, message.find("login 1001")) << message;
  EXPECT_EQ(MT5B_NOT_FOUND, status_of([&] { find_account(*store_, "acc-2"); }));
}

TEST_F(AccountStore, same_login_for_another_user_or_server_is_allowed) {
  insert(*store_, sample_account("acc-1", "user-1", 1001));
  insert(*store_, sample_account("acc-2", "user-2", 1001));
  AccountRow other_server = sample_account("acc-3", "user-1", 1001);
  other_server.server = "MetaQuotes-Live";
  insert(*store_, other_server);
  EXPECT_EQ(3, store_->account_count(sdk::make<mt5b_account_query>()));
}

TEST_F(AccountStore, reused_account_id_conflicts) {
  insert(*store_, sample_account("acc-1", "user-1", 1001));
  std::string message;
  EXPECT_EQ(MT5B_CONFLICT,
            status_of([&] { insert(*store_, sample_account("acc-1", "user-2", 2002)); }, &message));
  EXPECT_NE(std::string::npos, message.find("'acc-1' already exists")) << message;
}

TEST_F(AccountStore, credential_bytes_with_embedded_nul_round_trip) {
  AccountRow account = sample_account("acc-1", "user-1", 1001);
  CredentialRow credential = credential_for(account);
  credential.ciphertext = std::string("\0\0nonce\0\xfe\x80tag\0", 14);
  credential.created_at_ms = 1'762'943'401'000;
  store_->account_insert(account.view(), credential.view());

  CredentialRow stored;
  store_->credential_get("acc-1",
                         [&](const mt5b_credential_record& r) { stored = CredentialRow::from(r); });
  EXPECT_EQ("acc-1", stored.account_id);
  EXPECT_EQ("user-1", stored.user_id);
  EXPECT_EQ("key-2025", stored.key_id);
  EXPECT_EQ(credential.ciphertext, stored.ciphertext);
  EXPECT_EQ(14u, stored.ciphertext.size());
  EXPECT_EQ(1'762'943'401'000, stored.created_at_ms);
}

TEST_F(AccountStore, credential_of_unknown_account_is_not_found) {
  EXPECT_EQ(MT5B_NOT_FOUND,
            status_of([&] { store_->credential_get("missing", [](const auto&) {}); }));
}

TEST_F(AccountStore, refuses_a_credential_that_names_another_account) {
  AccountRow account = sample_account("acc-1", "user-1", 1001);
  CredentialRow credential = credential_for(account);
  credential.account_id = "acc-9";
  EXPECT_EQ(MT5B_INVALID_ARGUMENT,
            status_of([&] { store_->account_insert(account.view(), credential.view()); }));
  EXPECT_EQ(0, store_->account_count(sdk::make<mt5b_account_query>()));
}

TEST_F(AccountStore, refuses_an_account_without_sealed_password) {
  AccountRow account = sample_account("acc-1", "user-1", 1001);
  CredentialRow credential = credential_for(account);
  credential.ciphertext.clear();
  EXPECT_EQ(MT5B_INVALID_ARGUMENT,
            status_of([&] { store_->account_insert(account.view(), credential.view()); }));
}

TEST_F(AccountStore, insert_is_atomic_when_the_credential_cannot_be_written) {
  RawDatabase raw(path_);
  raw.exec(
      "CREATE TRIGGER refuse_credentials BEFORE INSERT ON account_integrations "
      "BEGIN SELECT RAISE(ABORT, 'credential store refused'); END");
  AccountRow account = sample_account("acc-1", "user-1", 1001);
  EXPECT_NE(MT5B_OK, status_of([&] { insert(*store_, account); }));

  EXPECT_EQ(MT5B_NOT_FOUND, status_of([&] { find_account(*store_, "acc-1"); }));
  EXPECT_EQ(0, raw.integer("SELECT count(*) FROM trading_accounts"));
  raw.exec("DROP TRIGGER refuse_credentials");
  insert(*store_, account);  // the failed attempt left nothing behind to conflict with
  EXPECT_TRUE(find_account(*store_, "acc-1").has_value());
}

TEST_F(AccountStore, delete_removes_the_account_and_its_credential) {
  insert(*store_, sample_account("acc-1", "user-1", 1001));
  insert(*store_, sample_account("acc-2", "user-1", 1002));
  store_->account_delete("acc-1");

  EXPECT_EQ(MT5B_NOT_FOUND, status_of([&] { find_account(*store_, "acc-1"); }));
  EXPECT_EQ(MT5B_NOT_FOUND,
            status_of([&] { store_->credential_get("acc-1", [](const auto&) {}); }));
  EXPECT_TRUE(find_account(*store_, "acc-2").has_value());
}

TEST_F(AccountStore, delete_of_unknown_account_is_not_found) {
  std::string message;
  EXPECT_EQ(MT5B_NOT_FOUND, status_of([&] { store_->account_delete("missing"); }, &message));
  EXPECT_NE(std::string::npos, message.find("'missing'")) << message;
}

TEST_F(AccountStore, delete_cascades_to_trades_deals_transactions_and_sync_logs) {
  insert(*store_, sample_account("acc-1", "user-1", 1001));
  insert(*store_, sample_account("acc-2", "user-1", 1002));
  RawDatabase raw(path_);
  for (std::string id : {"acc-1", "acc-2"}) {
    raw.exec(
        "INSERT INTO trades (account_id, ticket, position_id, status, symbol, type, volume) "
        "VALUES ('" +
        id +
        "', 10, 10, 'closed', 'EURUSD', 'buy', 0.1);"
        "INSERT INTO deals (account_id, ticket, position_id, symbol, type, entry, volume, price, "
        "deal_time) VALUES ('" +
        id +
        "', 20, 10, 'EURUSD', 0, 0, 0.1, 1.1, "
        "'2025-11-12T10:30:00.000Z');"
        "INSERT INTO account_transactions (account_id, ticket, deal_type, type, amount, "
        "transaction_time) VALUES ('" +
        id +
        "', 30, 2, 'balance', 1000, "
        "'2025-11-12T10:00:00.000Z');"
        "INSERT INTO sync_logs (account_id, sync_type, started_at, status) VALUES ('" +
        id + "', 'full', '2025-11-12T10:00:00.000Z', 'success');");
  }
  store_->account_delete("acc-1");

  for (const char* table :
       {"trades", "deals", "account_transactions", "sync_logs", "account_integrations"}) {
    EXPECT_EQ(0, raw.integer(std::string("SELECT count(*) FROM ") + table +
                             " WHERE account_id = 'acc-1'"))
        << table;
    EXPECT_EQ(1, raw.integer(std::string("SELECT count(*) FROM ") + table +
                             " WHERE account_id = 'acc-2'"))
        << table;
  }
}

TEST_F(AccountStore, busy_database_fails_with_retry_after_busy_timeout) {
  auto impatient = open_store(host_, path_, /*busy_timeout_ms=*/50);
  RawDatabase other_process(path_);
  other_process.exec("BEGIN IMMEDIATE");
  std::string message;
  EXPECT_EQ(
      MT5B_RETRY,
      status_of([&] { insert(*impatient, sample_account("acc-1", "user-1", 1001)); }, &message));
  EXPECT_NE(std::string::npos, message.find("try again")) << message;
  other_process.exec("ROLLBACK");
  insert(*impatient, sample_account("acc-1", "user-1", 1001));
}

TEST(InMemoryAccountStore, memory_path_keeps_accounts_for_the_instance_lifetime) {
  sdk::testing::FakeHost host;
  auto store = open_store(host, ":memory:");
  store->migrate();
  insert(*store, sample_account("acc-1", "user-1", 1001));
  auto stored = find_account(*store, "acc-1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(1001, stored->login);
}

}  // namespace
}  // namespace mt5b::storage_sqlite::testing
