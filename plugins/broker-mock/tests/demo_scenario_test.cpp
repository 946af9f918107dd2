// config/scenarios/demo.json: it loads, it is internally consistent (so tests downstream can
// trust its numbers), and it contains the cases it promises.
#include "scenario_loader.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace mt5b::broker_mock {
namespace {

using namespace test_support;

constexpr int64_t kHedgingLogin = 5001234;
constexpr int64_t kNettingLogin = 7712045;
constexpr int64_t kTimeoutLogin = 5009876;

class DemoScenario : public ::testing::Test {
 protected:
  std::unique_ptr<const Scenario> scenario = load_scenario_file(scenario_path("demo.json"));

  const Account& account(int64_t login) const {
    for (const auto& a : scenario->accounts)
      if (a.login == login) return a;
    throw std::runtime_error("demo.json lacks login " + std::to_string(login));
  }
};

double cents(double money) {
  return std::round(money * 100.0) / 100.0;
}

TEST_F(DemoScenario, loads_three_accounts_on_a_utc_plus_2_and_a_utc_plus_3_server) {
  ASSERT_EQ(scenario->accounts.size(), 3u);
  ASSERT_NE(scenario->find_server("MetaQuotes-Demo"), nullptr);
  EXPECT_EQ(scenario->find_server("MetaQuotes-Demo")->utc_offset_s, 7200);
  ASSERT_NE(scenario->find_server("Bluewater-Live2"), nullptr);
  EXPECT_EQ(scenario->find_server("Bluewater-Live2")->utc_offset_s, 10800);
  for (const auto& a : scenario->accounts) EXPECT_GE(a.password.size(), 6u) << a.login;
}

TEST_F(DemoScenario, every_balance_equals_the_sum_of_its_deals) {
  // Deposits and withdrawals are BALANCE deals' profit; trades add profit, swap, commission
  // and fee, including the entry commission of positions still open.
  for (const auto& a : scenario->accounts) {
    double sum = 0;
    for (const auto& d : a.deals) sum += d.profit + d.swap + d.commission + d.fee;
    EXPECT_DOUBLE_EQ(cents(sum), a.account_info.balance) << a.login;
  }
}

TEST_F(DemoScenario, equity_and_free_margin_follow_from_balance_and_open_positions) {
  for (const auto& a : scenario->accounts) {
    const auto& info = a.account_info;
    double floating = 0, profit = 0;
    for (const auto& p : a.positions) {
      floating += p.profit + p.swap;
      profit += p.profit;
    }
    EXPECT_DOUBLE_EQ(cents(info.balance + info.credit + floating), info.equity) << a.login;
    EXPECT_DOUBLE_EQ(cents(profit), info.profit) << a.login;
    EXPECT_DOUBLE_EQ(cents(info.equity - info.margin), info.margin_free) << a.login;
  }
}

TEST_F(DemoScenario, every_trade_deal_links_to_its_order_and_position) {
  for (const auto& a : scenario->accounts) {
    std::set<int64_t> orders;
    for (const auto& o : a.orders) orders.insert(o.ticket);
    for (const auto& d : a.deals) {
      if (d.type != 0 && d.type != 1) continue;  // only BUY/SELL deals belong to positions
      EXPECT_NE(d.position_id, 0) << "deal " << d.ticket;
      EXPECT_TRUE(orders.contains(d.order)) << "deal " << d.ticket;
      EXPECT_TRUE(a.symbols.contains(sdk::view(d.symbol))) << "deal " << d.ticket;
    }
    for (const auto& p : a.positions) {
      bool has_entry = false;
      for (const auto& d : a.deals)
        has_entry |= d.position_id == p.identifier && (d.entry == 0 || d.entry == 2);
      EXPECT_TRUE(has_entry) << "position " << p.ticket;
    }
  }
}

TEST_F(DemoScenario, hedging_account_has_a_partial_close_sl_tp_exits_deposit_and_withdrawal) {
  const auto& a = account(kHedgingLogin);
  EXPECT_EQ(a.account_info.margin_mode, 2);
  EXPECT_EQ(a.symbols.at("EURUSD").digits, 5);
  EXPECT_EQ(a.symbols.at("USDJPY").digits, 3);
  EXPECT_EQ(a.symbols.at("XAUUSD").digits, 2);
  EXPECT_EQ(a.symbols.at("US30").trade_calc_mode, 3);  // CFDINDEX

  std::map<int64_t, std::vector<std::pair<int, double>>> legs;  // position -> (entry, volume)
  std::set<int64_t> charged_on_entry, charged_on_exit;
  std::set<int> exit_reasons;
  bool deposit = false, withdrawal = false, swap = false;
  for (const auto& d : a.deals) {
    if (d.type == 2) (d.profit > 0 ? deposit : withdrawal) = true;
    if (d.type > 1) continue;
    legs[d.position_id].emplace_back(d.entry, d.volume);
    if (d.commission < 0) (d.entry == 0 ? charged_on_entry : charged_on_exit).insert(d.position_id);
    if (d.entry == 1) exit_reasons.insert(d.reason);
    swap |= d.swap != 0;
  }
  std::vector<std::pair<int, double>> partial{{0, 1.0}, {1, 0.4}, {1, 0.6}};
  bool has_partial = false;
  for (const auto& [position, entries] : legs) has_partial |= entries == partial;
  bool commission_both_ways = false;
  for (auto position : charged_on_exit) commission_both_ways |= charged_on_entry.contains(position);
  EXPECT_TRUE(has_partial);
  EXPECT_TRUE(exit_reasons.contains(4)) << "a stop-loss exit";
  EXPECT_TRUE(exit_reasons.contains(5)) << "a take-profit exit";
  EXPECT_TRUE(deposit);
  EXPECT_TRUE(withdrawal);
  EXPECT_TRUE(commission_both_ways);
  EXPECT_TRUE(swap);
  EXPECT_GE(a.positions.size(), 2u);
}

TEST_F(DemoScenario, netting_account_reverses_a_position_with_an_inout_deal) {
  const auto& a = account(kNettingLogin);
  EXPECT_EQ(a.account_info.margin_mode, 0);
  int reversals = 0;
  for (const auto& d : a.deals) reversals += d.entry == 2;
  EXPECT_EQ(reversals, 1);
}

TEST_F(DemoScenario, third_account_times_out_at_login) {
  sdk::testing::FakeHost host;
  auto mock = make_mock(host, scenario_path("demo.json"));
  auto request = login_request(kTimeoutLogin, "timeout-pass-3", "MetaQuotes-Demo");
  auto outcome = outcome_of([&] { mock->open_session(request); });
  EXPECT_EQ(outcome.status, MT5B_TIMEOUT);
  EXPECT_NE(outcome.message.find("-10005"), std::string::npos) << outcome.message;
}

TEST_F(DemoScenario, account_info_of_a_session_matches_the_file) {
  // Read the file independently of the loader, so a loader bug cannot hide itself.
  std::ifstream in(scenario_path("demo.json"));
  std::stringstream text;
  text << in.rdbuf();
  rapidjson::Document doc;
  doc.Parse(text.str().c_str());
  ASSERT_FALSE(doc.HasParseError());
  const auto& expected = doc["accounts"][0]["account_info"];

  sdk::testing::FakeHost host;
  auto mock = make_mock(host, scenario_path("demo.json"));
  auto session =
      mock->open_session(login_request(kHedgingLogin, "investor-pass-1", "MetaQuotes-Demo"));
  int emitted = 0;
  mock->account_info(*session, [&](const mt5b_account_info& info) {
    ++emitted;
    EXPECT_EQ(info.login, expected["login"].GetInt64());
    EXPECT_EQ(info.leverage, expected["leverage"].GetInt64());
    EXPECT_EQ(info.margin_mode, expected["margin_mode"].GetInt());
    EXPECT_DOUBLE_EQ(info.balance, expected["balance"].GetDouble());
    EXPECT_DOUBLE_EQ(info.equity, expected["equity"].GetDouble());
    EXPECT_DOUBLE_EQ(info.margin_level, expected["margin_level"].GetDouble());
    EXPECT_EQ(sdk::view(info.name), expected["name"].GetString());
    EXPECT_EQ(sdk::view(info.server), "MetaQuotes-Demo");
    EXPECT_EQ(sdk::view(info.currency), "USD");
    EXPECT_EQ(sdk::view(info.company), expected["company"].GetString());
  });
  EXPECT_EQ(emitted, 1);
}

}  // namespace
}  // namespace mt5b::broker_mock
