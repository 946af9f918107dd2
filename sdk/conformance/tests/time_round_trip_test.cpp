// Times cross as UTC epoch ms and come back to the millisecond, before 1970 and in 2100;
// broker times come back with the offset they were written with, east or west of UTC.
#include "conformance_test.hpp"

#include <algorithm>

namespace mt5b::conformance {
namespace {

constexpr int64_t kYear2100Ms = 4'102'444'800'000;  // 2100-01-01T00:00:00.000Z

using TimeRoundTrip = StorageConformance;

TEST_F(TimeRoundTrip, account_times_round_trip_to_the_millisecond_before_1970_and_in_2100) {
  Account account = sample_account(1, 1);
  account.created_at_ms = -1;                            // 1969-12-31T23:59:59.999Z
  account.updated_at_ms = kYear2100Ms + 1;               // 2100-01-01T00:00:00.001Z
  account.last_sync_at_ms = -315'619'199'999;            // 1960-01-01T00:00:00.001Z
  account.last_successful_sync_at_ms = kYear2100Ms - 1;  // 2099-12-31T23:59:59.999Z
  account.next_sync_at_ms = kYear2100Ms + 86'399'999;    // 2100-01-01T23:59:59.999Z
  if (!plugin().abi_at_least(1, 1)) account.next_sync_at_ms = 0;
  add(account);
  EXPECT_EQ(account, fetch(account.id));

  Credential credential = sample_credential(sample_account(2, 1));
  credential.created_at_ms = kYear2100Ms + 999;
  ASSERT_OK(store().insert_account(sample_account(2, 1), credential));
  EXPECT_EQ(credential, fetch_credential(credential.account_id));
}

TEST_F(TimeRoundTrip, broker_times_keep_offsets_east_and_west_of_utc) {
  MT5B_REQUIRE_SLOTS(MT5B_SLOT(on_lease_due), MT5B_SLOT(on_sync_apply), MT5B_SLOT(on_position_list),
                     MT5B_SLOT(on_trade_list), MT5B_SLOT(on_deal_list),
                     MT5B_SLOT(on_transaction_list));
  const Account account = sample_account(1, 1);
  add(account);
  // New York, Newfoundland, UTC, India, Moscow, Kiribati; the last set is in the year 2100.
  const int64_t offsets_s[] = {-18'000, -12'600, 0, 19'800, 10'800, 50'400, 7'200};
  SyncBatch batch = sample_batch(account, "host-a");
  batch.positions.clear();
  batch.trades.clear();
  batch.deals.clear();
  batch.transactions.clear();
  int n = 0;
  for (int64_t offset_s : offsets_s) {
    const int64_t utc_ms = n == 6 ? kYear2100Ms + 4'321 : kSampleBaseMs + n * 3'600'123;
    Position p = sample_position(account.id, n);
    p.open_time_ms = utc_ms;
    p.open_time_broker_ms = utc_ms + offset_s * 1000;
    p.broker_offset_s = offset_s;
    batch.positions.push_back(p);
    Trade t = sample_trade(account.id, n);
    t.open_time_ms = utc_ms - 5'400'321;
    t.close_time_ms = utc_ms;
    t.open_time_broker_ms = t.open_time_ms + offset_s * 1000;
    t.close_time_broker_ms = utc_ms + offset_s * 1000;
    t.broker_offset_s = offset_s;
    t.duration_hours = static_cast<double>(t.close_time_ms - t.open_time_ms) / 3'600'000.0;
    batch.trades.push_back(t);
    Deal d = sample_deal(account.id, n);
    d.time_ms = utc_ms;
    d.time_msc = utc_ms + offset_s * 1000;
    d.time = d.time_msc / 1000;
    batch.deals.push_back(d);
    Transaction x = sample_transaction(account.id, n);
    x.time_ms = utc_ms;
    x.time_broker_ms = utc_ms + offset_s * 1000;
    batch.transactions.push_back(x);
    ++n;
  }
  lease_and_apply(batch);

  const auto query = records_of(account.id);
  EXPECT_EQ(batch.positions, positions(query));
  const auto stored_trades = trades(query);
  ASSERT_EQ(batch.trades.size(), stored_trades.size());
  for (const Trade& t : batch.trades) {
    EXPECT_NE(std::find(stored_trades.begin(), stored_trades.end(), t), stored_trades.end())
        << "missing or changed: " << t;
  }
  EXPECT_EQ(batch.deals, deals(query));
  EXPECT_EQ(batch.transactions, transactions(query));
}

TEST_F(TimeRoundTrip, a_trade_keeps_its_broker_times_across_a_daylight_saving_switch) {
  MT5B_REQUIRE_SLOTS(MT5B_SLOT(on_lease_due), MT5B_SLOT(on_sync_apply), MT5B_SLOT(on_trade_list));
  const Account account = sample_account(1, 1);
  add(account);
  SyncBatch batch = sample_batch(account, "host-a");
  Trade& t = batch.trades[0];
  t.open_time_broker_ms = t.open_time_ms + 7'200'000;     // opened in winter, UTC+2
  t.close_time_broker_ms = t.close_time_ms + 10'800'000;  // closed in summer, UTC+3
  t.broker_offset_s = 10'800;                             // the offset in force at close
  lease_and_apply(batch);
  const auto stored = trades(records_of(account.id));
  ASSERT_EQ(2u, stored.size());
  EXPECT_EQ(t, stored[1]);
}

}  // namespace
}  // namespace mt5b::conformance
