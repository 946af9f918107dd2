// TLS to the gateway: a pinned certificate, or one that chains to ca_file and names the host.
#include "pool_test_support.hpp"

#include <gtest/gtest.h>

namespace mt5b::broker_mt5::testing {
namespace {

struct Tls : ::testing::Test {
  sdk::testing::FakeHost host;
  TestCertificate cert;
  std::unique_ptr<FakeGateway> gateway = gateway_with_accounts(&cert);

  std::unique_ptr<BrokerMt5> broker_with(const std::string& fields,
                                         const std::string& host_name = "127.0.0.1") {
    ConfigBuilder config;
    config.gateways = {gateway.get()};
    config.extra_terminal_fields = fields;
    auto json = config.json();
    if (host_name != "127.0.0.1") json.replace(json.find("127.0.0.1"), 9, host_name);
    return std::make_unique<BrokerMt5>(host.host(), sdk::Config(json));
  }
};

TEST_F(Tls, connects_to_a_gateway_whose_certificate_matches_the_pin) {
  auto broker = broker_with(R"(, "fingerprint_sha256": ")" + cert.fingerprint_sha256() + "\"");
  EXPECT_EQ(backends(*broker)["t1"].state, TerminalState::kConnected);
  auto session = open(*broker, 1001);
  EXPECT_EQ(account_login(*broker, *session), 1001);
}

TEST_F(Tls, refuses_a_certificate_with_another_fingerprint) {
  std::string other(64, 'a');
  auto broker = broker_with(R"(, "fingerprint_sha256": ")" + other + "\"");
  auto t1 = backends(*broker)["t1"];
  EXPECT_NE(t1.state, TerminalState::kConnected);
  EXPECT_NE(t1.last_error.find("not the pinned " + other), std::string::npos) << t1.last_error;
  EXPECT_EQ(gateway->count("hello"), 0);  // the token was never sent
}

TEST_F(Tls, connects_when_the_certificate_chains_to_ca_file_and_names_the_address) {
  auto broker = broker_with(R"(, "ca_file": ")" + cert.cert_file() + "\"");
  EXPECT_EQ(backends(*broker)["t1"].state, TerminalState::kConnected);
}

TEST_F(Tls, connects_by_host_name_when_the_certificate_names_it) {
  auto broker = broker_with(R"(, "ca_file": ")" + cert.cert_file() + "\"", "localhost");
  EXPECT_EQ(backends(*broker)["t1"].state, TerminalState::kConnected);
}

TEST_F(Tls, refuses_a_certificate_that_names_another_host) {
  TestCertificate elsewhere({"DNS:gateway.example"});
  FakeGateway other("test-token", &elsewhere);
  ConfigBuilder config;
  config.gateways = {&other};
  config.extra_terminal_fields = R"(, "ca_file": ")" + elsewhere.cert_file() + "\"";
  BrokerMt5 broker(host.host(), sdk::Config(config.json()));
  auto t1 = backends(broker)["t1"];
  EXPECT_NE(t1.state, TerminalState::kConnected);
  EXPECT_NE(t1.last_error.find("failed verification"), std::string::npos) << t1.last_error;
  EXPECT_EQ(other.count("hello"), 0);
}

TEST_F(Tls, refuses_a_certificate_from_another_ca) {
  TestCertificate unrelated;
  auto broker = broker_with(R"(, "ca_file": ")" + unrelated.cert_file() + "\"");
  auto t1 = backends(*broker)["t1"];
  EXPECT_NE(t1.state, TerminalState::kConnected);
  EXPECT_NE(t1.last_error.find("failed verification"), std::string::npos) << t1.last_error;
}

TEST_F(Tls, an_unreadable_ca_file_stops_create_with_a_sentence) {
  try {
    broker_with(R"(, "ca_file": "/nonexistent/ca.pem")");
    FAIL() << "created";
  } catch (const sdk::Error& e) {
    EXPECT_EQ(e.status(), MT5B_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find("'/nonexistent/ca.pem' cannot be loaded"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace mt5b::broker_mt5::testing
