// transport-http options, start and stop, through the C ABI.
#include "transport_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>

namespace mt5b::transport_http::testing {
namespace {

using namespace std::chrono_literals;
using TransportLifecycle = TransportFixture;

// Holds 127.0.0.1:<port> as another server would.
class BusyPort {
 public:
  BusyPort() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    ::listen(fd_, 1);
    socklen_t length = sizeof(address);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~BusyPort() { ::close(fd_); }
  uint16_t port() const { return port_; }

 private:
  int fd_;
  uint16_t port_ = 0;
};

TEST_F(TransportLifecycle, uses_documented_defaults_when_options_are_absent) {
  ASSERT_EQ(create(""), MT5B_OK) << last_error();
  auto options = read_transport_options(sdk::Config("{}"));
  EXPECT_EQ(options.listen.host, "127.0.0.1");
  EXPECT_EQ(options.listen.port, 8000);
  EXPECT_EQ(options.worker_threads, 2);
  EXPECT_EQ(options.max_body_bytes, 1048576u);
  EXPECT_EQ(options.request_timeout, 30000ms);
  EXPECT_EQ(options.max_connections, 4096u);
  EXPECT_EQ(options.max_connections_per_ip, 256u);
  EXPECT_EQ(options.header_timeout, 10000ms);
  EXPECT_EQ(options.body_timeout, 30000ms);
  EXPECT_EQ(options.idle_timeout, 60000ms);
  EXPECT_EQ(options.max_unsent_bytes, 262144u);
  EXPECT_EQ(options.max_buffered_request_bytes, 67108864u);
}

TEST_F(TransportLifecycle, accepts_bracketed_ipv6_listen_address) {
  auto address = parse_listen_address("[::1]:8123");
  EXPECT_EQ(address.host, "::1");
  EXPECT_EQ(address.port, 8123);
  EXPECT_EQ(parse_listen_address("localhost:80").host, "localhost");
}

TEST_F(TransportLifecycle, refuses_bad_option_values_with_invalid_argument_naming_the_option) {
  struct Case {
    std::string options;
    std::string named;
  };
  const Case cases[] = {
      {"\"listen\":\"nonsense\"", "listen"},
      {"\"listen\":\"127.0.0.1:0\"", "listen"},
      {"\"listen\":\"127.0.0.1:65536\"", "listen"},
      {"\"listen\":\"127.0.0.1:\"", "listen"},
      {"\"listen\":\"[::1]8000\"", "listen"},
      {"\"listen\":\"[not-v6]:8000\"", "listen"},
      {"\"listen\":\"bad host:8000\"", "listen"},
      {"\"threads\":0", "threads"},
      {"\"threads\":65", "threads"},
      {"\"threads\":\"two\"", "threads"},
      {"\"max_body_bytes\":0", "max_body_bytes"},
      {"\"max_body_bytes\":-5", "max_body_bytes"},
      {"\"request_timeout_ms\":0", "request_timeout_ms"},
      {"\"max_connections\":0", "max_connections"},
      {"\"max_connections_per_ip\":0", "max_connections_per_ip"},
      {"\"header_timeout_ms\":50", "header_timeout_ms"},
      {"\"idle_timeout_ms\":-1", "idle_timeout_ms"},
      {"\"max_unsent_bytes\":0", "max_unsent_bytes"},
      {"\"max_buffered_request_bytes\":1000", "max_buffered_request_bytes"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(create(c.options), MT5B_INVALID_ARGUMENT) << c.options;
    EXPECT_NE(last_error().find(c.named), std::string::npos) << last_error();
  }
}

TEST_F(TransportLifecycle, start_on_a_busy_port_fails_unavailable_naming_the_address) {
  BusyPort busy;
  std::string address = "127.0.0.1:" + std::to_string(busy.port());
  ASSERT_EQ(create("\"listen\":\"" + address + "\""), MT5B_OK) << last_error();
  EXPECT_EQ(start(), MT5B_UNAVAILABLE);
  EXPECT_NE(last_error().find("cannot listen on " + address + ": address in use"),
            std::string::npos)
      << last_error();
}

TEST_F(TransportLifecycle, stop_while_idle_returns_promptly_even_with_an_open_connection) {
  start_on_free_port();
  RawHttpClient client(port_);
  client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(client.read_response().status, 200);  // a kept-alive, now idle connection

  auto started = std::chrono::steady_clock::now();
  stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  EXPECT_THROW(RawHttpClient{port_}, std::runtime_error);  // nobody listens any more
}

TEST_F(TransportLifecycle, stop_is_prompt_after_a_client_left_before_its_answer) {
  dispatcher_.set_mode(FakeDispatcher::Mode::kRespondLater, 100ms);
  start_on_free_port();
  {
    RawHttpClient client(port_);
    client.send("GET /gone HTTP/1.1\r\nHost: x\r\n\r\n");
    while (dispatcher_.requests().empty()) std::this_thread::sleep_for(5ms);
  }  // the client hangs up; its answer can never be written
  dispatcher_.join_answer_threads();
  std::this_thread::sleep_for(100ms);

  auto started = std::chrono::steady_clock::now();
  stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms);
}

TEST_F(TransportLifecycle, stop_closes_kept_alive_connections) {
  start_on_free_port();
  RawHttpClient client(port_);
  client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(client.read_response().status, 200);
  stop();
  EXPECT_TRUE(client.server_closed());
}

TEST_F(TransportLifecycle, stop_answers_a_waiting_request_503_without_waiting_for_its_timeout) {
  dispatcher_.set_mode(FakeDispatcher::Mode::kNeverRespond);
  start_on_free_port("\"request_timeout_ms\":60000");
  RawHttpClient client(port_);
  client.send("GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n");
  while (dispatcher_.requests().empty()) std::this_thread::sleep_for(5ms);

  auto started = std::chrono::steady_clock::now();
  auto stopped = std::async(std::launch::async, [this] { stop(); });
  ASSERT_EQ(stopped.wait_for(5s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  auto response = client.read_response();
  EXPECT_EQ(response.status, 503);
  EXPECT_NE(response.body.find("\"error_code\":\"UNAVAILABLE\""), std::string::npos);
  EXPECT_EQ(response.header("Connection"), "close");
  EXPECT_TRUE(client.server_closed());
}

TEST_F(TransportLifecycle, an_answer_arriving_after_stop_is_accepted_harmlessly) {
  dispatcher_.set_mode(FakeDispatcher::Mode::kRespondLater, 300ms);
  start_on_free_port();
  RawHttpClient client(port_);
  client.send("GET /late HTTP/1.1\r\nHost: x\r\n\r\n");
  while (dispatcher_.requests().empty()) std::this_thread::sleep_for(5ms);
  vtable()->on_stop(instance_);
  dispatcher_.join_answer_threads();  // the answer lands on a stopped transport
  SUCCEED();
}

TEST_F(TransportLifecycle, can_start_again_after_stop) {
  start_on_free_port();
  stop();
  ASSERT_EQ(start(), MT5B_OK) << last_error();
  RawHttpClient client(port_);
  client.send("GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(client.read_response().status, 200);
}

TEST_F(TransportLifecycle, refuses_a_second_start_while_listening) {
  start_on_free_port();
  EXPECT_EQ(start(), MT5B_FAILED);
  EXPECT_NE(last_error().find("already listening"), std::string::npos) << last_error();
}

TEST_F(TransportLifecycle, listens_on_ipv6_loopback) {
  int probe = ::socket(AF_INET6, SOCK_STREAM, 0);
  sockaddr_in6 loopback{};
  loopback.sin6_family = AF_INET6;
  loopback.sin6_addr = in6addr_loopback;
  bool has_ipv6 =
      probe >= 0 && ::bind(probe, reinterpret_cast<sockaddr*>(&loopback), sizeof(loopback)) == 0;
  socklen_t length = sizeof(loopback);
  if (has_ipv6) ::getsockname(probe, reinterpret_cast<sockaddr*>(&loopback), &length);
  if (probe >= 0) ::close(probe);
  if (!has_ipv6) GTEST_SKIP() << "this machine has no IPv6 loopback";

  uint16_t port = ntohs(loopback.sin6_port);
  ASSERT_EQ(create("\"listen\":\"[::1]:" + std::to_string(port) + "\""), MT5B_OK);
  ASSERT_EQ(start(), MT5B_OK) << last_error();
  int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&loopback), sizeof(loopback)), 0);
  std::string request = "GET /six HTTP/1.1\r\nHost: x\r\n\r\n";
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  char reply[256] = {};
  auto received = ::recv(fd, reply, sizeof(reply) - 1, 0);
  ::close(fd);
  ASSERT_GT(received, 0);
  EXPECT_EQ(std::string(reply, 12), "HTTP/1.1 200");
  EXPECT_EQ(dispatcher_.requests().at(0).client_ip, "::1");
}

}  // namespace
}  // namespace mt5b::transport_http::testing
