#include "terminal.hpp"

#include <mt5bridge/secrets.hpp>

#include <openssl/crypto.h>

#include <algorithm>

namespace mt5b::broker_mt5 {

using std::chrono::milliseconds;

namespace {

constexpr const char* kClientName = "mt5bridge-broker-mt5/0.1.0";

}  // namespace

std::string_view state_name(TerminalState state) noexcept {
  switch (state) {
    case TerminalState::kConnected: return "CONNECTED";
    case TerminalState::kDisconnected: return "DISCONNECTED";
    case TerminalState::kError: return "ERROR";
    case TerminalState::kReconnecting: return "RECONNECTING";
  }
  return "UNKNOWN";
}

Terminal::Terminal(sdk::Host host, TerminalSettings settings, const PoolSettings& pool)
    : host_(host),
      settings_(std::move(settings)),
      connect_timeout_(pool.connect_timeout),
      call_timeout_(pool.call_timeout),
      login_timeout_(pool.login_timeout) {
  if (settings_.tls)
    tls_.emplace(settings_);
  else
    host_.warn("terminal '" + settings_.name + "' (" + settings_.endpoint() +
               ") uses plaintext TCP: the token and account passwords cross the network "
               "unencrypted; use tls: false for tests on loopback only");
  host_.gauge_set("mt5bridge_mt5_terminal_state", labels(), static_cast<double>(state_));
}

std::string Terminal::labels(std::string_view method) const {
  // Terminal names are checked to [A-Za-z0-9_.-] and methods are ours: nothing to escape.
  std::string out = "terminal=\"" + settings_.name + "\"";
  if (!method.empty()) out += ",method=\"" + std::string(method) + "\"";
  return out;
}

milliseconds Terminal::capped(milliseconds timeout, Deadline until) const {
  auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now());
  return std::max(milliseconds(1), std::min(timeout, left));
}

rapidjson::Document Terminal::rpc(std::string_view method, const ParamsWriter& params,
                                  milliseconds timeout) {
  auto start = Clock::now();
  auto observe = [&] {
    std::chrono::duration<double> took = Clock::now() - start;
    host_.counter_add("mt5bridge_mt5_gateway_calls_total", labels(method));
    host_.observe("mt5bridge_mt5_gateway_call_duration_seconds", labels(method), took.count());
  };
  try {
    auto answer = client_->call(method, params, timeout);
    observe();
    return answer;
  } catch (const CallFailure& f) {
    observe();
    host_.counter_add(
        "mt5bridge_mt5_gateway_errors_total",
        labels(method) + ",kind=\"" + std::string(failure_kind_name(f.kind())) + "\"");
    throw;
  }
}

void Terminal::connect(Deadline until) {
  {
    std::lock_guard lock(state_mutex_);
    move_to(TerminalState::kReconnecting, "connecting to the gateway");
    held_.reset();  // a new connection may reach a restarted gateway or terminal
  }
  auto timeout = capped(connect_timeout_, until);
  try {
    try {
      auto connection =
          LineConnection::open(settings_, tls_ ? &*tls_ : nullptr, Clock::now() + timeout);
      client_ = std::make_unique<GatewayClient>(
          std::move(connection), "gateway '" + settings_.name + "' (" + settings_.endpoint() + ")");
    } catch (const TransportError& e) {
      using R = TransportError::Reason;
      auto kind = e.reason() == R::kDeadline      ? FailureKind::kDeadline
                  : e.reason() == R::kCertificate ? FailureKind::kCertificate
                                                  : FailureKind::kNetwork;
      throw CallFailure(kind, 0, e.what());
    }
    rpc(
        "hello",
        [&](JsonWriter& w) {
          auto token = settings_.token->view();
          w.Key("token");
          w.String(token.data(), static_cast<rapidjson::SizeType>(token.size()));
          w.Key("client");
          w.String(kClientName);
        },
        timeout);
    auto pong = rpc("ping", nullptr, capped(connect_timeout_, until));
    after_ping(pong["result"], until);
  } catch (...) {
    client_.reset();  // half-set-up connections are never reused
    throw;
  }
}

