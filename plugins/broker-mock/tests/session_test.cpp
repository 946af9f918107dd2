// Opening sessions and the knobs that make logins and data calls slow or fail
// (fixtures/knobs.json has one account per knob). Timing bounds are generous on purpose: they
// prove that a wait happened, not how precise it was.
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace mt5b::broker_mock {
namespace {

using namespace test_support;
using std::chrono::milliseconds;

constexpr std::string_view kServer = "Knob-Server";

class Sessions : public ::testing::Test {
 protected:
  sdk::testing::FakeHost host;
  std::unique_ptr<BrokerMock> mock = make_mock(host, fixture_path("knobs.json"));

  Outcome open(int64_t login, std::string_view password, uint32_t timeout_ms = 0,
               std::string_view server = kServer) {
    return outcome_of(
        [&] { mock->open_session(login_request(login, password, server, timeout_ms)); });
  }
  std::unique_ptr<sdk::BrokerSession> session(int64_t login, std::string_view password,
                                              uint32_t timeout_ms = 0) {
    return mock->open_session(login_request(login, password, kServer, timeout_ms));
  }
  Outcome account_info(sdk::BrokerSession& s) {
    return outcome_of([&] { mock->account_info(s, [](const mt5b_account_info&) {}); });
  }
};

TEST_F(Sessions, opens_a_session_with_the_right_password) {
  auto s = session(2001, "healthy-pass");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(account_info(*s).status, MT5B_OK);
}

TEST_F(Sessions, refuses_a_wrong_password_without_repeating_it) {
  auto outcome = open(2001, "not-the-password");
  EXPECT_EQ(outcome.status, MT5B_UNAUTHENTICATED);
  EXPECT_NE(outcome.message.find("MT5 error -6 (RES_E_AUTH_FAILED)"), std::string::npos)
      << outcome.message;
  EXPECT_EQ(outcome.message.find("not-the-password"), std::string::npos) << outcome.message;
  EXPECT_EQ(outcome.message.find("healthy-pass"), std::string::npos) << outcome.message;
}

TEST_F(Sessions, refuses_an_unknown_login_like_a_wrong_password) {
  auto outcome = open(999999, "healthy-pass");
  EXPECT_EQ(outcome.status, MT5B_UNAUTHENTICATED);
  EXPECT_NE(outcome.message.find("-6"), std::string::npos) << outcome.message;
}

TEST_F(Sessions, refuses_an_unknown_server_like_a_wrong_password) {
  auto outcome = open(2001, "healthy-pass", 0, "Other-Server");
  EXPECT_EQ(outcome.status, MT5B_UNAUTHENTICATED);
  EXPECT_NE(outcome.message.find("Other-Server"), std::string::npos) << outcome.message;
}

TEST_F(Sessions, refuses_a_request_without_login_or_server_as_invalid) {
  EXPECT_EQ(open(0, "healthy-pass").status, MT5B_INVALID_ARGUMENT);
  EXPECT_EQ(open(2001, "healthy-pass", 0, "").status, MT5B_INVALID_ARGUMENT);
}

TEST_F(Sessions, auth_knob_refuses_even_the_right_password) {
  auto outcome = open(2002, "auth-knob-pass");
  EXPECT_EQ(outcome.status, MT5B_UNAUTHENTICATED);
  EXPECT_EQ(outcome.message.find("auth-knob-pass"), std::string::npos) << outcome.message;
}

TEST_F(Sessions, timeout_knob_fails_the_login_with_mt5_code_10005) {
  auto outcome = open(2003, "timeout-pass");
  EXPECT_EQ(outcome.status, MT5B_TIMEOUT);
  EXPECT_NE(outcome.message.find("-10005"), std::string::npos) << outcome.message;
}

TEST_F(Sessions, disconnect_knob_fails_the_login_as_unavailable_with_mt5_code_10004) {
  auto outcome = open(2004, "disconnect-pass");
  EXPECT_EQ(outcome.status, MT5B_UNAVAILABLE);
  EXPECT_NE(outcome.message.find("-10004"), std::string::npos) << outcome.message;
}

TEST_F(Sessions, hang_knob_waits_until_the_login_timeout_then_times_out) {
  Outcome outcome;
  auto took = time_of([&] { outcome = open(2005, "hang-pass", 200); });
  EXPECT_EQ(outcome.status, MT5B_TIMEOUT);
  EXPECT_NE(outcome.message.find("200 ms"), std::string::npos) << outcome.message;
  EXPECT_GE(took, milliseconds(200));
  EXPECT_LT(took, milliseconds(5000));
}

TEST_F(Sessions, hang_knob_uses_default_timeout_when_the_login_gives_none) {
  auto quick = make_mock(host, fixture_path("knobs.json"), 150);
  Outcome outcome;
  auto took = time_of([&] {
    outcome = outcome_of([&] { quick->open_session(login_request(2005, "hang-pass", kServer)); });
  });
  EXPECT_EQ(outcome.status, MT5B_TIMEOUT);
  EXPECT_GE(took, milliseconds(150));
  EXPECT_LT(took, milliseconds(5000));
}

TEST_F(Sessions, login_latency_delays_the_login) {
  std::unique_ptr<sdk::BrokerSession> s;
  auto took = time_of([&] { s = session(2006, "slow-login-pass"); });
  EXPECT_NE(s, nullptr);
  EXPECT_GE(took, milliseconds(300));
  EXPECT_LT(took, milliseconds(5000));
  auto healthy = time_of([&] { session(2001, "healthy-pass"); });
  EXPECT_LT(healthy, milliseconds(300));
}

TEST_F(Sessions, login_latency_past_the_deadline_times_out_at_the_deadline) {
  Outcome outcome;
  auto took = time_of([&] { outcome = open(2011, "very-slow-login", 100); });
  EXPECT_EQ(outcome.status, MT5B_TIMEOUT);
  EXPECT_GE(took, milliseconds(100));
  EXPECT_LT(took, milliseconds(4000));  // well before the 5 s latency
}

TEST_F(Sessions, call_latency_delays_every_data_call) {
  auto s = session(2007, "slow-calls-pass");
  auto first = time_of([&] { EXPECT_EQ(account_info(*s).status, MT5B_OK); });
  auto second = time_of([&] { mock->positions_get(*s, [](const mt5b_trade_position&) {}); });
  EXPECT_GE(first, milliseconds(300));
  EXPECT_GE(second, milliseconds(300));
  EXPECT_LT(first + second, milliseconds(10000));
}

TEST_F(Sessions, fail_after_calls_lets_that_many_calls_through_then_fails_every_call) {
  auto s = session(2008, "flaky-pass");
  EXPECT_EQ(account_info(*s).status, MT5B_OK);
  EXPECT_EQ(outcome_of([&] {
              mock->history_deals_get(*s, range_query(0, 1), [](const mt5b_trade_deal&) {});
            }).status,
            MT5B_OK);
  auto third = account_info(*s);
  EXPECT_EQ(third.status, MT5B_UNAVAILABLE);
  EXPECT_NE(third.message.find("-10004"), std::string::npos) << third.message;
  EXPECT_EQ(account_info(*s).status, MT5B_UNAVAILABLE);

  // The count is per session: a fresh session gets its calls again, like a reconnect.
  auto fresh = session(2008, "flaky-pass");
  EXPECT_EQ(account_info(*fresh).status, MT5B_OK);
}

TEST_F(Sessions, fail_calls_timeout_fails_data_calls_but_not_the_login) {
  auto s = session(2009, "call-timeout-pass");
  auto outcome = account_info(*s);
  EXPECT_EQ(outcome.status, MT5B_TIMEOUT);
  EXPECT_NE(outcome.message.find("-10005"), std::string::npos) << outcome.message;
  EXPECT_NE(outcome.message.find("account_info"), std::string::npos) << outcome.message;
}

TEST_F(Sessions, fail_calls_hang_waits_for_the_session_timeout) {
  auto s = session(2010, "call-hang-pass", 150);
  Outcome outcome;
  auto took = time_of([&] {
    outcome = outcome_of([&] { mock->positions_get(*s, [](const mt5b_trade_position&) {}); });
  });
  EXPECT_EQ(outcome.status, MT5B_TIMEOUT);
  EXPECT_GE(took, milliseconds(150));
  EXPECT_LT(took, milliseconds(5000));
}

TEST_F(Sessions, backend_states_reports_one_connected_mock_with_the_open_session_count) {
  auto count_sessions = [&] {
    int64_t sessions = -1;
    int emitted = 0;
    mock->backend_states([&](const mt5b_backend_state& state) {
      ++emitted;
      EXPECT_EQ(state.state, MT5B_BACKEND_CONNECTED);
      EXPECT_EQ(sdk::view(state.name), "mock");
      sessions = state.sessions;
    });
    EXPECT_EQ(emitted, 1);
    return sessions;
  };
  EXPECT_EQ(count_sessions(), 0);
  auto a = session(2001, "healthy-pass");
  auto b = session(2001, "healthy-pass");
  EXPECT_EQ(count_sessions(), 2);
  a.reset();
  EXPECT_EQ(count_sessions(), 1);
  open(2001, "wrong-password");  // a refused login opens nothing
  EXPECT_EQ(count_sessions(), 1);
}

TEST_F(Sessions, serves_many_sessions_on_many_threads_at_once) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 50;
  std::atomic<int> ok{0};
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < kRounds; ++i) {
          auto s = session(2001, "healthy-pass");
          double balance = 0;
          mock->account_info(*s, [&](const mt5b_account_info& info) { balance = info.balance; });
          mock->backend_states([](const mt5b_backend_state&) {});
          if (balance == 100.0) ++ok;
        }
      });
    }
  }
  EXPECT_EQ(ok.load(), kThreads * kRounds);
  EXPECT_EQ(mock->open_session_count(), 0);
}

}  // namespace
}  // namespace mt5b::broker_mock
