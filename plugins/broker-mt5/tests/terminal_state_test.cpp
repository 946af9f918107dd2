// The terminal state machine: CONNECTED / DISCONNECTED / ERROR / RECONNECTING, the
// three-failures rule, the probe that brings a terminal back, and isolation between terminals.
#include "pool_test_support.hpp"

#include <gtest/gtest.h>

#include <future>

namespace mt5b::broker_mt5::testing {
namespace {

using std::chrono::milliseconds;

struct TwoTerminals : ::testing::Test {
  sdk::testing::FakeHost host;
  std::unique_ptr<FakeGateway> g1 = gateway_with_accounts();
  std::unique_ptr<FakeGateway> g2 = gateway_with_accounts();
  ConfigBuilder config;
  std::unique_ptr<BrokerMt5> broker;

  void start(int max_retries = 0) {
    config.gateways = {g1.get(), g2.get()};
    config.max_retries = max_retries;
    broker = make_broker(host, config);
  }
  TerminalState state(const std::string& name) { return backends(*broker)[name].state; }
  // The probe runs on the host clock: move it past the interval and wait for the thread.
  void let_probe_run() { host.advance_ms(config.probe_interval_s * 1000 + 1); }
};

TEST_F(TwoTerminals, terminals_whose_gateway_answers_start_connected_and_the_change_is_logged) {
  start();
  EXPECT_EQ(state("t1"), TerminalState::kConnected);
  EXPECT_EQ(state("t2"), TerminalState::kConnected);
  EXPECT_TRUE(host.logged("terminal 't1' (127.0.0.1:" + std::to_string(g1->port()) +
                          "): DISCONNECTED -> RECONNECTING"));
  EXPECT_TRUE(host.logged("terminal 't1' (127.0.0.1:" + std::to_string(g1->port()) +
                          "): RECONNECTING -> CONNECTED"));
  EXPECT_EQ(host.metric("mt5bridge_mt5_terminal_state", R"(terminal="t1")"),
            static_cast<double>(MT5B_BACKEND_CONNECTED));
}

TEST_F(TwoTerminals, a_gateway_that_is_down_at_start_leaves_its_terminal_disconnected) {
  g2->stop();
  start();
  EXPECT_EQ(state("t1"), TerminalState::kConnected);
  EXPECT_EQ(state("t2"), TerminalState::kDisconnected);
  EXPECT_NE(backends(*broker)["t2"].last_error.find("cannot connect"), std::string::npos);
}

TEST_F(TwoTerminals, three_failures_in_a_row_mark_a_terminal_error) {
  start(/*max_retries=*/2);
  auto session = open(*broker, 1001);  // t1
  g1->fail("account_info", 3, {"mt5", -10004, "No IPC connection"});
  auto outcome = outcome_of([&] { account_login(*broker, *session); });
  EXPECT_EQ(outcome.status, MT5B_UNAVAILABLE);
  auto t1 = backends(*broker)["t1"];
  EXPECT_EQ(t1.state, TerminalState::kError);
  EXPECT_NE(t1.last_error.find("-10004"), std::string::npos) << t1.last_error;
  EXPECT_TRUE(host.logged("CONNECTED -> ERROR"));
  EXPECT_EQ(state("t2"), TerminalState::kConnected);
}

TEST_F(TwoTerminals, two_failures_and_a_success_keep_a_terminal_connected) {
  start(/*max_retries=*/2);
  auto session = open(*broker, 1001);
  g1->fail("account_info", 2, {"busy", 0, "an earlier call is still running"});
  EXPECT_EQ(account_login(*broker, *session), 1001);
  EXPECT_EQ(state("t1"), TerminalState::kConnected);
  g1->fail("account_info", 2, {"busy", 0, "an earlier call is still running"});
  EXPECT_EQ(account_login(*broker, *session), 1001);  // the count started again from zero
  EXPECT_EQ(state("t1"), TerminalState::kConnected);
}

TEST_F(TwoTerminals, new_accounts_avoid_a_terminal_in_error) {
  start(/*max_retries=*/2);
  auto first = open(*broker, 1001);
  g1->fail("account_info", 3, {"mt5", -10003, "IPC initialize failed"});
  outcome_of([&] { account_login(*broker, *first); });
  ASSERT_EQ(state("t1"), TerminalState::kError);
  first.reset();
  open(*broker, 1002).reset();
  open(*broker, 1003).reset();
  EXPECT_EQ(g1->logins(), (std::vector<int64_t>{1001}));
  EXPECT_EQ(g2->logins(), (std::vector<int64_t>{1002, 1003}));
}

TEST_F(TwoTerminals, a_session_on_a_terminal_in_error_moves_to_a_healthy_one) {
  start(/*max_retries=*/3);
  auto session = open(*broker, 1001);  // t1
  g1->fail("account_info", 3, {"mt5", -10004, "No IPC connection"});
  // Three failures mark t1 ERROR; the fourth attempt goes to t2 and logs in there.
  EXPECT_EQ(account_login(*broker, *session), 1001);
  EXPECT_EQ(g2->logins(), (std::vector<int64_t>{1001}));
  EXPECT_TRUE(host.logged("moving the session of account 1001"));
}

TEST_F(TwoTerminals, a_lost_gateway_disconnects_its_terminal_and_the_probe_brings_it_back) {
  start(/*max_retries=*/2);
  auto session = open(*broker, 1001);  // t1
  g1->stop();
  auto outcome = outcome_of([&] { account_login(*broker, *session); });
  EXPECT_EQ(outcome.status, MT5B_UNAVAILABLE);
  EXPECT_EQ(state("t1"), TerminalState::kError);  // three failed connects in a row
  EXPECT_TRUE(host.logged("CONNECTED -> DISCONNECTED"));
  EXPECT_TRUE(host.logged("-> ERROR"));

  g1->start();
  let_probe_run();
  ASSERT_TRUE(eventually([&] { return state("t1") == TerminalState::kConnected; }));
  EXPECT_TRUE(host.logged("ERROR -> RECONNECTING"));
  EXPECT_EQ(backends(*broker)["t1"].sessions + backends(*broker)["t2"].sessions, 1);
  EXPECT_EQ(account_login(*broker, *session), 1001);
}

TEST_F(TwoTerminals, the_probe_reattaches_a_terminal_that_reports_itself_uninitialised) {
  start();
  g1->detach_terminal();
  let_probe_run();
  ASSERT_TRUE(eventually([&] { return g1->count("initialize") == 1; }));
  EXPECT_EQ(state("t1"), TerminalState::kConnected);
}

TEST_F(TwoTerminals, losing_one_terminal_mid_call_fails_only_the_calls_on_it) {
  config.call_timeout_ms = 3000;
  start(/*max_retries=*/0);
  auto a = open(*broker, 1001);  // t1
  auto b = open(*broker, 1002);  // t2
  g1->hang("account_info", 1);
  auto stuck = std::async(std::launch::async,
                          [&] { return outcome_of([&] { account_login(*broker, *a); }); });
  ASSERT_TRUE(eventually([&] { return g1->count("account_info") == 1; }));
  // While t1 hangs, t2 answers as usual.
  auto took = time_of([&] { EXPECT_EQ(account_login(*broker, *b), 1002); });
  EXPECT_LT(took, milliseconds(1000));
  g1->stop();  // the gateway dies with the call in flight
  auto outcome = stuck.get();
  EXPECT_EQ(outcome.status, MT5B_UNAVAILABLE) << outcome.message;
  EXPECT_EQ(state("t1"), TerminalState::kDisconnected);
  EXPECT_EQ(state("t2"), TerminalState::kConnected);
  EXPECT_EQ(account_login(*broker, *b), 1002);
}

TEST_F(TwoTerminals, calls_are_counted_and_timed_per_terminal_and_method) {
  start();
  auto session = open(*broker, 1001);
  account_login(*broker, *session);
  EXPECT_EQ(
      host.metric("mt5bridge_mt5_gateway_calls_total", R"(terminal="t1",method="account_info")"),
      1.0);
  EXPECT_EQ(host.observations("mt5bridge_mt5_gateway_call_duration_seconds",
                              R"(terminal="t1",method="login")")
                .size(),
            1u);
  g1->fail("account_info", 1, {"mt5", -1, "generic failure"});
  outcome_of([&] { account_login(*broker, *session); });
  EXPECT_EQ(host.metric("mt5bridge_mt5_gateway_errors_total",
                        R"(terminal="t1",method="account_info",kind="mt5")"),
            1.0);
}

TEST_F(TwoTerminals, backend_states_report_every_terminal_with_its_sessions) {
  start();
  auto session = open(*broker, 1001);
  std::vector<std::pair<std::string, int64_t>> seen;
  broker->backend_states([&](const mt5b_backend_state& s) {
    EXPECT_EQ(s.state, MT5B_BACKEND_CONNECTED);
    seen.emplace_back(sdk::copy(s.name), s.sessions);
  });
  EXPECT_EQ(seen, (std::vector<std::pair<std::string, int64_t>>{{"t1", 1}, {"t2", 0}}));
}

}  // namespace
}  // namespace mt5b::broker_mt5::testing
