// Passwords and gateway tokens never reach a log line or an error message.
#include "pool_test_support.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace mt5b::broker_mt5::testing {
namespace {

void expect_nowhere(const sdk::testing::FakeHost& host, const std::string& secret) {
  for (const auto& line : host.logs())
    EXPECT_EQ(line.message.find(secret), std::string::npos) << "logged: " << line.message;
}

TEST(Secrets, no_password_or_token_appears_in_logs_or_errors) {
  sdk::testing::FakeHost host;
  auto gateway = gateway_with_accounts();
  ConfigBuilder config;
  config.gateways = {gateway.get()};
  config.max_retries = 2;
  auto broker = make_broker(host, config);

  auto refused = outcome_of([&] { broker->open_session(login_request(1001, "Wr0ng-Secret!")); });
  EXPECT_EQ(refused.status, MT5B_UNAUTHENTICATED);
  EXPECT_EQ(refused.message.find("Wr0ng-Secret!"), std::string::npos) << refused.message;

  auto session = open(*broker, 1001);
  // A misbehaving gateway that echoes the password and the token in its error message.
  gateway->fail("account_info", 3,
                {"mt5", -10004, "lost pass-1001 while using test-token on the terminal"});
  auto failed = outcome_of([&] { account_login(*broker, *session); });
  EXPECT_EQ(failed.status, MT5B_UNAVAILABLE);
  EXPECT_EQ(failed.message.find("pass-1001"), std::string::npos) << failed.message;
  EXPECT_EQ(failed.message.find("test-token"), std::string::npos) << failed.message;
  EXPECT_NE(failed.message.find("[redacted]"), std::string::npos) << failed.message;
  auto t1 = backends(*broker)["t1"];
  EXPECT_EQ(t1.state, TerminalState::kError);  // so the failure was logged as a transition
  EXPECT_EQ(t1.last_error.find("pass-1001"), std::string::npos) << t1.last_error;

  for (const char* secret : {"Wr0ng-Secret!", "pass-1001", "test-token"})
    expect_nowhere(host, secret);
}

TEST(Secrets, a_token_file_is_read_without_its_trailing_newline) {
  auto dir = std::filesystem::temp_directory_path() / "broker-mt5-token-test";
  std::filesystem::create_directories(dir);
  auto file = (dir / "t1.token").string();
  std::ofstream(file) << "file-token-123\n";
  FakeGateway gateway("file-token-123");
  sdk::testing::FakeHost host;
  std::string json = R"({"terminals": [{"name": "t1", "host": "127.0.0.1", "port": )" +
                     std::to_string(gateway.port()) + R"(, "token_file": ")" + file +
                     R"(", "tls": false}]})";
  BrokerMt5 broker(host.host(), sdk::Config(json));
  EXPECT_EQ(backends(broker)["t1"].state, TerminalState::kConnected);
  std::filesystem::remove_all(dir);
}

TEST(Secrets, a_wrong_token_is_reported_without_showing_either_token) {
  FakeGateway gateway("the-real-token");
  sdk::testing::FakeHost host;
  ConfigBuilder config;
  config.gateways = {&gateway};
  config.token = "a-wrong-token";
  auto broker = make_broker(host, config);
  auto t1 = backends(*broker)["t1"];
  EXPECT_EQ(t1.state, TerminalState::kDisconnected);
  EXPECT_NE(t1.last_error.find("refused the token"), std::string::npos) << t1.last_error;
  for (const char* secret : {"a-wrong-token", "the-real-token"}) {
    EXPECT_EQ(t1.last_error.find(secret), std::string::npos);
    expect_nowhere(host, secret);
  }
}

}  // namespace
}  // namespace mt5b::broker_mt5::testing
