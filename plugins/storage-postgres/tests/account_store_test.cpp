// Accounts and credentials through the plugin: insert, read, list, count, delete, rotate.
#include "pg_test_support.hpp"
#include "record_copies.hpp"

#include <string>
#include <vector>

namespace mt5b::storage_postgres::testing {
namespace {

class AccountStore : public PostgresTest {};

TEST_F(AccountStore, inserts_an_account_with_its_credential_and_reads_both_back) {
  const std::string id = new_uuid();
  const std::string user = new_uuid();
  mt5b_account_record account = account_record(id, user, 51'234'567);
  account.last_sync_at_ms = 1'762'934'400'123;
  account.last_successful_sync_at_ms = 1'762'934'300'456;
  account.next_sync_at_ms = 1'762'934'700'789;
  account.sync_failure_count = 2;
  account.last_connection_error = s_("timeout talking to the terminal");
  store().account_insert(account, credential_record(id, user));

  AccountRow read = get_account(store(), id);
  EXPECT_EQ(read.id, id);
  EXPECT_EQ(read.user_id, user);
  EXPECT_EQ(read.login, 51'234'567);
  EXPECT_EQ(read.server, "ICMarketsSC-Demo");
  EXPECT_EQ(read.broker_name, "IC Markets");
  EXPECT_EQ(read.broker_instance, "mock-1");
  EXPECT_TRUE(read.is_active);
  EXPECT_EQ(read.connection_status, "active");
  EXPECT_EQ(read.last_connection_error, "timeout talking to the terminal");
  EXPECT_EQ(read.sync_failure_count, 2);
  EXPECT_EQ(read.broker_server_time_offset_s, 7200);
  EXPECT_EQ(read.currency, "USD");
  EXPECT_EQ(read.leverage, 500);
  EXPECT_EQ(read.balance, 10'000.5);
  EXPECT_EQ(read.margin_level, 5050.125);
  EXPECT_EQ(read.profit, 99.75);
  EXPECT_EQ(read.created_at_ms, account.created_at_ms);
  EXPECT_EQ(read.updated_at_ms, host_.api()->callback_now_unix_ms(host_.api()->host_ctx));
  EXPECT_EQ(read.last_sync_at_ms, 1'762'934'400'123);
  EXPECT_EQ(read.last_successful_sync_at_ms, 1'762'934'300'456);
  EXPECT_EQ(read.next_sync_at_ms, 1'762'934'700'789);

  CredentialRow credential;
  store().credential_get(
      id, [&](const mt5b_credential_record& r) { credential = CredentialRow::from(r); });
  EXPECT_EQ(credential.account_id, id);
  EXPECT_EQ(credential.user_id, user);
  EXPECT_EQ(credential.key_id, "key-1");
  EXPECT_EQ(credential.ciphertext, std::string("\x01\x00sealed\xff", 9));  // bytes, NUL kept
  EXPECT_EQ(credential.created_at_ms, account.created_at_ms);
}

TEST_F(AccountStore, next_sync_at_zero_is_stored_as_null_and_reads_back_as_zero) {
  const std::string id = insert_account();
  EXPECT_EQ(db().count("SELECT count(*) FROM trading_accounts WHERE id = '" + id +
                       "' AND next_sync_at IS NULL AND last_sync_at IS NULL"),
            1);
  EXPECT_EQ(get_account(store(), id).next_sync_at_ms, 0);
}

TEST_F(AccountStore, a_users_second_account_with_the_same_login_and_server_is_a_conflict) {
  const std::string user = new_uuid();
  insert_account(user, 7'000'001);
  const std::string second = new_uuid();
  try {
    store().account_insert(account_record(second, user, 7'000'001),
                           credential_record(second, user));
    FAIL() << "inserted a duplicate account";
  } catch (const sdk::Error& error) {
    EXPECT_EQ(error.status(), MT5B_CONFLICT);
    EXPECT_NE(std::string(error.what()).find("already has an account with login 7000001"),
              std::string::npos);
  }
  // Both or neither: the second account's credential was not written either.
  EXPECT_EQ(
      db().count("SELECT count(*) FROM account_integrations WHERE account_id = '" + second + "'"),
      0);
  // Another user may have the same login on the same server.
  insert_account(new_uuid(), 7'000'001);
}

TEST_F(AccountStore, an_existing_id_is_a_conflict) {
  const std::string id = insert_account();
  const std::string user = new_uuid();
  EXPECT_EQ(status_of([&] {
              store().account_insert(account_record(id, user, 1), credential_record(id, user));
            }),
            MT5B_CONFLICT);
}

TEST_F(AccountStore, ids_that_are_not_uuids_are_refused_or_not_found) {
  const std::string user = new_uuid();
  EXPECT_EQ(status_of([&] {
              store().account_insert(account_record("acc-1", user, 1),
                                     credential_record("acc-1", user));
            }),
            MT5B_INVALID_ARGUMENT);
  EXPECT_EQ(status_of([&] { get_account(store(), "acc-1"); }), MT5B_NOT_FOUND);
  EXPECT_EQ(status_of([&] { store().account_delete("acc-1"); }), MT5B_NOT_FOUND);
  auto query = sdk::make<mt5b_account_query>();
  query.user_id = s_("user-a");
  EXPECT_TRUE(list_accounts(store(), query).empty());
  EXPECT_EQ(store().account_count(query), 0);
}

TEST_F(AccountStore, lists_a_users_accounts_by_creation_time_with_paging) {
  const std::string user = new_uuid();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    host_.advance_ms(1000);
    ids.push_back(insert_account(user));
  }
  insert_account();  // someone else's
  auto query = sdk::make<mt5b_account_query>();
  query.user_id = s_(user);
  std::vector<AccountRow> all = list_accounts(store(), query);
  ASSERT_EQ(all.size(), 5u);
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(all[i].id, ids[i]);

  query.limit = 2;
  query.offset = 3;
  std::vector<AccountRow> page = list_accounts(store(), query);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].id, ids[3]);
  EXPECT_EQ(page[1].id, ids[4]);

