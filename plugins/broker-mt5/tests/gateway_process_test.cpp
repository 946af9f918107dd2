// The pool against REAL gateway processes with the fake MetaTrader5 module over loopback TLS:
// a gateway that dies mid-sync and comes back, while the other terminal carries on.
#include "gateway_process.hpp"
#include "pool_test_support.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace mt5b::broker_mt5::testing {
namespace {

const std::string kDemo = std::string(MT5B_SCENARIO_DIR) + "/demo.json";
constexpr int64_t kHedging = 5001234;  // MetaQuotes-Demo, 13 deals, 2 positions
constexpr int64_t kNetting = 7712045;  // Bluewater-Live2

struct Sync {
  mt5b_status status = MT5B_OK;
  std::string message;
  int64_t login = 0;
  size_t positions = 0;
  size_t deals = 0;
};

// One account's sync as the host does it: account_info, positions, deals of all time.
Sync sync(BrokerMt5& broker, sdk::BrokerSession& session) {
  Sync s;
  auto outcome = outcome_of([&] {
    broker.account_info(session, [&](const mt5b_account_info& i) { s.login = i.login; });
    broker.positions_get(session, [&](const mt5b_trade_position&) { ++s.positions; });
    auto q = sdk::make<mt5b_history_query>();
    q.to_broker_s = 4'102'444'800;
    broker.history_deals_get(session, q, [&](const mt5b_trade_deal&) { ++s.deals; });
  });
  s.status = outcome.status;
  s.message = outcome.message;
  return s;
}

class RealGateways : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!gateway_available()) GTEST_SKIP() << "the gateway or python3 is not available";
    token_file_ = cert_.dir() + "/gateway.token";
    std::ofstream(token_file_) << "integration-token-0123456789abcdef\n";
  }

  // Two gateways t1, t2; t1 gets `t1_env` (fake knobs).
  void start(std::map<std::string, std::string> t1_env = {}) {
    t1_ = std::make_unique<GatewayProcess>("t1", cert_, token_file_, kDemo, std::move(t1_env));
    t2_ = std::make_unique<GatewayProcess>("t2", cert_, token_file_, kDemo);
    std::string json = R"({"terminals": [)";
    for (auto* g : {t1_.get(), t2_.get()}) {
      json += std::string(g == t1_.get() ? "" : ",") + R"({"name": ")" +
              (g == t1_.get() ? "t1" : "t2") + R"(", "host": "127.0.0.1", "port": )" +
              std::to_string(g->port()) + R"(, "token_file": ")" + token_file_ +
              R"(", "ca_file": ")" + cert_.cert_file() + R"("})";
    }
    json += R"(], "max_retries": 1, "retry_backoff_ms": [20], "connect_timeout_ms": 2000,
               "call_timeout_ms": 5000, "probe_interval_s": 30})";
    broker_ = std::make_unique<BrokerMt5>(host_.host(), sdk::Config(json));
  }

  std::unique_ptr<sdk::BrokerSession> open_demo(int64_t login) {
    auto password = login == kHedging ? "investor-pass-1" : "Netting#2025";
    auto server = login == kHedging ? "MetaQuotes-Demo" : "Bluewater-Live2";
    return broker_->open_session(login_request(login, password, server));
  }
  TerminalState state(const std::string& name) { return backends(*broker_)[name].state; }

  sdk::testing::FakeHost host_;
  TestCertificate cert_;
  std::string token_file_;
  std::unique_ptr<GatewayProcess> t1_, t2_;
  std::unique_ptr<BrokerMt5> broker_;
};

TEST_F(RealGateways, syncs_accounts_through_two_gateways_over_tls) {
  start();
  auto a = open_demo(kHedging);
  auto b = open_demo(kNetting);
  auto sa = sync(*broker_, *a), sb = sync(*broker_, *b);
  ASSERT_EQ(sa.status, MT5B_OK) << sa.message;
  ASSERT_EQ(sb.status, MT5B_OK) << sb.message;
  EXPECT_EQ(sa.login, kHedging);
  EXPECT_EQ(sa.positions, 2u);
  EXPECT_EQ(sa.deals, 13u);
  EXPECT_EQ(sb.login, kNetting);
  EXPECT_EQ(backends(*broker_)["t1"].sessions, 1);
  EXPECT_EQ(backends(*broker_)["t2"].sessions, 1);
}

