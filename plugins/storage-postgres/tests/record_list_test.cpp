// The list slots honour mt5b_record_query: one account, inclusive time bounds, symbol, paging,
// and each slot's order.
#include "pg_test_support.hpp"
#include "record_copies.hpp"
#include "sync_batch.hpp"

namespace mt5b::storage_postgres::testing {
namespace {

constexpr const char* kOwner = "host-a";
constexpr int64_t kHour = 3'600'000;

class RecordLists : public PostgresTest {
 protected:
  void SetUp() override {
    PostgresTest::SetUp();
    host_.set_now_ms(kSyncNowMs);
    account_ = insert_account();
    lease_for(store(), account_, kOwner, kSyncNowMs);
  }

  // Closed trades closing at hours 1..5 before now; even ones on EURUSD, odd ones on XAUUSD.
  void apply_five_trades() {
    SyncBatch batch(account_, kOwner);
    for (int i = 1; i <= 5; ++i) {
      mt5b_trade_record& t = batch.trade(100 + i);
      t.close_time_ms = kSyncNowMs - i * kHour;
      t.close_time_broker_ms = t.close_time_ms + kBrokerOffsetS * 1000;
      t.open_time_ms = t.close_time_ms - kHour;
      if (i % 2 == 0) t.canonical_symbol = s_("EURUSD");
    }
    store().sync_apply(batch.apply());
  }

  mt5b_record_query query(int64_t from_ms = 0, int64_t to_ms = 0) {
    auto q = sdk::make<mt5b_record_query>();
    q.account_id = s_(account_);
    q.from_ms = from_ms;
    q.to_ms = to_ms;
    return q;
  }

  template <class Row>
  static std::vector<int64_t> tickets(const std::vector<Row>& rows) {
    std::vector<int64_t> out;
    for (const Row& row : rows) out.push_back(row.ticket);
    return out;
  }

  std::string account_;
};

TEST_F(RecordLists, trades_come_newest_close_first_within_inclusive_bounds) {
  apply_five_trades();
  EXPECT_EQ(tickets(list_trades(store(), query())),
            (std::vector<int64_t>{101, 102, 103, 104, 105}));
  // Both bounds are inclusive: exactly the trades closing at hours 2, 3 and 4 before now.
  EXPECT_EQ(tickets(list_trades(store(), query(kSyncNowMs - 4 * kHour, kSyncNowMs - 2 * kHour))),
            (std::vector<int64_t>{102, 103, 104}));
  EXPECT_EQ(tickets(list_trades(store(), query(kSyncNowMs - 2 * kHour))),
            (std::vector<int64_t>{101, 102}));
}

TEST_F(RecordLists, the_symbol_filter_matches_the_canonical_symbol) {
  apply_five_trades();
  mt5b_record_query q = query();
  q.symbol = s_("EURUSD");
  EXPECT_EQ(tickets(list_trades(store(), q)), (std::vector<int64_t>{102, 104}));
  q.symbol = s_("XAUUSD.pro");  // the broker's name is not the canonical one
  EXPECT_TRUE(list_trades(store(), q).empty());
}

TEST_F(RecordLists, limit_and_offset_page_through_in_order) {
  apply_five_trades();
  mt5b_record_query q = query();
  q.limit = 2;
  q.offset = 1;
  EXPECT_EQ(tickets(list_trades(store(), q)), (std::vector<int64_t>{102, 103}));
  q.offset = 4;
  EXPECT_EQ(tickets(list_trades(store(), q)), (std::vector<int64_t>{105}));
  q.offset = -1;
  EXPECT_EQ(status_of([&] { list_trades(store(), q); }), MT5B_INVALID_ARGUMENT);
}

TEST_F(RecordLists, deals_and_transactions_come_by_time_then_ticket) {
  SyncBatch batch(account_, kOwner);
  batch.deal(503, kSyncNowMs - 1000);
  batch.deal(501, kSyncNowMs - 1000);
  batch.deal(502, kSyncNowMs - 5000);
  batch.transaction(603, "deposit", 10, kSyncNowMs);
  batch.transaction(602, "credit", 20, kSyncNowMs - kHour);
  batch.transaction(601, "bonus", 30, kSyncNowMs);
  store().sync_apply(batch.apply());
  EXPECT_EQ(tickets(list_deals(store(), query())), (std::vector<int64_t>{502, 501, 503}));
  EXPECT_EQ(tickets(list_transactions(store(), query())), (std::vector<int64_t>{602, 601, 603}));
  EXPECT_EQ(tickets(list_deals(store(), query(kSyncNowMs - 1000, kSyncNowMs - 1000))),
            (std::vector<int64_t>{501, 503}));
  EXPECT_EQ(tickets(list_transactions(store(), query(0, kSyncNowMs - kHour))),
            (std::vector<int64_t>{602}));
  mt5b_record_query q = query();
  q.symbol = s_("GBPUSD");  // raw deals have no canonical symbol: the broker's name matches
  EXPECT_EQ(list_deals(store(), q).size(), 3u);
}

TEST_F(RecordLists, positions_come_by_ticket) {
  SyncBatch batch(account_, kOwner);
  batch.position(903);
  batch.position(901, "sell");
  batch.position(902);
  store().sync_apply(batch.apply());
  EXPECT_EQ(tickets(list_positions(store(), query())), (std::vector<int64_t>{901, 902, 903}));
}

TEST_F(RecordLists, sync_logs_come_newest_first_and_are_read_and_replaced_by_id) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(new_uuid());
    auto log = sdk::make<mt5b_sync_log_record>();
    log.id = s_(ids.back());
    log.account_id = s_(account_);
    log.sync_type = s_("manual");
    log.status = s_("processing");
    log.started_at_ms = kSyncNowMs + i * 1000;
    store().sync_log_put(log);
  }
  std::vector<SyncLogRow> logs = list_sync_logs(store(), query());
  ASSERT_EQ(logs.size(), 3u);
  EXPECT_EQ(logs[0].id, ids[2]);
  EXPECT_EQ(logs[2].id, ids[0]);