void Terminal::after_ping(const rapidjson::Value& pong, Deadline until) {
  if (!pong.IsObject()) return;
  auto initialized = pong.FindMember("initialized");
  if (initialized != pong.MemberEnd() && initialized->value.IsFalse()) {
    // The gateway is up but its terminal is not attached (first start, or it restarted).
    {
      std::lock_guard lock(state_mutex_);
      held_.reset();
    }
    rpc(
        "initialize",
        [&](JsonWriter& w) {
          w.Key("timeout_ms");
          w.Int64(capped(login_timeout_, until).count());
        },
        capped(login_timeout_, until));
  }
  auto login = pong.FindMember("login");
  auto server = pong.FindMember("server");
  std::lock_guard lock(state_mutex_);
  if (!held_) return;
  bool same_login = login == pong.MemberEnd() ||
                    (login->value.IsInt64() && login->value.GetInt64() == held_->account.login);
  bool same_server = server == pong.MemberEnd() ||
                     (server->value.IsString() &&
                      std::string_view(server->value.GetString(),
                                       server->value.GetStringLength()) == held_->account.server);
  // Someone else switched the terminal's account, or the gateway does not know which account
  // it holds (login null after a timed-out or late login): log in again before the next call.
  if (!same_login || !same_server) held_.reset();
}

void Terminal::check_account(const rapidjson::Value& answer, const AccountKey& wanted,
                             std::string_view method) {
  std::string found = "an account the gateway could not name";
  auto account = answer.FindMember("account");
  if (account != answer.MemberEnd() && account->value.IsObject()) {
    auto login = account->value.FindMember("login");
    auto server = account->value.FindMember("server");
    if (login != account->value.MemberEnd() && login->value.IsInt64() &&
        server != account->value.MemberEnd() && server->value.IsString()) {
      std::string_view server_name(server->value.GetString(), server->value.GetStringLength());
      if (login->value.GetInt64() == wanted.login && server_name == wanted.server) return;
      found = "account " + std::to_string(login->value.GetInt64()) + " on '" +
              std::string(server_name.substr(0, 64)) + "'";
    }
  }
  {
    std::lock_guard lock(state_mutex_);
    held_.reset();  // whatever the terminal holds, it is not ours: the retry logs in again
  }
  host_.counter_add("mt5bridge_mt5_wrong_account_total", labels(method));
  auto text = "terminal '" + settings_.name + "' answered " + std::string(method) +
              " with the data of " + found + ", not of account " + std::to_string(wanted.login) +
              " on '" + wanted.server +
              "' (another client switched its account); the answer is refused and the call is "
              "retried after a fresh login";
  host_.warn(text);
  throw CallFailure(FailureKind::kWrongAccount, 0, text);
}

void Terminal::log_in(const Credentials& who, Deadline until) {
  {
    std::lock_guard lock(state_mutex_);
    held_.reset();  // after a failed login MT5 may hold nothing, or the old account
  }
  auto timeout = capped(login_timeout_, until);
  auto answer = rpc(
      "login",
      [&](JsonWriter& w) {
        w.Key("login");
        w.Int64(who.account.login);
        w.Key("password");
        w.String(who.password.data(), static_cast<rapidjson::SizeType>(who.password.size()));
        w.Key("server");
        w.String(who.account.server.data(),
                 static_cast<rapidjson::SizeType>(who.account.server.size()));
        w.Key("timeout_ms");
        w.Int64(timeout.count());
      },
      timeout);
  // The gateway read the account right after the login: it proves where the login landed.
  check_account(answer, who.account, "login");
  std::lock_guard lock(state_mutex_);
  held_ = HeldAccount{who.account, who.digest, host_.monotonic_ns()};
  host_.debug("terminal '" + settings_.name + "' logged in to account " +
              std::to_string(who.account.login) + " on '" + who.account.server + "'");
}

