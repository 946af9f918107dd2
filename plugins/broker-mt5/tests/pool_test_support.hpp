// Shared helpers for the broker-mt5 unit tests: a plugin config pointing at fake gateways,
// login requests, polling for a condition, and reading backend states.
#ifndef MT5B_BROKER_MT5_TESTS_POOL_TEST_SUPPORT_HPP
#define MT5B_BROKER_MT5_TESTS_POOL_TEST_SUPPORT_HPP

#include "broker_mt5.hpp"
#include "fake_gateway.hpp"

#include <mt5bridge/testing.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace mt5b::broker_mt5::testing {

inline constexpr const char* kServer = "Fake-Server";

// A gateway on loopback with accounts 1001..1009 (password "pass-<login>").
inline std::unique_ptr<FakeGateway> gateway_with_accounts(const TestCertificate* cert = nullptr) {
  auto g = std::make_unique<FakeGateway>("test-token", cert);
  for (int64_t login = 1001; login <= 1009; ++login)
    g->add_account({login, "pass-" + std::to_string(login), kServer, static_cast<double>(login)});
  return g;
}

// The plugin config: one plaintext terminal t1, t2, ... per gateway, ms-scale retries.
struct ConfigBuilder {
  std::vector<const FakeGateway*> gateways;
  std::string extra_terminal_fields;  // e.g. R"(,"tls": true, "fingerprint_sha256": "...")"
  std::string token = "test-token";
  int max_retries = 3;
  std::string backoff = R"([5, 10, 20])";
  int call_timeout_ms = 2000;
  int connect_timeout_ms = 1000;
  int login_timeout_ms = 2000;
  int session_idle_s = 300;
  int probe_interval_s = 30;

  std::string json() const {
    std::string terminals;
    for (size_t i = 0; i < gateways.size(); ++i) {
      terminals += (i ? "," : "") + std::string(R"({"name": "t)") + std::to_string(i + 1) +
                   R"(", "host": "127.0.0.1", "port": )" + std::to_string(gateways[i]->port()) +
                   R"(, "token": ")" + token + "\"" +
                   (extra_terminal_fields.empty() ? R"(, "tls": false)" : extra_terminal_fields) +
                   "}";
    }
    return R"({"terminals": [)" + terminals + R"(], "max_retries": )" +
           std::to_string(max_retries) + R"(, "retry_backoff_ms": )" + backoff +
           R"(, "call_timeout_ms": )" + std::to_string(call_timeout_ms) +
           R"(, "connect_timeout_ms": )" + std::to_string(connect_timeout_ms) +
           R"(, "login_timeout_ms": )" + std::to_string(login_timeout_ms) +
           R"(, "session_idle_s": )" + std::to_string(session_idle_s) +
           R"(, "probe_interval_s": )" + std::to_string(probe_interval_s) + "}";
  }
};

inline std::unique_ptr<BrokerMt5> make_broker(const sdk::testing::FakeHost& host,
                                              const ConfigBuilder& config) {
  return std::make_unique<BrokerMt5>(host.host(), sdk::Config(config.json()));
}

inline mt5b_broker_login login_request(int64_t login, const std::string& password,
                                       const std::string& server = kServer) {
  auto request = sdk::make<mt5b_broker_login>();
  request.login = login;
  request.password = sdk::str(password);
  request.server = sdk::str(server);
  return request;
}

inline std::unique_ptr<sdk::BrokerSession> open(BrokerMt5& broker, int64_t login) {
  auto password = "pass-" + std::to_string(login);
  return broker.open_session(login_request(login, password));
}

inline int64_t account_login(BrokerMt5& broker, sdk::BrokerSession& s) {
  int64_t login = 0;
  broker.account_info(s, [&](const mt5b_account_info& info) { login = info.login; });
  return login;
}

struct Outcome {
  mt5b_status status = MT5B_OK;
  std::string message;
};
template <class Fn>
Outcome outcome_of(Fn&& fn) {
  try {
    fn();
    return {};
  } catch (const sdk::Error& e) {
    return {e.status(), e.what()};
  }
}

inline std::map<std::string, BackendView> backends(BrokerMt5& broker) {
  std::map<std::string, BackendView> out;
  for (auto& b : broker.pool().backends()) out[b.name] = b;
  return out;
}

// Polls `condition` every few ms until it holds or `limit` passes; returns whether it held.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

template <class Fn>
std::chrono::milliseconds time_of(Fn&& fn) {
  auto start = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

}  // namespace mt5b::broker_mt5::testing

#endif  // MT5B_BROKER_MT5_TESTS_POOL_TEST_SUPPORT_HPP
