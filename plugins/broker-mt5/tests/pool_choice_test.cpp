// Which terminal an account lands on, and that one terminal never runs two calls at once.
#include "pool_test_support.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace mt5b::broker_mt5::testing {
namespace {

struct ThreeTerminals : ::testing::Test {
  sdk::testing::FakeHost host;
  std::vector<std::unique_ptr<FakeGateway>> gateways;
  std::unique_ptr<BrokerMt5> broker;

  void SetUp() override {
    ConfigBuilder config;
    for (int i = 0; i < 3; ++i) {
      gateways.push_back(gateway_with_accounts());
      config.gateways.push_back(gateways.back().get());
    }
    broker = make_broker(host, config);
  }
  // Which gateway (0-based) has logged in `login` most recently; -1 when none holds it.
  int holder(int64_t login) const {
    for (size_t i = 0; i < gateways.size(); ++i)
      if (gateways[i]->current_login() == login) return static_cast<int>(i);
    return -1;
  }
};

TEST_F(ThreeTerminals, new_accounts_take_the_least_recently_used_terminal) {
  for (int64_t login : {1001, 1002, 1003}) open(*broker, login).reset();
  EXPECT_EQ(holder(1001), 0);
  EXPECT_EQ(holder(1002), 1);
  EXPECT_EQ(holder(1003), 2);

  // Using 1001 again makes t1 the most recent: the next new account takes t2.
  auto again = open(*broker, 1001);
  EXPECT_EQ(account_login(*broker, *again), 1001);
  again.reset();
  open(*broker, 1004).reset();
  EXPECT_EQ(holder(1004), 1);
}

TEST_F(ThreeTerminals, an_account_returns_to_the_terminal_that_still_holds_it_without_a_login) {
  open(*broker, 1001).reset();
  open(*broker, 1002).reset();
  auto session = open(*broker, 1001);
  EXPECT_EQ(account_login(*broker, *session), 1001);
  EXPECT_EQ(gateways[0]->logins(), (std::vector<int64_t>{1001}));
  EXPECT_EQ(gateways[1]->logins(), (std::vector<int64_t>{1002}));
}

TEST_F(ThreeTerminals, an_account_stays_on_its_last_terminal_when_that_one_is_free) {
  open(*broker, 1001).reset();  // t1
  open(*broker, 1002).reset();  // t2
  open(*broker, 1003).reset();  // t3
  open(*broker, 1004).reset();  // t1 again (least recently used): 1001 is logged out there
  open(*broker, 1001).reset();  // back to t1, although t2 is now the least recently used
  EXPECT_EQ(gateways[0]->logins(), (std::vector<int64_t>{1001, 1004, 1001}));
  EXPECT_TRUE(gateways[1]->logins() == std::vector<int64_t>{1002});
}

TEST_F(ThreeTerminals, a_new_account_avoids_terminals_with_open_sessions) {
  auto a = open(*broker, 1001);  // t1, kept open
  auto b = open(*broker, 1002);  // t2, kept open
  open(*broker, 1003).reset();   // t3
  auto d = open(*broker, 1004);  // t3: t1 and t2 have open sessions although less recent
  EXPECT_EQ(holder(1004), 2);
  auto sessions = backends(*broker);
  EXPECT_EQ(sessions["t1"].sessions, 1);
  EXPECT_EQ(sessions["t2"].sessions, 1);
  EXPECT_EQ(sessions["t3"].sessions, 1);
}

TEST_F(ThreeTerminals, closing_a_session_frees_its_place_on_the_terminal) {
  auto a = open(*broker, 1001);
  EXPECT_EQ(backends(*broker)["t1"].sessions, 1);
  a.reset();
  EXPECT_EQ(backends(*broker)["t1"].sessions, 0);
  EXPECT_EQ(host.metric("mt5bridge_mt5_terminal_sessions", R"(terminal="t1")"), 0.0);
}

TEST(OneTerminal, a_call_logs_its_account_in_again_after_another_account_took_the_terminal) {
  sdk::testing::FakeHost host;
  auto gateway = gateway_with_accounts();
  ConfigBuilder config;
  config.gateways = {gateway.get()};
  auto broker = make_broker(host, config);
  auto a = open(*broker, 1001);
  auto b = open(*broker, 1002);
  EXPECT_EQ(account_login(*broker, *a), 1001);
  EXPECT_EQ(account_login(*broker, *b), 1002);
  EXPECT_EQ(gateway->logins(), (std::vector<int64_t>{1001, 1002, 1001, 1002}));
}

TEST(OneTerminal, calls_of_many_threads_on_one_terminal_never_overlap) {
  sdk::testing::FakeHost host;
  auto gateway = gateway_with_accounts();
  gateway->set_latency("account_info", std::chrono::milliseconds(5));
  gateway->set_latency("login", std::chrono::milliseconds(5));
  ConfigBuilder config;
  config.gateways = {gateway.get()};
  auto broker = make_broker(host, config);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int64_t login = 1001; login <= 1004; ++login) {
    threads.emplace_back([&, login] {
      auto s = open(*broker, login);
      for (int i = 0; i < 5; ++i)
        if (account_login(*broker, *s) != login) ++wrong;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);  // every answer is for the session's own account
  EXPECT_EQ(gateway->max_in_flight(), 1);
  EXPECT_EQ(gateway->count("account_info"), 20);
}

}  // namespace
}  // namespace mt5b::broker_mt5::testing
