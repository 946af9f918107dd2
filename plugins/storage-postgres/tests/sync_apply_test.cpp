// on_sync_apply: one transaction, guarded by the lease, all of it or none of it.
#include "pg_test_support.hpp"
#include "record_copies.hpp"
#include "sync_batch.hpp"

namespace mt5b::storage_postgres::testing {
namespace {

constexpr const char* kOwner = "host-a:1234";

class SyncApply : public PostgresTest {
 protected:
  void SetUp() override {
    PostgresTest::SetUp();
    host_.set_now_ms(kSyncNowMs);
    user_ = new_uuid();
    account_ = insert_account(user_);
    lease_for(store(), account_, kOwner, kSyncNowMs);
  }

  // A sync with one of everything.
  SyncBatch full_batch() {
    SyncBatch batch(account_, kOwner);
    batch.position(9001);
    batch.trade(8001);
    batch.deal(7001, kSyncNowMs - 60'000);
    batch.deal(7002, kSyncNowMs - 30'000);
    batch.transaction(6001, "deposit", 1000, kSyncNowMs - 90'000);
    batch.log(log_id_);
    return batch;
  }

  int64_t rows(const std::string& table) {
    return db().count("SELECT count(*) FROM " + table + " WHERE account_id = '" + account_ + "'");
  }
  int64_t written_rows() {
    return rows("deals") + rows("account_transactions") + rows("trades") + rows("sync_logs");
  }
  mt5b_record_query query() {
    auto q = sdk::make<mt5b_record_query>();
    q.account_id = s_(account_);
    return q;
  }

  std::string user_;
  std::string account_;
  std::string log_id_ = new_uuid();
};

TEST_F(SyncApply, writes_every_kind_of_record_and_the_account_state_in_one_apply) {
  SyncBatch batch = full_batch();
  mt5b_sync_apply_result result = store().sync_apply(batch.apply());
  EXPECT_EQ(result.deals_inserted, 2);
  EXPECT_EQ(result.transactions_inserted, 1);
  EXPECT_EQ(result.trades_inserted, 1);

  EXPECT_EQ(list_positions(store(), query()).size(), 1u);
  EXPECT_EQ(list_trades(store(), query()).size(), 1u);
  EXPECT_EQ(list_deals(store(), query()).size(), 2u);
  EXPECT_EQ(list_transactions(store(), query()).size(), 1u);
  ASSERT_EQ(list_sync_logs(store(), query()).size(), 1u);

  AccountRow account = get_account(store(), account_);
  EXPECT_EQ(account.last_sync_at_ms, kSyncNowMs);
  EXPECT_EQ(account.next_sync_at_ms, kSyncNowMs + 300'000);
  EXPECT_EQ(account.currency, "EUR");
  EXPECT_EQ(account.balance, 5000);
  EXPECT_EQ(account.updated_at_ms, kSyncNowMs);
  // The trades row of a position carries the account's user (RLS reads account_id, tools user_id).
  EXPECT_EQ(db().count("SELECT count(*) FROM trades WHERE user_id = '" + user_ + "'"), 2);
}

TEST_F(SyncApply, re_applying_the_same_sync_inserts_no_duplicate_deals_or_trades) {
  SyncBatch batch = full_batch();
  store().sync_apply(batch.apply());
  mt5b_sync_apply_result again = store().sync_apply(batch.apply());
  EXPECT_EQ(again.deals_inserted, 0);
  EXPECT_EQ(again.transactions_inserted, 0);
  EXPECT_EQ(again.trades_inserted, 0);
  EXPECT_EQ(rows("deals"), 2);
  EXPECT_EQ(rows("account_transactions"), 1);
  EXPECT_EQ(rows("trades"), 2);  // the closed trade and the open position
  EXPECT_EQ(rows("sync_logs"), 1);
}

TEST_F(SyncApply, a_deal_sent_twice_in_one_apply_is_inserted_once) {
  SyncBatch batch(account_, kOwner);
  batch.deal(7001, kSyncNowMs - 60'000);
  batch.deal(7001, kSyncNowMs - 60'000);
  EXPECT_EQ(store().sync_apply(batch.apply()).deals_inserted, 1);
  EXPECT_EQ(rows("deals"), 1);
}

TEST_F(SyncApply, without_the_lease_the_apply_is_a_conflict_and_writes_nothing) {
  SyncBatch batch(account_, "host-b:999");
  batch.deal(7001, kSyncNowMs);
  batch.log(log_id_);
  EXPECT_EQ(status_of([&] { store().sync_apply(batch.apply()); }), MT5B_CONFLICT);
  EXPECT_EQ(written_rows(), 0);
}

TEST_F(SyncApply, after_the_lease_expired_the_apply_is_a_conflict) {
  host_.set_now_ms(kSyncNowMs + 60'001);  // the lease ran until kSyncNowMs + 60 s
  SyncBatch batch = full_batch();
  EXPECT_EQ(status_of([&] { store().sync_apply(batch.apply()); }), MT5B_CONFLICT);
  EXPECT_EQ(written_rows(), 0);
  EXPECT_EQ(get_account(store(), account_).last_sync_at_ms, 0);
}

TEST_F(SyncApply, an_apply_for_a_deleted_account_is_not_found) {
  store().account_delete(account_);
  SyncBatch batch = full_batch();
  EXPECT_EQ(status_of([&] { store().sync_apply(batch.apply()); }), MT5B_NOT_FOUND);
}

// Each case spoils one record of an otherwise good apply.
struct SpoiledRecord {
  const char* name;
  void (*spoil)(SyncBatch& batch, Strings& s);
};

// Names the case in test listings (and in ctest's names) instead of dumping its bytes.
void PrintTo(const SpoiledRecord& record, std::ostream* out) {
  *out << record.name;
}

class SyncApplyRefuses : public SyncApply, public ::testing::WithParamInterface<SpoiledRecord> {};

TEST_P(SyncApplyRefuses, an_invalid_record_anywhere_and_writes_nothing) {
  SyncBatch batch = full_batch();
  GetParam().spoil(batch, s_);
  EXPECT_EQ(status_of([&] { store().sync_apply(batch.apply()); }), MT5B_INVALID_ARGUMENT);
  EXPECT_EQ(written_rows(), 0);
  EXPECT_EQ(get_account(store(), account_).last_sync_at_ms, 0);
}

INSTANTIATE_TEST_SUITE_P(
    EveryRule, SyncApplyRefuses,
    ::testing::Values(
        SpoiledRecord{"trade_type",
                      [](SyncBatch& b, Strings& s) { b.trade(8100).type = s("long"); }},
        SpoiledRecord{"position_type",
                      [](SyncBatch& b, Strings& s) { b.position(9100).type = s("BUY"); }},
        SpoiledRecord{"deal_without_deal",
                      [](SyncBatch& b, Strings&) { b.deal(7100, kSyncNowMs).deal = nullptr; }},
        SpoiledRecord{"foreign_account",
                      [](SyncBatch& b, Strings& s) { b.trade(8100).account_id = s(new_uuid()); }},
        SpoiledRecord{"transaction_without_kind",
                      [](SyncBatch& b, Strings&) { b.transaction(6100, "", 5, kSyncNowMs); }},
        SpoiledRecord{
            "time_out_of_range",
            [](SyncBatch& b, Strings&) { b.deal(7100, kSyncNowMs).time_ms = 400'000'000'000'000; }},
        // Passes every check in C++ and fails inside the transaction, after the deals, trades
        // and positions were written: the account update overflows its integer column.
        SpoiledRecord{"fault_in_the_middle",
                      [](SyncBatch& b, Strings&) {
                        b.account().broker_server_time_offset_s = int64_t{1} << 40;
                      }}),
    [](const ::testing::TestParamInfo<SpoiledRecord>& info) { return info.param.name; });

TEST_F(SyncApply, an_open_position_that_closes_counts_as_an_inserted_trade_once) {
  SyncBatch open(account_, kOwner);
  open.position(9001);
  EXPECT_EQ(store().sync_apply(open.apply()).trades_inserted, 0);

  SyncBatch closed(account_, kOwner);
  closed.trade(9001);  // position 9001, segment 0: the same row, now closed
  closed.replace_positions = 1;
  EXPECT_EQ(store().sync_apply(closed.apply()).trades_inserted, 1);
  EXPECT_EQ(store().sync_apply(closed.apply()).trades_inserted, 0);
  EXPECT_TRUE(list_positions(store(), query()).empty());
  ASSERT_EQ(list_trades(store(), query()).size(), 1u);
  EXPECT_EQ(rows("trades"), 1);
}

TEST_F(SyncApply, replace_positions_removes_every_other_open_position_but_no_closed_trade) {
  SyncBatch first(account_, kOwner);
  first.position(9001);
  first.position(9002);
  first.trade(8001);
  store().sync_apply(first.apply());

  SyncBatch second(account_, kOwner);
  second.position(9002).profit = 55;
  second.position(9003, "sell");
  second.replace_positions = 1;
  store().sync_apply(second.apply());
  std::vector<PositionRow> open = list_positions(store(), query());
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].ticket, 9002);
  EXPECT_EQ(open[0].profit, 55);
  EXPECT_EQ(open[1].ticket, 9003);
  EXPECT_EQ(open[1].type, "sell");
  EXPECT_EQ(list_trades(store(), query()).size(), 1u);

  SyncBatch none(account_, kOwner);
  none.replace_positions = 1;  // the complete open set is empty
  store().sync_apply(none.apply());
  EXPECT_TRUE(list_positions(store(), query()).empty());
}

TEST_F(SyncApply, without_replace_positions_other_open_positions_stay) {
  SyncBatch first(account_, kOwner);
  first.position(9001);
  store().sync_apply(first.apply());
  SyncBatch second(account_, kOwner);
  second.position(9002);
  store().sync_apply(second.apply());
  EXPECT_EQ(list_positions(store(), query()).size(), 2u);
}

TEST_F(SyncApply, the_snapshot_changes_only_when_it_is_valid) {
  SyncBatch batch(account_, kOwner);
  batch.snapshot_valid = 0;
  batch.account().balance = 1;
  batch.account().connection_status = s_("error");
  batch.account().last_connection_error = s_("terminal offline");
  batch.account().sync_failure_count = 3;
  store().sync_apply(batch.apply());
  AccountRow account = get_account(store(), account_);
  EXPECT_EQ(account.balance, 10'000.5);  // as inserted
  EXPECT_EQ(account.currency, "USD");
  EXPECT_EQ(account.connection_status, "error");
  EXPECT_EQ(account.last_connection_error, "terminal offline");
  EXPECT_EQ(account.sync_failure_count, 3);

  batch.snapshot_valid = 1;
  store().sync_apply(batch.apply());
  EXPECT_EQ(get_account(store(), account_).balance, 1);
}

TEST_F(SyncApply, the_apply_does_not_release_the_lease) {
  SyncBatch batch = full_batch();
  store().sync_apply(batch.apply());
  EXPECT_EQ(db().count("SELECT count(*) FROM trading_accounts WHERE id = '" + account_ +
                       "' AND lease_owner = '" + kOwner + "'"),
            1);
  store().sync_apply(batch.apply());  // still held: a second apply of the same sync works
  store().lease_release(account_, kOwner);
  EXPECT_EQ(status_of([&] { store().sync_apply(batch.apply()); }), MT5B_CONFLICT);
}

TEST_F(SyncApply, times_round_trip_to_the_millisecond_and_keep_the_broker_offset) {
  SyncBatch batch(account_, kOwner);
  mt5b_trade_record& trade = batch.trade(8001);
  trade.close_time_ms = kSyncNowMs + 123;
  trade.close_time_broker_ms = kSyncNowMs + 123 + kBrokerOffsetS * 1000;
  batch.position(9001);
  batch.deal(7001, kSyncNowMs - 1);
  batch.deal_of(7001).comment = s_("");
  batch.transaction(6001, "withdrawal", -20.5, kSyncNowMs - 999);
  store().sync_apply(batch.apply());

  EXPECT_EQ(
      db().exec("SELECT close_time_broker FROM trades WHERE ticket = 8001 AND account_id = '" +
                account_ + "'")[0][0]
          .as<std::string>(),
      "2025-11-12T10:00:00.123+02:00");
  std::vector<TradeRow> trades = list_trades(store(), query());
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].close_time_ms, kSyncNowMs + 123);
  EXPECT_EQ(trades[0].close_time_broker_ms, kSyncNowMs + 123 + kBrokerOffsetS * 1000);
  EXPECT_EQ(trades[0].open_time_ms, kSyncNowMs - 7'200'000);
  EXPECT_EQ(trades[0].broker_offset_s, kBrokerOffsetS);
  EXPECT_EQ(trades[0].net_profit, 514.75);
  EXPECT_EQ(trades[0].close_reason, "tp");

  std::vector<PositionRow> positions = list_positions(store(), query());
  ASSERT_EQ(positions.size(), 1u);
  EXPECT_EQ(positions[0].open_time_broker_ms, positions[0].open_time_ms + kBrokerOffsetS * 1000);
  EXPECT_EQ(positions[0].broker_offset_s, kBrokerOffsetS);
  EXPECT_EQ(positions[0].open_price, 1.08123);
  EXPECT_EQ(positions[0].comment, "grid #1");

  std::vector<DealRow> deals = list_deals(store(), query());
  ASSERT_EQ(deals.size(), 1u);
  EXPECT_EQ(deals[0].time_ms, kSyncNowMs - 1);
  EXPECT_EQ(deals[0].time_msc, kSyncNowMs - 1 + kBrokerOffsetS * 1000);
  EXPECT_EQ(deals[0].time, (kSyncNowMs - 1 + kBrokerOffsetS * 1000) / 1000);
  EXPECT_EQ(deals[0].order, 8001);
  EXPECT_EQ(deals[0].external_id, "ext-7001");
  EXPECT_EQ(deals[0].comment, "");

  std::vector<TransactionRow> transactions = list_transactions(store(), query());
  ASSERT_EQ(transactions.size(), 1u);
  EXPECT_EQ(transactions[0].time_ms, kSyncNowMs - 999);
  EXPECT_EQ(transactions[0].time_broker_ms, kSyncNowMs - 999 + kBrokerOffsetS * 1000);
  EXPECT_EQ(transactions[0].amount, -20.5);
  EXPECT_EQ(transactions[0].kind, "withdrawal");
}

}  // namespace
}  // namespace mt5b::storage_postgres::testing
