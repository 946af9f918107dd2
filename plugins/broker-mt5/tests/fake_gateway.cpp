#include "fake_gateway.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <stdexcept>

namespace mt5b::broker_mt5::testing {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

struct FakeGateway::Connection {
  int fd = -1;
  SSL* ssl = nullptr;
  std::thread thread;
  std::string inbox;

  bool write(const std::string& text) {
    if (ssl != nullptr) return SSL_write(ssl, text.data(), static_cast<int>(text.size())) > 0;
    size_t done = 0;
    while (done < text.size()) {
      auto n = ::send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }
  // The next line, or false when the peer closed or the gateway stopped.
  bool read_line(std::string& line) {
    char buffer[4096];
    for (;;) {
      auto nl = inbox.find('\n');
      if (nl != std::string::npos) {
        line = inbox.substr(0, nl);
        inbox.erase(0, nl + 1);
        return true;
      }
      int n = ssl != nullptr ? SSL_read(ssl, buffer, sizeof buffer)
                             : static_cast<int>(::recv(fd, buffer, sizeof buffer, 0));
      if (n <= 0) return false;
      inbox.append(buffer, static_cast<size_t>(n));
    }
  }
};

FakeGateway::FakeGateway(std::string token, const TestCertificate* certificate)
    : token_(std::move(token)), certificate_(certificate) {
  std::signal(SIGPIPE, SIG_IGN);  // a client that went away must not kill the test binary
  if (certificate_ != nullptr) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (SSL_CTX_use_certificate_file(ctx, certificate_->cert_file().c_str(), SSL_FILETYPE_PEM) !=
            1 ||
        SSL_CTX_use_PrivateKey_file(ctx, certificate_->key_file().c_str(), SSL_FILETYPE_PEM) != 1)
      throw std::runtime_error("fake gateway: cannot load the test certificate");
    ssl_ctx_ = ctx;
  }
  start();
}

FakeGateway::~FakeGateway() {
  stop();
  SSL_CTX_free(static_cast<SSL_CTX*>(ssl_ctx_));
}

void FakeGateway::start() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 64) != 0)
    throw std::runtime_error("fake gateway: cannot listen");
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  running_ = true;
  acceptor_ = std::thread([this] { accept_loop(); });
}

void FakeGateway::stop() {
  if (!running_.exchange(false)) return;
  acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::unique_ptr<Connection>> closing;
  {
    std::lock_guard lock(mu_);
    closing.swap(connections_);
    current_login_ = 0;  // a restarted terminal holds no account
  }
  for (auto& c : closing) ::shutdown(c->fd, SHUT_RDWR);
  for (auto& c : closing) {
    c->thread.join();
    SSL_free(c->ssl);
    ::close(c->fd);
  }
}

void FakeGateway::accept_loop() {
  while (running_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    auto c = std::make_unique<Connection>();
    c->fd = fd;
    auto* raw = c.get();
    std::lock_guard lock(mu_);
    connections_.push_back(std::move(c));
    raw->thread = std::thread([this, raw] { serve(*raw); });
  }
}

void FakeGateway::serve(Connection& c) {
  if (ssl_ctx_ != nullptr) {
    c.ssl = SSL_new(static_cast<SSL_CTX*>(ssl_ctx_));
    SSL_set_fd(c.ssl, c.fd);
    if (SSL_accept(c.ssl) != 1) {
      ERR_clear_error();
      return;
    }
  }
  bool authenticated = false;
  std::string line;
  while (running_ && c.read_line(line)) {
    bool close_after = false;
    auto reply = answer(line, authenticated, close_after, c);
    if (reply.empty() || !c.write(reply + "\n") || close_after) break;
  }
  ::shutdown(c.fd, SHUT_RDWR);
}

FakeGateway::Plan FakeGateway::plan_for(const std::string& method) {
  std::lock_guard lock(mu_);
  for (const auto& key : {method, std::string("*")}) {
    auto it = plans_.find(key);
    if (it == plans_.end() || it->second.empty() || (key == "*" && method == "hello")) continue;
    Plan plan = it->second.front();
    it->second.erase(it->second.begin());
    return plan;
  }
  return {};
}

// Waits until the client gives up on the hanging request (closes) or the gateway stops.
bool FakeGateway::wait_while_hanging(Connection& c) {
  while (running_) {
    pollfd p{c.fd, POLLIN, 0};
    if (::poll(&p, 1, 20) > 0) return false;
  }
  return false;
}

