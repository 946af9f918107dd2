// Accounts and credentials: every field goes in and comes out the same, and the documented
// errors (CONFLICT, NOT_FOUND) surface as the ABI says.
#include "conformance_test.hpp"

namespace mt5b::conformance {
namespace {

using Accounts = StorageConformance;

TEST_F(Accounts, round_trips_every_account_field_including_next_sync_at) {
  Account account = sample_account(1, 1);
  account.is_active = false;
  account.connection_status = "auth_failed";
  account.last_connection_error = "invalid account (MT5 error -6)";
  account.sync_failure_count = 3;
  account.broker_server_time_offset_s = -18000;
  account.currency = "JPY";
  account.leverage = 500;
  account.balance = 1234567.89;
  account.equity = -42.125;
  account.margin = 0.1 + 0.2;
  account.free_margin = 1e-7;
  account.margin_level = 123456.789;
  account.credit = 2500.5;
  account.profit = -0.01;
  account.created_at_ms = 1'762'943'400'123;
  account.updated_at_ms = 1'762'943'999'999;
  account.last_sync_at_ms = 1'762'940'000'001;
  account.last_successful_sync_at_ms = 1'762'930'000'002;
  account.next_sync_at_ms = 1'762'950'000'003;
  if (!plugin().abi_at_least(1, 1)) account.next_sync_at_ms = 0;  // an ABI 1.0 record lacks it
  add(account);

  EXPECT_EQ(account, fetch(account.id));
}

TEST_F(Accounts, round_trips_unicode_and_one_mebibyte_text) {
  Account account = sample_account(1, 1);
  account.server = "Брокер-Live 日本 ™";
  account.broker_name = "Ünïcødé Markets 🚀 " + std::string(1 << 20, 'b');
  account.broker_instance = "terminal-østfold";
  account.last_connection_error = std::string(1 << 20, 'e') + " — last words ✓";
  account.currency = "€UR";
  add(account);

  EXPECT_EQ(account, fetch(account.id));
}

TEST_F(Accounts, round_trips_credential_bytes_with_nul_and_one_mebibyte_ciphertext) {
  const Account small = sample_account(1, 1);
  Credential small_credential = sample_credential(small);
  small_credential.ciphertext = std::string("\0\0nonce\0\xfe\x80tag\0", 14);
  small_credential.created_at_ms = 1'762'943'401'000;
  ASSERT_OK(store().insert_account(small, small_credential));

  const Account large = sample_account(2, 1);
  Credential large_credential = sample_credential(large);
  large_credential.ciphertext.assign(1 << 20, '\0');
  for (size_t i = 0; i < large_credential.ciphertext.size(); i += 7)
    large_credential.ciphertext[i] = static_cast<char>(i % 251);
  ASSERT_OK(store().insert_account(large, large_credential));

  EXPECT_EQ(small_credential, fetch_credential(small.id));
  EXPECT_EQ(large_credential, fetch_credential(large.id));
}

TEST_F(Accounts, a_second_account_with_the_same_user_login_and_server_is_conflict) {
  const Account first = sample_account(1, 1);
  add(first);
  Account twin = sample_account(2, 1);
  twin.login = first.login;
  EXPECT_STATUS(MT5B_CONFLICT, store().insert_account(twin, sample_credential(twin)));

  EXPECT_EQ(std::nullopt, fetch(twin.id)) << "the refused account must not be stored";
  EXPECT_EQ(std::nullopt, fetch_credential(twin.id));
  EXPECT_EQ(first, fetch(first.id)) << "the first account must be untouched";
}

TEST_F(Accounts, a_reused_account_id_is_conflict) {
  const Account first = sample_account(1, 1);
  add(first);
  Account reuse = sample_account(2, 2);
  reuse.id = first.id;
  EXPECT_STATUS(MT5B_CONFLICT, store().insert_account(reuse, sample_credential(reuse)));
  EXPECT_EQ(first, fetch(first.id));
}

TEST_F(Accounts, the_same_login_for_another_user_or_server_is_allowed) {
  const Account first = sample_account(1, 1);
  add(first);
  Account other_user = sample_account(2, 2);
  other_user.login = first.login;
  Account other_server = sample_account(3, 1);
  other_server.login = first.login;
  other_server.server = "MetaQuotes-Live";
  EXPECT_OK(store().insert_account(other_user, sample_credential(other_user)));
  EXPECT_OK(store().insert_account(other_server, sample_credential(other_server)));
  EXPECT_EQ(3, count(sdk::make<mt5b_account_query>()));
}

TEST_F(Accounts, get_of_an_unknown_account_is_not_found) {
  std::optional<Account> found;
  EXPECT_STATUS(MT5B_NOT_FOUND, store().get_account(sample_uuid(IdKind::account, 404), found));
  EXPECT_EQ(std::nullopt, found);
}

TEST_F(Accounts, credential_of_an_unknown_account_is_not_found) {
  std::optional<Credential> found;
  EXPECT_STATUS(MT5B_NOT_FOUND, store().get_credential(sample_uuid(IdKind::account, 404), found));
}

TEST_F(Accounts, migrate_again_is_idempotent_and_keeps_accounts) {
  const Account account = sample_account(1, 1);
  add(account);
  EXPECT_OK(store().migrate());
  auto again = open_instance();
  ASSERT_OK(again->created());
  EXPECT_OK(again->migrate());
  std::optional<Account> found;
  EXPECT_OK(again->get_account(account.id, found));
  EXPECT_EQ(account, found);
}

}  // namespace
}  // namespace mt5b::conformance