  query.limit = -1;
  EXPECT_EQ(status_of([&] { list_accounts(store(), query); }), MT5B_INVALID_ARGUMENT);
}

TEST_F(AccountStore, counts_all_a_users_and_only_active_accounts) {
  const std::string user = new_uuid();
  insert_account(user);
  const std::string inactive = new_uuid();
  mt5b_account_record account = account_record(inactive, user, 42);
  account.is_active = 0;
  store().account_insert(account, credential_record(inactive, user));
  auto query = sdk::make<mt5b_account_query>();
  query.user_id = s_(user);
  EXPECT_EQ(store().account_count(query), 2);
  query.active_only = 1;
  EXPECT_EQ(store().account_count(query), 1);
  ASSERT_EQ(list_accounts(store(), query).size(), 1u);
  EXPECT_FALSE(get_account(store(), inactive).is_active);
  EXPECT_GE(store().account_count(sdk::make<mt5b_account_query>()), 2);
}

TEST_F(AccountStore, deleting_an_account_removes_its_credential_and_reading_it_is_not_found) {
  const std::string id = insert_account();
  store().account_delete(id);
  EXPECT_EQ(status_of([&] { get_account(store(), id); }), MT5B_NOT_FOUND);
  EXPECT_EQ(status_of([&] { store().credential_get(id, [](const auto&) {}); }), MT5B_NOT_FOUND);
  EXPECT_EQ(status_of([&] { store().account_delete(id); }), MT5B_NOT_FOUND);
}

TEST_F(AccountStore, key_rotation_lists_every_credential_and_replaces_it_from_inside_emit) {
  // One connection: replacing a credential while the list emits must not wait for the listing.
  std::unique_ptr<PostgresStorage> single = make_store("\"pool_size\": 1");
  const std::string first = insert_account();
  const std::string second = insert_account();
  int replaced = 0;
  single->credential_list([&](const mt5b_credential_record& r) {
    auto updated = sdk::make<mt5b_credential_record>();
    updated.account_id = r.account_id;
    updated.key_id = sdk::str("key-2");
    updated.ciphertext = sdk::str("resealed");
    single->credential_update(updated);
    ++replaced;
  });
  EXPECT_GE(replaced, 2);
  for (const CredentialRow& c : list_credentials(store())) {
    if (c.account_id != first && c.account_id != second) continue;
    EXPECT_EQ(c.key_id, "key-2");
    EXPECT_EQ(c.ciphertext, "resealed");
  }
}

TEST_F(AccountStore, replacing_the_credential_of_an_unknown_account_is_not_found) {
  auto updated = sdk::make<mt5b_credential_record>();
  updated.account_id = s_(new_uuid());
  updated.key_id = s_("key-2");
  updated.ciphertext = s_("x");
  EXPECT_EQ(status_of([&] { store().credential_update(updated); }), MT5B_NOT_FOUND);
}

TEST_F(AccountStore, money_extremes_and_unicode_text_round_trip_exactly) {
  const std::string id = new_uuid();
  const std::string user = new_uuid();
  mt5b_account_record account = account_record(id, user, 9);
  account.server = s_("Сервер-Demo 🚀 \"quoted\" 'single' \\ back");
  account.broker_name = s_(std::string(10'000, 'x'));
  account.balance = 0.1;
  account.equity = 1e-300;
  account.margin = 1.7976931348623157e308;
  account.free_margin = -0.0000001234567890123;
  account.credit = 123456789.123456789;
  store().account_insert(account, credential_record(id, user));
  AccountRow read = get_account(store(), id);
  EXPECT_EQ(read.server, "Сервер-Demo 🚀 \"quoted\" 'single' \\ back");
  EXPECT_EQ(read.broker_name.size(), 10'000u);
  EXPECT_EQ(read.balance, 0.1);
  EXPECT_EQ(read.equity, 1e-300);
  EXPECT_EQ(read.margin, 1.7976931348623157e308);
  EXPECT_EQ(read.free_margin, -0.0000001234567890123);
  EXPECT_EQ(read.credit, 123456789.123456789);
}

TEST_F(AccountStore, a_statement_past_statement_timeout_ms_fails_with_timeout_and_changes_nothing) {
  const std::string id = insert_account();
  std::unique_ptr<PostgresStorage> impatient = make_store("\"statement_timeout_ms\": 200");
  // Another session holds the account's row, so deleting it waits for the lock.
  pqxx::connection other(db().url());
  pqxx::work holding(other);
  holding.exec("SELECT 1 FROM trading_accounts WHERE id = '" + id + "' FOR UPDATE");
  EXPECT_EQ(status_of([&] { impatient->account_delete(id); }), MT5B_TIMEOUT);
  holding.abort();
  EXPECT_EQ(get_account(store(), id).id, id);
}

TEST_F(AccountStore, ping_answers_while_the_database_is_up) {
  EXPECT_EQ(status_of([&] { store().ping(); }), MT5B_OK);
}

}  // namespace
}  // namespace mt5b::storage_postgres::testing
