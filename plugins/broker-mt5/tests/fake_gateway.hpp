// An in-process stand-in for a gateway and its terminal, for the pool's unit tests: a
// line-delimited JSON server (plaintext or TLS) on 127.0.0.1 that speaks enough of
// docs/mt5-gateway-protocol.md and can be told to fail, hang, drop, slow down, die and restart.
// Like a terminal it holds one logged-in account at a time, across all its connections.
#ifndef MT5B_BROKER_MT5_TESTS_FAKE_GATEWAY_HPP
#define MT5B_BROKER_MT5_TESTS_FAKE_GATEWAY_HPP

#include "test_certificate.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace mt5b::broker_mt5::testing {

// What a failing request answers ("kind" as the protocol's error kinds).
struct GatewayFault {
  std::string kind = "mt5";
  int code = -10004;
  std::string message = "No IPC connection";
};

class FakeGateway {
 public:
  struct Account {
    int64_t login = 0;
    std::string password;
    std::string server;
    double balance = 0;
  };
  using Fault = GatewayFault;

  // With `certificate` the gateway speaks TLS with it, else plaintext.
  explicit FakeGateway(std::string token = "test-token",
                       const TestCertificate* certificate = nullptr);
  ~FakeGateway();
  FakeGateway(const FakeGateway&) = delete;
  FakeGateway& operator=(const FakeGateway&) = delete;

  int port() const noexcept { return port_; }
  void add_account(Account account);

  // The next `times` requests of `method` ("*": any but hello) fail, hang (no answer until the
  // client gives up), or have their connection dropped instead of an answer.
  void fail(const std::string& method, int times, Fault fault = {});
  void hang(const std::string& method, int times);
  void drop(const std::string& method, int times);
  void set_latency(const std::string& method, std::chrono::milliseconds latency);
  // The terminal now holds `login` without any login request on this gateway (another client's
  // login that completed late): answers carry that account, or null when it is not one of
  // the added accounts.
  void switch_account(int64_t login);
  // The terminal reports itself detached (as after a terminal restart) until `initialize`.
  void detach_terminal();

  // A crash: the listener and every connection close. start() listens on the same port again.
  void stop();
  void start();

  int count(std::string_view method) const;
  std::vector<int64_t> logins() const;  // `login` of every login request, in order
  int64_t current_login() const;
  int max_in_flight() const noexcept { return max_in_flight_.load(); }

 private:
  struct Connection;
  struct Plan {
    enum class Action { kAnswer, kFail, kHang, kDrop } action = Action::kAnswer;
    Fault fault;
  };
  void accept_loop();
  void serve(Connection& c);
  Plan plan_for(const std::string& method);
  std::string answer(const std::string& line, bool& authenticated, bool& close_after,
                     Connection& c);
  bool wait_while_hanging(Connection& c);

  std::string token_;
  const TestCertificate* certificate_;
  void* ssl_ctx_ = nullptr;  // SSL_CTX*, kept opaque to keep OpenSSL out of the tests' headers
  int port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> running_{false};
  std::thread acceptor_;

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::map<int64_t, Account> accounts_;
  std::map<std::string, std::vector<Plan>> plans_;  // queued per method
  std::map<std::string, std::chrono::milliseconds> latency_;
  std::map<std::string, int, std::less<>> counts_;
  std::vector<int64_t> logins_;
  int64_t current_login_ = 0;
  bool initialized_ = true;

  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};
};

}  // namespace mt5b::broker_mt5::testing

#endif  // MT5B_BROKER_MT5_TESTS_FAKE_GATEWAY_HPP
