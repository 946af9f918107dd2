// Sessions and terminal logins unused for session_idle_s are released by the maintenance
// thread; the next call logs in again.
#include "pool_test_support.hpp"

#include <gtest/gtest.h>

namespace mt5b::broker_mt5::testing {
namespace {

struct IdleRelease : ::testing::Test {
  sdk::testing::FakeHost host;
  std::unique_ptr<FakeGateway> gateway = gateway_with_accounts();
  std::unique_ptr<BrokerMt5> broker;

  void SetUp() override {
    ConfigBuilder config;
    config.gateways = {gateway.get()};
    config.session_idle_s = 300;
    config.probe_interval_s = 3600;  // keep probes out of the way
    broker = make_broker(host, config);
  }
  int64_t sessions() { return backends(*broker)["t1"].sessions; }
};

TEST_F(IdleRelease, a_session_idle_past_the_limit_is_released_and_its_next_call_logs_in_again) {
  auto session = open(*broker, 1001);
  ASSERT_EQ(sessions(), 1);
  host.advance_ms(301'000);
  ASSERT_TRUE(eventually([&] { return sessions() == 0; }));
  EXPECT_TRUE(host.logged("released the idle session of account 1001"));
  EXPECT_TRUE(host.logged("terminal 't1' released idle account 1001"));

  EXPECT_EQ(account_login(*broker, *session), 1001);
  EXPECT_EQ(sessions(), 1);
  EXPECT_EQ(gateway->logins(), (std::vector<int64_t>{1001, 1001}));
}

TEST_F(IdleRelease, a_session_in_use_is_kept) {
  auto session = open(*broker, 1001);
  host.advance_ms(200'000);
  EXPECT_EQ(account_login(*broker, *session), 1001);
  host.advance_ms(200'000);  // 400 s since the open, 200 s since the last call
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a few maintenance ticks
  EXPECT_EQ(sessions(), 1);
  EXPECT_EQ(account_login(*broker, *session), 1001);
  EXPECT_EQ(gateway->logins(), (std::vector<int64_t>{1001}));
}

TEST_F(IdleRelease, an_idle_login_is_checked_with_the_broker_again_on_the_next_open) {
  open(*broker, 1001).reset();
  open(*broker, 1001).reset();  // the terminal still holds it: no login
  EXPECT_EQ(gateway->logins().size(), 1u);
  host.advance_ms(301'000);
  ASSERT_TRUE(eventually([&] { return host.logged("released idle account 1001"); }));
  open(*broker, 1001).reset();
  EXPECT_EQ(gateway->logins().size(), 2u);
}

}  // namespace
}  // namespace mt5b::broker_mt5::testing
