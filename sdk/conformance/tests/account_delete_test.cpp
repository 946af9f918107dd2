// Deleting an account takes everything that belongs to it, and nothing of other accounts.
#include "conformance_test.hpp"

namespace mt5b::conformance {
namespace {

using AccountDelete = StorageConformance;

TEST_F(AccountDelete, removes_the_account_and_its_credential_and_leaves_others) {
  const Account doomed = sample_account(1, 1);
  const Account kept = sample_account(2, 1);
  add(doomed);
  add(kept);
  ASSERT_OK(store().delete_account(doomed.id));

  EXPECT_EQ(std::nullopt, fetch(doomed.id));
  EXPECT_EQ(std::nullopt, fetch_credential(doomed.id));
  EXPECT_EQ(kept, fetch(kept.id));
  EXPECT_EQ(sample_credential(kept), fetch_credential(kept.id));
}

TEST_F(AccountDelete, cascades_to_positions_trades_deals_transactions_and_sync_logs) {
  MT5B_REQUIRE_SLOTS(MT5B_SLOT(on_lease_due), MT5B_SLOT(on_sync_apply), MT5B_SLOT(on_position_list),
                     MT5B_SLOT(on_trade_list), MT5B_SLOT(on_deal_list),
                     MT5B_SLOT(on_transaction_list), MT5B_SLOT(on_sync_log_list),
                     MT5B_SLOT(on_sync_log_get));
  const Account doomed = sample_account(1, 1);
  const Account kept = sample_account(2, 1);
  add(doomed);
  add(kept);
  lease_and_apply(sample_batch(doomed, "host-a"));
  SyncBatch kept_batch = sample_batch(kept, "host-a");
  kept_batch.sync_log->id = sample_uuid(IdKind::sync_log, 2);
  lease_and_apply(kept_batch);
  const RowCounts full{2, 2, 3, 2, 1};
  ASSERT_EQ(full, row_counts(doomed.id));

  ASSERT_OK(store().delete_account(doomed.id));

  EXPECT_EQ(RowCounts{}, row_counts(doomed.id));
  std::optional<SyncLog> log;
  EXPECT_STATUS(MT5B_NOT_FOUND, store().get_sync_log(sample_uuid(IdKind::sync_log, 0), log));
  EXPECT_EQ(std::nullopt, fetch_credential(doomed.id));
  EXPECT_EQ(full, row_counts(kept.id)) << "another account's rows must stay";
  EXPECT_TRUE(fetch(kept.id).has_value());
}

TEST_F(AccountDelete, unknown_account_is_not_found) {
  EXPECT_STATUS(MT5B_NOT_FOUND, store().delete_account(sample_uuid(IdKind::account, 404)));
}

TEST_F(AccountDelete, a_deleted_account_can_be_inserted_again) {
  const Account account = sample_account(1, 1);
  add(account);
  ASSERT_OK(store().delete_account(account.id));
  EXPECT_OK(store().insert_account(account, sample_credential(account)));
  EXPECT_EQ(account, fetch(account.id));
}

}  // namespace
}  // namespace mt5b::conformance
