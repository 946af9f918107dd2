// Reading synced records back: time ranges (inclusive), the canonical symbol, the order abi.h
// gives each list, and limit/offset.
#include "conformance_test.hpp"

namespace mt5b::conformance {
namespace {

class RecordLists : public StorageConformance {
 protected:
  void SetUp() override {
    StorageConformance::SetUp();
    if (HasFatalFailure()) return;
    MT5B_REQUIRE_SLOTS(MT5B_SLOT(on_lease_due), MT5B_SLOT(on_sync_apply),
                       MT5B_SLOT(on_position_list), MT5B_SLOT(on_trade_list),
                       MT5B_SLOT(on_deal_list), MT5B_SLOT(on_transaction_list));
    add(account_);
    SyncBatch batch = sample_batch(account_, "host-a");
    batch.sync_log.reset();
    batch.trades.clear();
    for (int n = 0; n < 5; ++n) {
      Trade t = sample_trade(account_.id, n);
      t.canonical_symbol = n % 2 == 0 ? "GBPUSD" : "EURUSD";
      t.symbol = t.canonical_symbol + ".pro";
      batch.trades.push_back(t);
    }
    // Closes at the same moment as trade 4: the higher ticket comes first.
    Trade tie = sample_trade(account_.id, 5);
    tie.canonical_symbol = "EURUSD";
    tie.symbol = "EURUSD.pro";
    tie.open_time_ms = batch.trades[4].open_time_ms - 60'000;
    tie.open_time_broker_ms = tie.open_time_ms + kSampleOffsetS * 1000;
    tie.close_time_ms = batch.trades[4].close_time_ms;
    tie.close_time_broker_ms = batch.trades[4].close_time_broker_ms;
    tie.duration_hours = static_cast<double>(tie.close_time_ms - tie.open_time_ms) / 3'600'000.0;
    batch.trades.push_back(tie);
    batch.deals.clear();
    for (int n = 0; n < 5; ++n) batch.deals.push_back(sample_deal(account_.id, n));
    Deal deal_tie = sample_deal(account_.id, 5);
    deal_tie.time_ms = batch.deals[2].time_ms;
    deal_tie.time_msc = batch.deals[2].time_msc;
    deal_tie.time = batch.deals[2].time;
    batch.deals.push_back(deal_tie);
    batch.transactions.clear();
    for (int n = 0; n < 4; ++n) batch.transactions.push_back(sample_transaction(account_.id, n));
    batch.positions = {sample_position(account_.id, 2), sample_position(account_.id, 0),
                       sample_position(account_.id, 1)};
    batch_ = batch;
    lease_and_apply(batch_);
  }
  const Trade& trade(int n) const { return batch_.trades[static_cast<size_t>(n)]; }
  const Deal& deal(int n) const { return batch_.deals[static_cast<size_t>(n)]; }
  const Transaction& transaction(int n) const {
    return batch_.transactions[static_cast<size_t>(n)];
  }

  const Account account_ = sample_account(1, 1);
  SyncBatch batch_;
};

TEST_F(RecordLists, trades_come_newest_close_first_and_ties_by_ticket_descending) {
  EXPECT_EQ((std::vector<Trade>{trade(5), trade(4), trade(3), trade(2), trade(1), trade(0)}),
            trades(records_of(account_.id)));
}

TEST_F(RecordLists, trades_are_read_back_by_an_inclusive_close_time_range) {
  auto query = records_of(account_.id);
  query.from_ms = trade(1).close_time_ms;
  query.to_ms = trade(3).close_time_ms;
  EXPECT_EQ((std::vector<Trade>{trade(3), trade(2), trade(1)}), trades(query));
  query.from_ms = trade(1).close_time_ms + 1;
  query.to_ms = trade(3).close_time_ms - 1;
  EXPECT_EQ((std::vector<Trade>{trade(2)}), trades(query));
  query.to_ms = 0;  // no upper bound
  EXPECT_EQ((std::vector<Trade>{trade(5), trade(4), trade(3), trade(2)}), trades(query));
}

TEST_F(RecordLists, trades_filter_by_canonical_symbol) {
  auto query = records_of(account_.id);
  query.symbol = sdk::str("EURUSD");
  EXPECT_EQ((std::vector<Trade>{trade(5), trade(3), trade(1)}), trades(query));
  query.symbol = sdk::str("GBPUSD.pro");  // the broker's name is not the canonical one
  EXPECT_EQ(std::vector<Trade>{}, trades(query));
}

TEST_F(RecordLists, trades_page_with_limit_and_offset) {
  auto query = records_of(account_.id);
  query.limit = 2;
  query.offset = 1;
  EXPECT_EQ((std::vector<Trade>{trade(4), trade(3)}), trades(query));
  query.offset = 5;
  EXPECT_EQ((std::vector<Trade>{trade(0)}), trades(query));
}

TEST_F(RecordLists, trades_of_another_account_are_not_listed) {
  EXPECT_EQ(std::vector<Trade>{}, trades(records_of(sample_uuid(IdKind::account, 2))));
}

TEST_F(RecordLists, deals_come_by_time_then_ticket_and_filter_by_an_inclusive_range) {
  const auto all = records_of(account_.id);
  EXPECT_EQ((std::vector<Deal>{deal(0), deal(1), deal(2), deal(5), deal(3), deal(4)}), deals(all));
  auto query = all;
  query.from_ms = deal(1).time_ms;
  query.to_ms = deal(3).time_ms;
  EXPECT_EQ((std::vector<Deal>{deal(1), deal(2), deal(5), deal(3)}), deals(query));
  query.limit = 2;
  query.offset = 1;
  EXPECT_EQ((std::vector<Deal>{deal(2), deal(5)}), deals(query));
}

TEST_F(RecordLists, transactions_come_by_time_then_ticket_and_filter_by_an_inclusive_range) {
  const auto all = records_of(account_.id);
  EXPECT_EQ(
      (std::vector<Transaction>{transaction(0), transaction(1), transaction(2), transaction(3)}),
      transactions(all));
  auto query = all;
  query.from_ms = transaction(1).time_ms;
  query.to_ms = transaction(2).time_ms;
  EXPECT_EQ((std::vector<Transaction>{transaction(1), transaction(2)}), transactions(query));
  query.to_ms = 0;
  query.limit = 1;
  query.offset = 2;
  EXPECT_EQ((std::vector<Transaction>{transaction(3)}), transactions(query));
}

TEST_F(RecordLists, positions_come_by_ticket_and_page) {
  const auto& p = batch_.positions;  // tickets 100002, 100000, 100001
  auto query = records_of(account_.id);
  EXPECT_EQ((std::vector<Position>{p[1], p[2], p[0]}), positions(query));
  query.limit = 1;
  query.offset = 1;
  EXPECT_EQ((std::vector<Position>{p[2]}), positions(query));
}

TEST_F(RecordLists, a_list_without_account_id_is_invalid_argument) {
  std::vector<Trade> out;
  EXPECT_STATUS(MT5B_INVALID_ARGUMENT, store().list_trades(sdk::make<mt5b_record_query>(), out));
}

}  // namespace
}  // namespace mt5b::conformance
