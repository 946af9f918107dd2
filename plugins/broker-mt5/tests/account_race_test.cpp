// Two plugin instances (two clients) share one REAL gateway process and its fake terminal while
// logins time out and complete late. Every record a client receives must belong to the account
// it asked for (docs/mt5-gateway-protocol.md "The account check").
#include "gateway_process.hpp"
#include "pool_test_support.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <atomic>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

namespace mt5b::broker_mt5::testing {
namespace {

const std::string kDemo = std::string(MT5B_SCENARIO_DIR) + "/demo.json";
constexpr int64_t kAlice = 5001234;  // MetaQuotes-Demo; here its login takes 1.5 s
constexpr int64_t kBob = 7712045;    // Bluewater-Live2

// The tickets of each account's positions and deals in the scenario: which account a record
// really belongs to.
struct Owners {
  std::map<int64_t, int64_t> position, deal;
};

// demo.json with Alice's login slowed to 1.5 s; fills `owners` from it.
std::string slow_alice_scenario(const std::string& dir, Owners& owners) {
  std::ifstream in(kDemo);
  std::stringstream text;
  text << in.rdbuf();
  rapidjson::Document doc;
  doc.Parse(text.str().c_str());
  for (auto& account : doc["accounts"].GetArray()) {
    int64_t login = account["login"].GetInt64();
    for (auto& p : account["positions"].GetArray()) owners.position[p["ticket"].GetInt64()] = login;
    for (auto& d : account["deals"].GetArray()) owners.deal[d["ticket"].GetInt64()] = login;
    if (login == kAlice) account["knobs"]["login_latency_ms"].SetInt(1500);
  }
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  doc.Accept(w);
  auto path = dir + "/slow-alice.json";
  std::ofstream(path) << out.GetString();
  return path;
}

// What one client received, stored under the account of the session it came through.
struct Stored {
  std::map<int64_t, std::vector<int64_t>> account_logins, positions, deals;
  int synced = 0, failed = 0;
};

class AccountRace : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!gateway_available()) GTEST_SKIP() << "the gateway or python3 is not available";
    token_file_ = cert_.dir() + "/gateway.token";
    std::ofstream(token_file_) << "integration-token-0123456789abcdef\n";
    // A login the package gives up on still completes in the terminal later.
    gateway_ = std::make_unique<GatewayProcess>(
        "race", cert_, token_file_, slow_alice_scenario(cert_.dir(), owners_),
        std::map<std::string, std::string>{{"MT5_FAKE_LATE_LOGIN", "1"}});
  }

  std::unique_ptr<BrokerMt5> client(sdk::testing::FakeHost& host, int login_timeout_ms,
                                    int max_retries) {
    std::string json = R"({"terminals": [{"name": "t1", "host": "127.0.0.1", "port": )" +
                       std::to_string(gateway_->port()) + R"(, "token_file": ")" + token_file_ +
                       R"(", "ca_file": ")" + cert_.cert_file() + R"("}], "max_retries": )" +
                       std::to_string(max_retries) +
                       R"(, "retry_backoff_ms": [20], "connect_timeout_ms": 2000,
                          "call_timeout_ms": 5000, "probe_interval_s": 30,
                          "login_timeout_ms": )" +
                       std::to_string(login_timeout_ms) + "}";
    return std::make_unique<BrokerMt5>(host.host(), sdk::Config(json));
  }

  static std::unique_ptr<sdk::BrokerSession> open(BrokerMt5& broker, int64_t login) {
    return login == kAlice
               ? broker.open_session(login_request(kAlice, "investor-pass-1", "MetaQuotes-Demo"))
               : broker.open_session(login_request(kBob, "Netting#2025", "Bluewater-Live2"));
  }

  // One sync as the host does it; every record is stored under `login`.
  static void sync(BrokerMt5& broker, sdk::BrokerSession& session, int64_t login, Stored& s) {
    auto outcome = outcome_of([&] {
      broker.account_info(
          session, [&](const mt5b_account_info& i) { s.account_logins[login].push_back(i.login); });
      broker.positions_get(
          session, [&](const mt5b_trade_position& p) { s.positions[login].push_back(p.ticket); });
      auto q = sdk::make<mt5b_history_query>();
      q.to_broker_s = 4'102'444'800;
      broker.history_deals_get(
          session, q, [&](const mt5b_trade_deal& d) { s.deals[login].push_back(d.ticket); });
    });
    (outcome.status == MT5B_OK ? s.synced : s.failed) += 1;
  }

  void expect_all_belong(const Stored& s) {
    for (const auto& [login, logins] : s.account_logins)
      for (auto seen : logins) EXPECT_EQ(seen, login) << "account_info stored under " << login;
    for (const auto& [login, tickets] : s.positions)
      for (auto t : tickets) EXPECT_EQ(owners_.position.at(t), login) << "position " << t;
    for (const auto& [login, tickets] : s.deals)
      for (auto t : tickets) EXPECT_EQ(owners_.deal.at(t), login) << "deal " << t;
  }

  TestCertificate cert_;
  std::string token_file_;
  Owners owners_;
  std::unique_ptr<GatewayProcess> gateway_;
};