void Terminal::use(const Credentials& who, Deadline until, const Request* request) {
  std::unique_lock lock(call_mutex_, std::defer_lock);
  auto stage = request != nullptr ? call_timeout_ : login_timeout_;
  if (!lock.try_lock_until(std::min(until, Clock::now() + stage)))
    throw CallFailure(FailureKind::kQueue, 0,
                      "terminal '" + settings_.name +
                          "' stayed busy with other accounts' calls until the deadline");
  try {
    if (!client_ || client_->broken()) connect(until);
    if (!holds(who.account, who.digest)) log_in(who, until);
    if (request != nullptr) {
      auto answer = rpc(request->method, request->params, capped(call_timeout_, until));
      // Nothing reaches the caller (and so storage) unless it is this account's data.
      check_account(answer, who.account, request->method);
      if (request->on_result) request->on_result(answer["result"]);
    }
    {
      std::lock_guard state_lock(state_mutex_);
      if (held_) held_->last_used_ns = host_.monotonic_ns();
    }
    record_success();
  } catch (const CallFailure& f) {
    settle(f, who.password);
    throw;
  }
}

void Terminal::probe() {
  std::unique_lock lock(call_mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  auto until = Clock::now() + connect_timeout_ + login_timeout_;
  try {
    if (!client_ || client_->broken()) {
      connect(until);
    } else {
      auto pong = rpc("ping", nullptr, capped(call_timeout_, until));
      after_ping(pong["result"], until);
    }
    record_success();
  } catch (const CallFailure& f) {
    settle(f, {});
  }
}

bool Terminal::release_idle_login(int64_t unused_since_ns) {
  std::lock_guard lock(state_mutex_);
  if (!held_ || held_->last_used_ns >= unused_since_ns) return false;
  host_.info("terminal '" + settings_.name + "' released idle account " +
             std::to_string(held_->account.login) + " on '" + held_->account.server +
             "'; its next call logs in again");
  held_.reset();
  return true;
}

void Terminal::settle(const CallFailure& failure, std::string_view password) {
  if (client_ && client_->broken()) client_.reset();
  if (policy_for(failure.kind(), failure.code()).terminal_trouble)
    record_failure(failure, password);
  else
    record_success();  // the terminal answered; the failure is the request's own
}

void Terminal::record_success() {
  std::lock_guard lock(state_mutex_);
  consecutive_failures_ = 0;
  move_to(TerminalState::kConnected, "the gateway answered");
}

void Terminal::record_failure(const CallFailure& failure, std::string_view password) {
  std::lock_guard lock(state_mutex_);
  ++consecutive_failures_;
  last_error_ = redact(failure.what(), {password, settings_.token->view()});
  TerminalState next = consecutive_failures_ >= kFailuresForError ? TerminalState::kError
                       : client_                                  ? TerminalState::kConnected
                                                                  : TerminalState::kDisconnected;
  move_to(next, last_error_ + " (" + std::to_string(consecutive_failures_) + " failure" +
                    (consecutive_failures_ == 1 ? "" : "s") + " in a row)");
}

void Terminal::move_to(TerminalState next, std::string_view why) {
  if (next == state_) return;
  auto line = "terminal '" + settings_.name + "' (" + settings_.endpoint() +
              "): " + std::string(state_name(state_)) + " -> " + std::string(state_name(next)) +
              ": " + std::string(why);
  state_ = next;
  host_.log(next == TerminalState::kError          ? MT5B_LOG_ERROR
            : next == TerminalState::kDisconnected ? MT5B_LOG_WARN
                                                   : MT5B_LOG_INFO,
            line);
  host_.gauge_set("mt5bridge_mt5_terminal_state", labels(), static_cast<double>(next));
  host_.counter_add("mt5bridge_mt5_terminal_transitions_total",
                    labels() + ",to=\"" + std::string(state_name(next)) + "\"");
}

TerminalState Terminal::state() const {
  std::lock_guard lock(state_mutex_);
  return state_;
}

std::string Terminal::last_error() const {
  std::lock_guard lock(state_mutex_);
  return last_error_;
}

int Terminal::consecutive_failures() const {
  std::lock_guard lock(state_mutex_);
  return consecutive_failures_;
}

bool Terminal::holds(const AccountKey& account, const PasswordDigest& digest) const {
  std::lock_guard lock(state_mutex_);
  return held_ && held_->account == account && sdk::constant_time_equal(held_->digest, digest);
}

}  // namespace mt5b::broker_mt5
