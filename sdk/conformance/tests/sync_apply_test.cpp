// on_sync_apply: one sync written in one transaction — all of it, once, or none of it.
#include "conformance_test.hpp"

#include <algorithm>

namespace mt5b::conformance {
namespace {

// The account as a store must read it back after `batch` was applied to `before`.
Account after_apply(const Account& before, const SyncBatch& batch) {
  Account expected = before;
  const Account& s = batch.account;
  expected.connection_status = s.connection_status;
  expected.last_connection_error = s.last_connection_error;
  expected.sync_failure_count = s.sync_failure_count;
  expected.next_sync_at_ms = s.next_sync_at_ms;
  expected.last_sync_at_ms = s.last_sync_at_ms;
  expected.last_successful_sync_at_ms = s.last_successful_sync_at_ms;
  expected.broker_server_time_offset_s = s.broker_server_time_offset_s;
  if (batch.snapshot_valid) {
    expected.currency = s.currency;
    expected.leverage = s.leverage;
    expected.balance = s.balance;
    expected.equity = s.equity;
    expected.margin = s.margin;
    expected.free_margin = s.free_margin;
    expected.margin_level = s.margin_level;
    expected.credit = s.credit;
    expected.profit = s.profit;
  }
  return expected;
}

// Compares everything but updated_at, which the store sets when it writes.
void expect_account(const Account& expected, const std::optional<Account>& actual) {
  ASSERT_TRUE(actual.has_value()) << "the account is gone";
  Account a = *actual;
  a.updated_at_ms = expected.updated_at_ms;
  EXPECT_EQ(expected, a);
}

class SyncApply : public StorageConformance {
 protected:
  void SetUp() override {
    StorageConformance::SetUp();
    if (HasFatalFailure()) return;
    MT5B_REQUIRE_SLOTS(MT5B_SLOT(on_lease_due), MT5B_SLOT(on_sync_apply),
                       MT5B_SLOT(on_position_list), MT5B_SLOT(on_trade_list),
                       MT5B_SLOT(on_deal_list), MT5B_SLOT(on_transaction_list),
                       MT5B_SLOT(on_sync_log_list), MT5B_SLOT(on_sync_log_get));
    add(account_);
    stored_ = fetch(account_.id).value_or(account_);
  }
  mt5b_sync_apply_result apply_batch(const SyncBatch& batch) {
    auto result = sdk::make<mt5b_sync_apply_result>();
    EXPECT_OK(apply(store(), batch, result));
    return result;
  }
  void take_lease() {
    std::vector<std::string> ids;
    ASSERT_OK(lease(owner_, now(), 1, ids, account_.id));
  }
  // Nothing of any apply is there: the account as inserted, no rows, no sync log.
  void expect_untouched() {
    EXPECT_EQ(stored_, fetch(account_.id)) << "the account's row must be as before the apply";
    EXPECT_EQ(RowCounts{}, row_counts(account_.id));
    std::optional<SyncLog> log;
    EXPECT_STATUS(MT5B_NOT_FOUND, store().get_sync_log(sample_uuid(IdKind::sync_log, 0), log));
  }