std::string FakeGateway::answer(const std::string& line, bool& authenticated, bool& close_after,
                                Connection& c) {
  rapidjson::Document request;
  request.Parse(line.data(), line.size());
  rapidjson::StringBuffer out;
  Writer w(out);
  int64_t id = request.IsObject() && request.HasMember("id") && request["id"].IsInt64()
                   ? request["id"].GetInt64()
                   : 0;
  std::string method =
      request.IsObject() && request.HasMember("method") && request["method"].IsString()
          ? request["method"].GetString()
          : "";
  static const rapidjson::Value kEmpty(rapidjson::kObjectType);
  const rapidjson::Value& params =
      request.IsObject() && request.HasMember("params") ? request["params"] : kEmpty;
  auto fail = [&](const Fault& f) {
    w.StartObject();
    w.Key("id");
    w.Int64(id);
    w.Key("error");
    w.StartObject();
    w.Key("kind");
    w.String(f.kind.c_str());
    w.Key("code");
    w.Int(f.code);
    w.Key("message");
    w.String(f.message.c_str());
    w.EndObject();
    w.EndObject();
    return std::string(out.GetString(), out.GetSize());
  };
  {
    std::lock_guard lock(mu_);
    ++counts_[method];
    if (method == "login" && params.HasMember("login") && params["login"].IsInt64())
      logins_.push_back(params["login"].GetInt64());
  }
  struct InFlight {
    std::atomic<int>& now;
    explicit InFlight(std::atomic<int>& n, std::atomic<int>& max) : now(n) {
      int v = ++now;
      int seen = max.load();
      while (v > seen && !max.compare_exchange_weak(seen, v)) {
      }
    }
    ~InFlight() { --now; }
  } in_flight(in_flight_, max_in_flight_);

  if (method == "hello") {
    bool ok = params.HasMember("token") && params["token"].IsString() &&
              params["token"].GetString() == token_;
    if (!ok) {
      close_after = true;
      return fail({"auth", 0, "missing or wrong token"});
    }
    authenticated = true;
  } else if (!authenticated) {
    close_after = true;
    return fail({"auth", 0, "hello first"});
  }

  std::chrono::milliseconds latency{0};
  {
    std::lock_guard lock(mu_);
    auto it = latency_.find(method);
    if (it != latency_.end()) latency = it->second;
  }
  std::this_thread::sleep_for(latency);
  auto plan = plan_for(method);
  switch (plan.action) {
    case Plan::Action::kAnswer: break;
    case Plan::Action::kFail: return fail(plan.fault);
    case Plan::Action::kHang: wait_while_hanging(c); return {};
    case Plan::Action::kDrop: return {};
  }

  std::lock_guard lock(mu_);
  w.StartObject();
  w.Key("id");
  w.Int64(id);
  w.Key("result");
  if (method == "hello") {
    w.StartObject();
    w.Key("protocol");
    w.Int(1);
    w.Key("gateway_version");
    w.String("fake");
    w.EndObject();
  } else if (method == "ping") {
    w.StartObject();
    w.Key("pong");
    w.Bool(true);
    w.Key("initialized");
    w.Bool(initialized_);
    w.Key("login");
    if (current_login_ != 0)
      w.Int64(current_login_);
    else
      w.Null();
    w.EndObject();
  } else if (method == "initialize") {
    initialized_ = true;
    w.Bool(true);
  } else if (method == "login") {
    auto it = accounts_.find(
        params.HasMember("login") && params["login"].IsInt64() ? params["login"].GetInt64() : 0);
    bool ok = it != accounts_.end() && params.HasMember("password") &&
              params["password"].IsString() &&
              it->second.password == params["password"].GetString() && params.HasMember("server") &&
              params["server"].IsString() && it->second.server == params["server"].GetString();
    if (!ok) {
      current_login_ = 0;
      out.Clear();
      w.Reset(out);
      return fail({"mt5", -6, "Authorization failed"});
    }
    current_login_ = it->first;
    w.Bool(true);
  } else if (current_login_ == 0 && method != "symbol_info" && method != "symbol_info_tick") {
    out.Clear();
    w.Reset(out);
    return fail({"mt5", -1, "not logged in"});
  } else if (method == "account_info") {
    const auto& a = accounts_.at(current_login_);
    w.StartObject();
    w.Key("login");
    w.Int64(a.login);
    w.Key("server");
    w.String(a.server.c_str());
    w.Key("balance");
    w.Double(a.balance);
    w.Key("currency");
    w.String("USD");
    w.Key("margin_mode");
    w.Int(2);
    w.Key("a_field_from_a_newer_build");
    w.Int(7);
    w.EndObject();
  } else if (method == "positions_get") {
    w.StartArray();
    w.StartObject();
    w.Key("ticket");
    w.Int64(current_login_ * 10 + 1);
    w.Key("time");
    w.Int64(1700000000);
    w.Key("time_msc");
    w.Int64(1700000000123);
    w.Key("volume");
    w.Double(0.1);
    w.Key("symbol");
    w.String("EURUSD");
    w.EndObject();
    w.EndArray();
  } else if (method == "history_deals_get" || method == "history_orders_get") {
    w.StartArray();
    if (method == "history_deals_get") {
      for (int64_t i = 0; i < 2; ++i) {
        int64_t time = 1700000000 + i * 3600;
        bool in_range = params.HasMember("position") ? params["position"].GetInt64() == 77
                                                     : params["date_from"].GetInt64() <= time &&
                                                           time <= params["date_to"].GetInt64();
        if (!in_range) continue;
        w.StartObject();
        w.Key("ticket");
        w.Int64(100 + i);
        w.Key("time");
        w.Int64(time);
        w.Key("position_id");
        w.Int64(77);
        w.Key("profit");
        w.Double(1.5);
        w.Key("symbol");
        w.String("EURUSD");
        w.EndObject();
      }
    }
    w.EndArray();
  } else if (method == "symbol_info" || method == "symbol_info_tick") {
    if (std::string(params["symbol"].GetString()) != "EURUSD") {
      out.Clear();
      w.Reset(out);
      return fail({"mt5", -4, "Symbol not found"});
    }
    w.StartObject();
    w.Key(method == "symbol_info" ? "name" : "bid");
    if (method == "symbol_info")
      w.String("EURUSD");
    else
      w.Double(1.1);
    w.Key(method == "symbol_info" ? "digits" : "time");
    w.Int64(method == "symbol_info" ? 5 : 1700000000);
    w.EndObject();
  } else {
    out.Clear();
    w.Reset(out);
    return fail({"protocol", 0, "unknown method " + method});
  }
  if (method != "hello" && method != "ping" && method != "initialize") {
    // As the gateway does: the account the data was read from.
    w.Key("account");
    if (accounts_.count(current_login_) == 0) {
      w.Null();
    } else {
      w.StartObject();
      w.Key("login");
      w.Int64(current_login_);
      w.Key("server");
      w.String(accounts_.at(current_login_).server.c_str());
      w.EndObject();
    }
  }
  w.EndObject();
  return std::string(out.GetString(), out.GetSize());
}

