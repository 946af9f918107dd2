// Data calls on a session replay config/scenarios/test-minimal.json (and demo.json for order).
#include "test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>

namespace mt5b::broker_mock {
namespace {

using namespace test_support;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Deal times in test-minimal.json (broker clock seconds).
constexpr int64_t kDepositTime = 1762156800;    // deal 11, 2025-11-03 08:00:00
constexpr int64_t kEntryTime = 1762160400;      // deal 12, 2025-11-03 09:00:00.250
constexpr int64_t kExitTime = 1762246800;       // deal 13, 2025-11-04 09:00:00
constexpr int64_t kOpenEntryTime = 1762336800;  // deal 14, 2025-11-05 10:00:00

class DataCalls : public ::testing::Test {
 protected:
  sdk::testing::FakeHost host;
  std::unique_ptr<BrokerMock> mock = make_mock(host, scenario_path("test-minimal.json"));
  std::unique_ptr<sdk::BrokerSession> session =
      mock->open_session(login_request(1001, "minimal-pass", "Mock-Server"));
};

TEST_F(DataCalls, account_info_emits_the_account_once) {
  std::vector<mt5b_account_info> emitted;
  mock->account_info(*session, [&](const mt5b_account_info& info) { emitted.push_back(info); });
  ASSERT_EQ(emitted.size(), 1u);
  EXPECT_EQ(emitted[0].struct_size, sizeof(mt5b_account_info));
  EXPECT_EQ(emitted[0].login, 1001);
  EXPECT_EQ(emitted[0].leverage, 100);
  EXPECT_DOUBLE_EQ(emitted[0].balance, 1018.6);
  EXPECT_DOUBLE_EQ(emitted[0].equity, 1028.6);
  EXPECT_EQ(sdk::view(emitted[0].currency), "USD");
  EXPECT_EQ(sdk::view(emitted[0].name), "Minimal Tester");
}

TEST_F(DataCalls, positions_get_emits_each_open_position) {
  std::vector<mt5b_trade_position> positions;
  mock->positions_get(*session, [&](const mt5b_trade_position& p) { positions.push_back(p); });
  ASSERT_EQ(positions.size(), 1u);
  EXPECT_EQ(positions[0].ticket, 603);
  EXPECT_EQ(positions[0].identifier, 603);
  EXPECT_DOUBLE_EQ(positions[0].volume, 0.2);
  EXPECT_EQ(positions[0].time_msc, kOpenEntryTime * 1000);
  EXPECT_EQ(sdk::view(positions[0].symbol), "EURUSD");
}

TEST_F(DataCalls, deals_by_range_include_deals_on_both_edges) {
  EXPECT_THAT(deal_tickets(*mock, *session, range_query(kEntryTime, kExitTime)),
              ElementsAre(12, 13));
  EXPECT_THAT(deal_tickets(*mock, *session, range_query(kEntryTime + 1, kExitTime - 1)), IsEmpty());
  EXPECT_THAT(deal_tickets(*mock, *session, range_query(0, kOpenEntryTime)),
              ElementsAre(11, 12, 13, 14));
}

TEST_F(DataCalls, deals_by_position_ignore_the_range) {
  auto q = position_query(601);
  q.from_broker_s = kOpenEntryTime;  // a range that would exclude them
  q.to_broker_s = kOpenEntryTime;
  EXPECT_THAT(deal_tickets(*mock, *session, q), ElementsAre(12, 13));
  EXPECT_THAT(deal_tickets(*mock, *session, position_query(603)), ElementsAre(14));
  EXPECT_THAT(deal_tickets(*mock, *session, position_query(424242)), IsEmpty());
}

TEST_F(DataCalls, deals_carry_both_times_when_the_file_gives_one) {
  std::map<int64_t, mt5b_trade_deal> deals;
  mock->history_deals_get(*session, range_query(0, kOpenEntryTime),
                          [&](const mt5b_trade_deal& d) { deals[d.ticket] = d; });
  EXPECT_EQ(deals.at(11).time, kDepositTime);
  EXPECT_EQ(deals.at(11).time_msc, kDepositTime * 1000);  // only `time` in the file
  EXPECT_EQ(deals.at(12).time, kEntryTime);               // only `time_msc` in the file
  EXPECT_EQ(deals.at(12).time_msc, kEntryTime * 1000 + 250);
  EXPECT_DOUBLE_EQ(deals.at(13).profit, 20.0);
  EXPECT_EQ(deals.at(13).reason, 5);
  EXPECT_EQ(sdk::view(deals.at(13).comment), "[tp 1.15200]");
}

TEST_F(DataCalls, orders_by_range_use_setup_time_and_by_position_ignore_it) {
  EXPECT_THAT(order_tickets(*mock, *session, range_query(kEntryTime, kExitTime)),
              ElementsAre(601, 602));
  EXPECT_THAT(order_tickets(*mock, *session, position_query(601)), ElementsAre(601, 602));
  EXPECT_THAT(order_tickets(*mock, *session, range_query(kExitTime + 1, kOpenEntryTime)),
              ElementsAre(603));
}

TEST_F(DataCalls, symbol_info_emits_a_known_symbol) {
  std::vector<mt5b_symbol_info> symbols;
  mock->symbol_info(*session, "EURUSD", [&](const mt5b_symbol_info& s) { symbols.push_back(s); });
  ASSERT_EQ(symbols.size(), 1u);
  EXPECT_EQ(symbols[0].digits, 5);
  EXPECT_DOUBLE_EQ(symbols[0].point, 0.00001);
  EXPECT_DOUBLE_EQ(symbols[0].trade_contract_size, 100000.0);
  EXPECT_EQ(sdk::view(symbols[0].currency_profit), "USD");
}

TEST_F(DataCalls, symbol_info_of_an_unknown_symbol_is_not_found) {
  int emitted = 0;
  auto outcome = outcome_of([&] {
    mock->symbol_info(*session, "EURUSD.r", [&](const mt5b_symbol_info&) { ++emitted; });
  });
  EXPECT_EQ(outcome.status, MT5B_NOT_FOUND);
  EXPECT_NE(outcome.message.find("EURUSD.r"), std::string::npos) << outcome.message;
  EXPECT_EQ(emitted, 0);
}

TEST_F(DataCalls, symbol_info_tick_fills_the_last_tick_or_is_not_found) {
  auto tick = sdk::make<mt5b_tick>();
  mock->symbol_info_tick(*session, "EURUSD", tick);
  EXPECT_DOUBLE_EQ(tick.bid, 1.1515);
  EXPECT_DOUBLE_EQ(tick.ask, 1.15162);
  EXPECT_EQ(tick.time_msc, 1762344000500);
  EXPECT_EQ(tick.time, 1762344000);
  EXPECT_EQ(tick.flags, 6u);
  EXPECT_EQ(outcome_of([&] { mock->symbol_info_tick(*session, "GBPUSD", tick); }).status,
            MT5B_NOT_FOUND);
}

TEST_F(DataCalls, a_tick_older_than_an_hour_is_served_live_on_the_servers_clock) {
  // The scenario's EURUSD tick is from 2025-11-05 (broker clock); a year later it is served as
  // a live one: now on the UTC+2 server's clock, the rest of the tick unchanged.
  host.set_now_ms(1'795'000'000'000);
  auto tick = sdk::make<mt5b_tick>();
  mock->symbol_info_tick(*session, "EURUSD", tick);
  EXPECT_EQ(tick.time_msc, 1'795'000'000'000 + 7200 * 1000);
  EXPECT_EQ(tick.time, 1'795'000'000 + 7200);
  EXPECT_DOUBLE_EQ(tick.bid, 1.1515);
}

TEST_F(DataCalls, emitted_strings_stay_valid_after_the_call) {
  mt5b_str symbol{};
  mock->positions_get(*session, [&](const mt5b_trade_position& p) { symbol = p.symbol; });
  session.reset();  // even past the session: the strings live in the loaded scenario
  EXPECT_EQ(sdk::view(symbol), "EURUSD");
}

TEST(DataCallOrder, deals_come_in_time_order_whatever_the_file_order) {
  sdk::testing::FakeHost host;
  auto mock = make_mock(host, scenario_path("demo.json"));
  auto session = mock->open_session(login_request(5001234, "investor-pass-1", "MetaQuotes-Demo"));
  std::vector<int64_t> times;
  mock->history_deals_get(*session, range_query(0, INT64_MAX),
                          [&](const mt5b_trade_deal& d) { times.push_back(d.time_msc); });
  ASSERT_FALSE(times.empty());
  EXPECT_TRUE(std::is_sorted(times.begin(), times.end()));
}

}  // namespace
}  // namespace mt5b::broker_mock
