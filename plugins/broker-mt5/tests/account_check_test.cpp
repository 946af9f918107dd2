// The plugin's account check (docs/mt5-gateway-protocol.md "The account check"): an answer read
// from another account than the one asked for never reaches the caller; the call logs in again.
#include "pool_test_support.hpp"

#include <gtest/gtest.h>

namespace mt5b::broker_mt5::testing {
namespace {

struct AccountCheck : ::testing::Test {
  sdk::testing::FakeHost host;
  std::unique_ptr<FakeGateway> g = gateway_with_accounts();
  std::unique_ptr<BrokerMt5> broker;

  void start(int max_retries) {
    ConfigBuilder config;
    config.gateways = {g.get()};
    config.max_retries = max_retries;
    broker = make_broker(host, config);
  }
  std::vector<int64_t> position_tickets(sdk::BrokerSession& session) {
    std::vector<int64_t> tickets;
    broker->positions_get(session,
                          [&](const mt5b_trade_position& p) { tickets.push_back(p.ticket); });
    return tickets;
  }
};

TEST_F(AccountCheck, an_answer_from_an_account_switched_behind_the_plugin_is_refused_and_retried) {
  start(/*max_retries=*/2);
  auto session = open(*broker, 1001);
  ASSERT_EQ(position_tickets(*session), std::vector<int64_t>{10011});
  // Another client's late login leaves the terminal on 1002; the plugin still thinks 1001.
  g->switch_account(1002);
  EXPECT_EQ(position_tickets(*session), std::vector<int64_t>{10011});  // never 10021
  EXPECT_EQ(g->logins(), (std::vector<int64_t>{1001, 1001}));
  EXPECT_EQ(
      host.metric("mt5bridge_mt5_wrong_account_total", R"(terminal="t1",method="positions_get")"),
      1.0);
  EXPECT_TRUE(host.logged("with the data of account 1002 on 'Fake-Server', not of account 1001"));
  EXPECT_EQ(backends(*broker)["t1"].state, TerminalState::kConnected);
}

TEST_F(AccountCheck, without_retries_the_caller_gets_retry_and_no_records) {
  start(/*max_retries=*/0);
  auto session = open(*broker, 1001);
  g->switch_account(1003);
  std::vector<int64_t> tickets;
  auto outcome = outcome_of([&] { tickets = position_tickets(*session); });
  EXPECT_EQ(outcome.status, MT5B_RETRY);
  EXPECT_TRUE(tickets.empty());
  // The next call logs in again instead of trusting the terminal.
  EXPECT_EQ(position_tickets(*session), std::vector<int64_t>{10011});
}

TEST_F(AccountCheck, an_answer_without_an_account_is_refused) {
  start(/*max_retries=*/0);
  auto session = open(*broker, 1001);
  g->switch_account(4242);  // an account the gateway cannot name
  std::vector<int64_t> tickets;
  auto outcome = outcome_of([&] { tickets = position_tickets(*session); });
  EXPECT_TRUE(tickets.empty());
  EXPECT_EQ(outcome.status, MT5B_RETRY);
  EXPECT_NE(outcome.message.find("an account the gateway could not name"), std::string::npos)
      << outcome.message;
}

}  // namespace
}  // namespace mt5b::broker_mt5::testing