void FakeGateway::add_account(Account account) {
  std::lock_guard lock(mu_);
  accounts_[account.login] = std::move(account);
}

void FakeGateway::fail(const std::string& method, int times, Fault fault) {
  std::lock_guard lock(mu_);
  for (int i = 0; i < times; ++i) plans_[method].push_back({Plan::Action::kFail, fault});
}
void FakeGateway::hang(const std::string& method, int times) {
  std::lock_guard lock(mu_);
  for (int i = 0; i < times; ++i) plans_[method].push_back({Plan::Action::kHang, {}});
}
void FakeGateway::drop(const std::string& method, int times) {
  std::lock_guard lock(mu_);
  for (int i = 0; i < times; ++i) plans_[method].push_back({Plan::Action::kDrop, {}});
}
void FakeGateway::set_latency(const std::string& method, std::chrono::milliseconds latency) {
  std::lock_guard lock(mu_);
  latency_[method] = latency;
}
void FakeGateway::switch_account(int64_t login) {
  std::lock_guard lock(mu_);
  current_login_ = login;
}
void FakeGateway::detach_terminal() {
  std::lock_guard lock(mu_);
  initialized_ = false;
  current_login_ = 0;
}
int FakeGateway::count(std::string_view method) const {
  std::lock_guard lock(mu_);
  auto it = counts_.find(method);
  return it == counts_.end() ? 0 : it->second;
}
std::vector<int64_t> FakeGateway::logins() const {
  std::lock_guard lock(mu_);
  return logins_;
}
int64_t FakeGateway::current_login() const {
  std::lock_guard lock(mu_);
  return current_login_;
}

}  // namespace mt5b::broker_mt5::testing