TEST_F(AccountRace, a_late_login_of_another_client_never_puts_its_data_under_our_account) {
  sdk::testing::FakeHost host_a, host_b;
  auto a = client(host_a, 5000, 3);
  auto b = client(host_b, 500, 0);  // B's logins time out at 500 ms and complete 1 s later
  Stored stored_a;
  auto bob = open(*a, kBob);
  sync(*a, *bob, kBob, stored_a);
  ASSERT_EQ(stored_a.synced, 1);

  auto failed = outcome_of([&] { open(*b, kAlice); });
  EXPECT_NE(failed.status, MT5B_OK);  // timed out; the terminal finishes it behind A's back
  std::this_thread::sleep_for(std::chrono::milliseconds(1600));

  sync(*a, *bob, kBob, stored_a);
  EXPECT_EQ(stored_a.synced, 2);
  expect_all_belong(stored_a);
  EXPECT_EQ(stored_a.positions[kBob].size(), 2u);  // one position, in each of two syncs
  EXPECT_GE(
      host_a.metric("mt5bridge_mt5_wrong_account_total", R"(terminal="t1",method="account_info")") +
          host_a.metric("mt5bridge_mt5_wrong_account_total",
                        R"(terminal="t1",method="positions_get")"),
      1.0)
      << "the late login was not observed: the test did not exercise the race";
}

TEST_F(AccountRace, two_clients_with_timed_out_and_late_logins_at_once_store_only_their_own) {
  sdk::testing::FakeHost host_a, host_b, host_c;
  auto a = client(host_a, 5000, 3);  // syncs Bob over and over
  auto b = client(host_b, 500, 0);   // keeps starting Alice logins that time out
  auto c = client(host_c, 5000, 3);  // syncs Alice when the terminal lets it
  Stored stored_a, stored_c;
  auto bob = open(*a, kBob);
  std::atomic<bool> done{false};
  std::thread interferer([&] {
    while (!done) {
      outcome_of([&] { open(*b, kAlice); });
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
  });
  std::thread alice_syncs([&] {
    std::unique_ptr<sdk::BrokerSession> alice;
    while (!done) {
      if (!alice) outcome_of([&] { alice = open(*c, kAlice); });
      if (alice) sync(*c, *alice, kAlice, stored_c);
    }
  });
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(8);
  while (std::chrono::steady_clock::now() < until) sync(*a, *bob, kBob, stored_a);
  done = true;
  interferer.join();
  alice_syncs.join();

  expect_all_belong(stored_a);
  expect_all_belong(stored_c);
  EXPECT_GE(stored_a.synced, 1) << stored_a.failed << " syncs failed";
  for (const auto& [login, tickets] : stored_c.positions) EXPECT_EQ(login, kAlice);
}

}  // namespace
}  // namespace mt5b::broker_mt5::testing
