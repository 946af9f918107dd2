// Which failures are retried, how long the pool waits between tries, and that a refused
// password is never retried.
#include "call_failure.hpp"
#include "pool_test_support.hpp"

#include <gtest/gtest.h>

namespace mt5b::broker_mt5::testing {
namespace {

using std::chrono::milliseconds;

TEST(FailurePolicy, ipc_failures_timeouts_busy_and_network_errors_are_retried) {
  for (int code : {-10003, -10004, -10005})
    EXPECT_TRUE(policy_for(FailureKind::kMt5, code).retry) << code;
  for (auto kind : {FailureKind::kTimeout, FailureKind::kBusy, FailureKind::kNetwork,
                    FailureKind::kDeadline, FailureKind::kQueue})
    EXPECT_TRUE(policy_for(kind, 0).retry) << failure_kind_name(kind);
}

TEST(FailurePolicy, a_refused_password_is_unauthenticated_and_never_retried) {
  auto p = policy_for(FailureKind::kMt5, -6);
  EXPECT_FALSE(p.retry);
  EXPECT_FALSE(p.terminal_trouble);
  EXPECT_EQ(p.status, MT5B_UNAUTHENTICATED);
}

TEST(FailurePolicy, requests_the_gateway_refuses_are_not_retried) {
  for (auto kind : {FailureKind::kAuth, FailureKind::kProtocol, FailureKind::kInternal,
                    FailureKind::kCertificate, FailureKind::kNoTerminal})
    EXPECT_FALSE(policy_for(kind, 0).retry) << failure_kind_name(kind);
  EXPECT_EQ(policy_for(FailureKind::kMt5, -4).status, MT5B_NOT_FOUND);
  EXPECT_FALSE(policy_for(FailureKind::kMt5, -1).retry);
}

TEST(FailurePolicy, ipc_timeouts_reach_the_caller_as_timeout_and_lost_connections_as_unavailable) {
  EXPECT_EQ(policy_for(FailureKind::kMt5, -10005).status, MT5B_TIMEOUT);
  EXPECT_EQ(policy_for(FailureKind::kMt5, -10004).status, MT5B_UNAVAILABLE);
  EXPECT_EQ(policy_for(FailureKind::kNetwork, 0).status, MT5B_UNAVAILABLE);
  EXPECT_EQ(policy_for(FailureKind::kBusy, 0).status, MT5B_RETRY);
}

TEST(Backoff, defaults_to_one_two_four_seconds_and_repeats_the_last_wait) {
  PoolSettings s;
  EXPECT_EQ(s.backoff_before_retry(0), milliseconds(1000));
  EXPECT_EQ(s.backoff_before_retry(1), milliseconds(2000));
  EXPECT_EQ(s.backoff_before_retry(2), milliseconds(4000));
  EXPECT_EQ(s.backoff_before_retry(7), milliseconds(4000));
}

struct RetryingBroker : ::testing::Test {
  sdk::testing::FakeHost host;
  std::unique_ptr<FakeGateway> gateway = gateway_with_accounts();
  ConfigBuilder config;
  std::unique_ptr<BrokerMt5> broker;