TEST_F(RealGateways, a_gateway_killed_mid_sync_and_restarted_is_probed_back_while_the_other_works) {
  // t1's fake terminal dies on its 5th package call: initialize, login and the read of its
  // account, account_info, then the first of positions_get.
  start({{"MT5_FAKE_CRASH_AFTER_CALLS", "4"}});
  auto a = open_demo(kHedging);  // t1
  auto b = open_demo(kNetting);  // t2
  auto lost = sync(*broker_, *a);
  EXPECT_EQ(lost.status, MT5B_UNAVAILABLE) << lost.message;
  EXPECT_EQ(lost.login, kHedging);  // account_info came through before the crash
  EXPECT_FALSE(t1_->running());
  EXPECT_EQ(state("t1"), TerminalState::kDisconnected);
  EXPECT_TRUE(host_.logged("terminal 't1' (127.0.0.1:" + std::to_string(t1_->port()) +
                           "): CONNECTED -> DISCONNECTED"));

  // The other terminal is unaffected.
  auto other = sync(*broker_, *b);
  EXPECT_EQ(other.status, MT5B_OK) << other.message;
  EXPECT_EQ(other.login, kNetting);
  EXPECT_EQ(state("t2"), TerminalState::kConnected);

  t1_->restart();  // same port, no crash knob
  host_.advance_ms(30'001);
  ASSERT_TRUE(eventually([&] { return state("t1") == TerminalState::kConnected; },
                         std::chrono::seconds(10)));
  EXPECT_TRUE(host_.logged("DISCONNECTED -> RECONNECTING"));
  EXPECT_TRUE(host_.logged("RECONNECTING -> CONNECTED"));

  auto again = sync(*broker_, *a);
  ASSERT_EQ(again.status, MT5B_OK) << again.message;
  EXPECT_EQ(again.positions, 2u);
  EXPECT_EQ(again.deals, 13u);
  EXPECT_EQ(backends(*broker_)["t1"].sessions, 1);  // it stayed on its terminal
}

TEST_F(RealGateways, a_gateway_killed_for_good_turns_error_and_new_accounts_go_elsewhere) {
  start();
  auto a = open_demo(kHedging);  // t1
  t1_->kill();
  auto first = sync(*broker_, *a);  // two attempts: the dropped connection, a refused connect
  EXPECT_EQ(first.status, MT5B_UNAVAILABLE);
  a.reset();
  // The third failure in a row marks t1 ERROR; the retry moves to t2 and logs in there.
  auto moved = open_demo(kHedging);
  EXPECT_EQ(state("t1"), TerminalState::kError);
  EXPECT_EQ(sync(*broker_, *moved).status, MT5B_OK);
  EXPECT_EQ(backends(*broker_)["t2"].sessions, 1);
  auto b = open_demo(kNetting);  // a new account avoids t1 too
  EXPECT_EQ(backends(*broker_)["t2"].sessions, 2);
  EXPECT_EQ(backends(*broker_)["t1"].sessions, 0);
}

TEST_F(RealGateways, a_gateway_that_requires_a_client_certificate_admits_only_a_plugin_with_one) {
  TestCertificate client_cert({"DNS:mt5bridge"});
  t1_ = std::make_unique<GatewayProcess>(
      "mtls", cert_, token_file_, kDemo, std::map<std::string, std::string>{},
      std::vector<std::string>{"--client-ca", client_cert.cert_file()});
  auto config = [&](const std::string& extra) {
    return R"({"terminals": [{"name": "t1", "host": "127.0.0.1", "port": )" +
           std::to_string(t1_->port()) + R"(, "token_file": ")" + token_file_ +
           R"(", "ca_file": ")" + cert_.cert_file() + R"(")" + extra +
           R"(}], "max_retries": 0, "connect_timeout_ms": 2000})";
  };
  BrokerMt5 without(host_.host(), sdk::Config(config("")));
  EXPECT_NE(backends(without)["t1"].state, TerminalState::kConnected);

  BrokerMt5 with(
      host_.host(),
      sdk::Config(config(R"(, "client_cert_file": ")" + client_cert.cert_file() +
                         R"(", "client_key_file": ")" + client_cert.key_file() + R"(")")));
  EXPECT_EQ(backends(with)["t1"].state, TerminalState::kConnected);
  auto session = with.open_session(login_request(kNetting, "Netting#2025", "Bluewater-Live2"));
  auto s = sync(with, *session);
  EXPECT_EQ(s.status, MT5B_OK) << s.message;
  EXPECT_EQ(s.login, kNetting);
}

}  // namespace
}  // namespace mt5b::broker_mt5::testing