  const std::string owner_ = "host-a:7f3c";
  const Account account_ = sample_account(1, 1);
  Account stored_;
};

TEST_F(SyncApply, writes_snapshot_positions_trades_deals_transactions_and_sync_log) {
  take_lease();
  const SyncBatch batch = sample_batch(account_, owner_);
  const auto result = apply_batch(batch);

  EXPECT_EQ(3, result.deals_inserted);
  EXPECT_EQ(2, result.trades_inserted);
  EXPECT_EQ(2, result.transactions_inserted);
  expect_account(after_apply(stored_, batch), fetch(account_.id));
  const auto query = records_of(account_.id);
  EXPECT_EQ(batch.positions, positions(query)) << "open positions, by ticket";
  EXPECT_EQ((std::vector<Trade>{batch.trades[1], batch.trades[0]}), trades(query))
      << "closed trades, newest close first";
  EXPECT_EQ(batch.deals, deals(query)) << "deals, by time";
  EXPECT_EQ(batch.transactions, transactions(query)) << "transactions, by time";
  EXPECT_EQ(std::vector<SyncLog>{*batch.sync_log}, sync_logs(query));
  std::optional<SyncLog> log;
  EXPECT_OK(store().get_sync_log(batch.sync_log->id, log));
  EXPECT_EQ(batch.sync_log, log);
}

TEST_F(SyncApply, reapplying_the_same_data_inserts_nothing) {
  take_lease();
  const SyncBatch batch = sample_batch(account_, owner_);
  apply_batch(batch);
  const RowCounts first = row_counts(account_.id);
  const auto again = apply_batch(batch);

  EXPECT_EQ(0, again.deals_inserted);
  EXPECT_EQ(0, again.trades_inserted);
  EXPECT_EQ(0, again.transactions_inserted);
  EXPECT_EQ(first, row_counts(account_.id));
  const auto query = records_of(account_.id);
  EXPECT_EQ(batch.deals, deals(query)) << "no deal may be stored twice";
  EXPECT_EQ((std::vector<Trade>{batch.trades[1], batch.trades[0]}), trades(query))
      << "no trade may be stored twice";
}

TEST_F(SyncApply, an_invalid_record_placed_last_leaves_nothing_behind) {
  const Account other = sample_account(2, 1);
  add(other);
  take_lease();
  struct Case {
    const char* what;
    void (*spoil)(SyncBatch&, const std::string& other_account);
  };
  const Case cases[] = {
      {"a trade whose type is neither buy nor sell",
       [](SyncBatch& b, const std::string&) {
         b.trades.push_back(sample_trade(b.account.id, 9));
         b.trades.back().type = "long";
       }},
      {"a position whose type is empty",
       [](SyncBatch& b, const std::string&) {
         b.positions.push_back(sample_position(b.account.id, 9));
         b.positions.back().type = "";
       }},
      {"a deal record without its TradeDeal",
       [](SyncBatch& b, const std::string&) { b.null_deal_last = true; }},
      {"a transaction without a kind",
       [](SyncBatch& b, const std::string&) {
         b.transactions.push_back(sample_transaction(b.account.id, 9));
         b.transactions.back().kind = "";
       }},
      {"a trade of another account",
       [](SyncBatch& b, const std::string& other_account) {
         b.trades.push_back(sample_trade(other_account, 9));
       }},
      {"a deal of another account",
       [](SyncBatch& b, const std::string& other_account) {
         b.deals.push_back(sample_deal(other_account, 9));
       }},
      {"a transaction of another account",
       [](SyncBatch& b, const std::string& other_account) {
         b.transactions.push_back(sample_transaction(other_account, 9));
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    SyncBatch batch = sample_batch(account_, owner_);
    c.spoil(batch, other.id);
    auto result = sdk::make<mt5b_sync_apply_result>();
    EXPECT_STATUS(MT5B_INVALID_ARGUMENT, apply(store(), batch, result));
    expect_untouched();
    EXPECT_EQ(RowCounts{}, row_counts(other.id));
  }
  // The lease survives a refused apply: a valid one goes through afterwards.
  EXPECT_EQ(3, apply_batch(sample_batch(account_, owner_)).deals_inserted);
}

TEST_F(SyncApply, a_lost_lease_is_conflict_and_writes_nothing) {
  std::vector<std::string> ids;
  ASSERT_OK(lease(owner_, now(), 1, ids, account_.id, /*ttl_ms=*/1'000));
  // The lease expired and another host took the account over.
  ASSERT_OK(lease("host-b:11aa", now() + 5'000, 1, ids, account_.id));
  auto result = sdk::make<mt5b_sync_apply_result>();
  EXPECT_STATUS(MT5B_CONFLICT, apply(store(), sample_batch(account_, owner_), result));
  expect_untouched();
}

// A host stalled past its lease must not write, even when nobody else took the account yet:
// another host may lease it any moment, and the stalled one cannot know.
TEST_F(SyncApply, an_apply_after_the_lease_expired_untouched_is_conflict) {
  std::vector<std::string> ids;
  ASSERT_OK(lease(owner_, now(), 1, ids, account_.id, /*ttl_ms=*/1'000));
  store().host().advance_ms(1'001);  // the plugin's clock (the host's) passes the expiry
  auto result = sdk::make<mt5b_sync_apply_result>();
  EXPECT_STATUS(MT5B_CONFLICT, apply(store(), sample_batch(account_, owner_), result));
  expect_untouched();
}

TEST_F(SyncApply, an_apply_without_any_lease_is_conflict) {
  auto result = sdk::make<mt5b_sync_apply_result>();
  EXPECT_STATUS(MT5B_CONFLICT, apply(store(), sample_batch(account_, owner_), result));
  expect_untouched();
}

TEST_F(SyncApply, an_apply_after_the_lease_was_released_is_conflict) {
  MT5B_REQUIRE_SLOTS(MT5B_SLOT(on_lease_release));
  take_lease();
  ASSERT_OK(store().lease_release(account_.id, owner_));
  auto result = sdk::make<mt5b_sync_apply_result>();
  EXPECT_STATUS(MT5B_CONFLICT, apply(store(), sample_batch(account_, owner_), result));
  expect_untouched();
}

TEST_F(SyncApply, an_apply_to_an_account_deleted_meanwhile_is_not_found) {
  take_lease();
  ASSERT_OK(store().delete_account(account_.id));
  auto result = sdk::make<mt5b_sync_apply_result>();
  EXPECT_STATUS(MT5B_NOT_FOUND, apply(store(), sample_batch(account_, owner_), result));
}

TEST_F(SyncApply, the_lease_is_kept_after_an_apply) {
  take_lease();
  apply_batch(sample_batch(account_, owner_));
  std::vector<std::string> ids;
  EXPECT_STATUS(MT5B_CONFLICT, lease("host-b:11aa", now(), 1, ids, account_.id))
      << "only on_lease_release ends a lease";
  EXPECT_EQ(0, apply_batch(sample_batch(account_, owner_)).deals_inserted)
      << "the same owner may apply again";
}

TEST_F(SyncApply, replace_positions_removes_the_positions_that_closed) {
  take_lease();
  SyncBatch first = sample_batch(account_, owner_);
  first.positions.push_back(sample_position(account_.id, 2));
  first.replace_positions = true;
  apply_batch(first);
  SyncBatch second = sample_batch(account_, owner_);
  second.replace_positions = true;
  second.positions = {sample_position(account_.id, 1)};
  second.positions[0].current_price = 1.2;
  second.positions[0].profit = -10.5;
  apply_batch(second);
  EXPECT_EQ(second.positions, positions(records_of(account_.id)));

  SyncBatch none_open = sample_batch(account_, owner_);
  none_open.replace_positions = true;
  none_open.positions.clear();
  apply_batch(none_open);
  EXPECT_EQ(std::vector<Position>{}, positions(records_of(account_.id)));
}

TEST_F(SyncApply, positions_without_replace_are_upserted_and_the_others_kept) {
  take_lease();
  const SyncBatch first = sample_batch(account_, owner_);
  apply_batch(first);
  SyncBatch second = sample_batch(account_, owner_);
  second.positions = {sample_position(account_.id, 1)};
  second.positions[0].volume = 2.5;
  apply_batch(second);
  EXPECT_EQ((std::vector<Position>{first.positions[0], second.positions[0]}),
            positions(records_of(account_.id)));
}

TEST_F(SyncApply, a_closed_trade_applied_again_is_updated_not_inserted) {
  take_lease();
  apply_batch(sample_batch(account_, owner_));
  SyncBatch corrected = sample_batch(account_, owner_);
  corrected.trades[0].swap = -7.5;
  corrected.trades[0].net_profit = 613.75;
  const auto result = apply_batch(corrected);
  EXPECT_EQ(0, result.trades_inserted);
  EXPECT_EQ((std::vector<Trade>{corrected.trades[1], corrected.trades[0]}),
            trades(records_of(account_.id)));
}

TEST_F(SyncApply, an_existing_deal_or_transaction_is_left_as_it_is) {
  take_lease();
  const SyncBatch first = sample_batch(account_, owner_);
  apply_batch(first);
  SyncBatch changed = sample_batch(account_, owner_);
  changed.deals[0].profit = 1.0;
  changed.transactions[0].amount = 1.0;
  changed.deals.push_back(sample_deal(account_.id, 3));
  const auto result = apply_batch(changed);
  EXPECT_EQ(1, result.deals_inserted) << "only the new ticket is inserted";
  EXPECT_EQ(0, result.transactions_inserted);
  auto expected_deals = first.deals;
  expected_deals.push_back(sample_deal(account_.id, 3));
  EXPECT_EQ(expected_deals, deals(records_of(account_.id)));
  EXPECT_EQ(first.transactions, transactions(records_of(account_.id)));
}

TEST_F(SyncApply, snapshot_valid_zero_updates_the_sync_state_but_keeps_the_snapshot) {
  take_lease();
  SyncBatch batch = sample_batch(account_, owner_);
  batch.snapshot_valid = false;
  batch.account.connection_status = "error";
  batch.account.last_connection_error = "terminal unreachable (MT5 error -10004)";
  batch.account.sync_failure_count = 4;
  apply_batch(batch);
  const Account expected = after_apply(stored_, batch);
  EXPECT_EQ(stored_.balance, expected.balance);
  expect_account(expected, fetch(account_.id));
}

TEST_F(SyncApply, the_sync_log_is_upserted_by_id) {
  take_lease();
  apply_batch(sample_batch(account_, owner_));
  SyncBatch failed = sample_batch(account_, owner_);
  failed.sync_log->status = "failed";
  failed.sync_log->error_message = "login refused";
  failed.sync_log->trades_synced = 0;
  apply_batch(failed);
  EXPECT_EQ(std::vector<SyncLog>{*failed.sync_log}, sync_logs(records_of(account_.id)));
}

}  // namespace
}  // namespace mt5b::conformance