  void start(int max_retries, std::string backoff) {
    config.gateways = {gateway.get()};
    config.max_retries = max_retries;
    config.backoff = std::move(backoff);
    broker = make_broker(host, config);
  }
};

TEST_F(RetryingBroker, transient_failures_are_retried_after_each_backoff_then_succeed) {
  start(3, R"(["40", "80", "160"])");
  auto session = open(*broker, 1001);
  gateway->fail("account_info", 1, {"mt5", -10004, "No IPC connection"});
  gateway->fail("account_info", 1, {"timeout", 0, "deadline passed"});
  int64_t login = 0;
  auto took = time_of([&] { login = account_login(*broker, *session); });
  EXPECT_EQ(login, 1001);
  EXPECT_EQ(gateway->count("account_info"), 3);
  EXPECT_GE(took, milliseconds(40 + 80));
  EXPECT_LT(took, milliseconds(40 + 80 + 160));
  EXPECT_EQ(
      host.metric("mt5bridge_mt5_gateway_retries_total", R"(terminal="t1",method="account_info")"),
      2.0);
}

TEST_F(RetryingBroker, a_refused_password_returns_at_once_and_is_never_retried) {
  start(3, R"([200, 200, 200])");
  Outcome outcome;
  auto took = time_of([&] {
    outcome = outcome_of([&] { broker->open_session(login_request(1001, "wrong-password")); });
  });
  EXPECT_EQ(outcome.status, MT5B_UNAUTHENTICATED);
  EXPECT_NE(outcome.message.find("-6"), std::string::npos) << outcome.message;
  EXPECT_EQ(gateway->logins().size(), 1u);
  EXPECT_LT(took, milliseconds(200));
}

TEST_F(RetryingBroker, a_refused_password_on_a_data_call_relogin_is_not_retried_either) {
  start(3, R"([200, 200, 200])");
  auto a = open(*broker, 1001);
  auto b = open(*broker, 1002);  // takes the only terminal: a's next call must log in again
  gateway->fail("login", 1, {"mt5", -6, "Authorization failed"});
  auto outcome = outcome_of([&] { account_login(*broker, *a); });
  EXPECT_EQ(outcome.status, MT5B_UNAUTHENTICATED);
  EXPECT_EQ(gateway->count("login"), 3);  // 1001, 1002, and the one refused re-login
}

TEST_F(RetryingBroker, retries_stop_after_max_retries_with_the_last_failure) {
  start(2, R"([5])");
  auto session = open(*broker, 1001);
  gateway->fail("positions_get", 10, {"mt5", -10005, "IPC timeout"});
  auto outcome =
      outcome_of([&] { broker->positions_get(*session, [](const mt5b_trade_position&) {}); });
  EXPECT_EQ(outcome.status, MT5B_TIMEOUT);
  EXPECT_EQ(gateway->count("positions_get"), 3);
  EXPECT_NE(outcome.message.find("after 3 attempts"), std::string::npos) << outcome.message;
  EXPECT_NE(outcome.message.find("RES_E_INTERNAL_FAIL_TIMEOUT"), std::string::npos);
}

TEST_F(RetryingBroker, an_unknown_symbol_is_not_found_and_not_retried) {
  start(3, R"([5])");
  auto session = open(*broker, 1001);
  auto outcome =
      outcome_of([&] { broker->symbol_info(*session, "NOPE", [](const mt5b_symbol_info&) {}); });
  EXPECT_EQ(outcome.status, MT5B_NOT_FOUND);
  EXPECT_EQ(gateway->count("symbol_info"), 1);
}

TEST_F(RetryingBroker, a_login_open_gives_up_when_its_timeout_would_pass_during_a_backoff) {
  start(3, R"([500])");
  gateway->fail("login", 5, {"mt5", -10004, "No IPC connection"});
  auto request = login_request(1001, "pass-1001");
  request.timeout_ms = 300;
  Outcome outcome;
  auto took = time_of([&] { outcome = outcome_of([&] { broker->open_session(request); }); });
  EXPECT_EQ(outcome.status, MT5B_UNAVAILABLE);
  EXPECT_EQ(gateway->count("login"), 1);
  EXPECT_LT(took, milliseconds(300));
}

TEST_F(RetryingBroker, a_gateway_that_never_answers_times_out_and_the_next_call_reconnects) {
  config.call_timeout_ms = 100;
  start(0, R"([5])");
  auto session = open(*broker, 1001);
  gateway->hang("account_info", 1);
  Outcome outcome;
  auto took = time_of([&] { outcome = outcome_of([&] { account_login(*broker, *session); }); });
  EXPECT_EQ(outcome.status, MT5B_TIMEOUT);
  EXPECT_GE(took, milliseconds(100));
  EXPECT_LT(took, milliseconds(100) + kAnswerGrace + milliseconds(500));
  EXPECT_EQ(account_login(*broker, *session), 1001);
  EXPECT_EQ(gateway->count("hello"), 2);  // a fresh connection after the silent one
}

}  // namespace
}  // namespace mt5b::broker_mt5::testing