  auto done = sdk::make<mt5b_sync_log_record>();
  done.id = s_(ids[1]);
  done.account_id = s_(account_);
  done.sync_type = s_("manual");
  done.status = s_("failed");
  done.started_at_ms = kSyncNowMs + 1000;
  done.completed_at_ms = kSyncNowMs + 1500;
  done.duration_ms = 500;
  done.deals_synced = 4;
  done.error_message = s_("terminal offline");
  store().sync_log_put(done);
  SyncLogRow read;
  store().sync_log_get(ids[1], [&](const mt5b_sync_log_record& r) { read = SyncLogRow::from(r); });
  EXPECT_EQ(read.status, "failed");
  EXPECT_EQ(read.completed_at_ms, kSyncNowMs + 1500);
  EXPECT_EQ(read.duration_ms, 500);
  EXPECT_EQ(read.deals_synced, 4);
  EXPECT_EQ(read.error_message, "terminal offline");
  EXPECT_EQ(list_sync_logs(store(), query()).size(), 3u);
  EXPECT_EQ(status_of([&] { store().sync_log_get(new_uuid(), [](const auto&) {}); }),
            MT5B_NOT_FOUND);
}

TEST_F(RecordLists, a_sync_log_for_an_unknown_account_is_not_found) {
  auto log = sdk::make<mt5b_sync_log_record>();
  log.id = s_(new_uuid());
  log.account_id = s_(new_uuid());
  log.sync_type = s_("manual");
  log.status = s_("processing");
  EXPECT_EQ(status_of([&] { store().sync_log_put(log); }), MT5B_NOT_FOUND);
}

TEST_F(RecordLists, a_query_needs_an_account_and_sees_only_that_account) {
  apply_five_trades();
  auto no_account = sdk::make<mt5b_record_query>();
  EXPECT_EQ(status_of([&] { list_trades(store(), no_account); }), MT5B_INVALID_ARGUMENT);
  EXPECT_EQ(status_of([&] { list_deals(store(), no_account); }), MT5B_INVALID_ARGUMENT);
  mt5b_record_query other = query();
  other.account_id = s_(insert_account());
  EXPECT_TRUE(list_trades(store(), other).empty());
  other.account_id = s_("not-a-uuid");
  EXPECT_TRUE(list_trades(store(), other).empty());
}

}  // namespace
}  // namespace mt5b::storage_postgres::testing
