// One MT5 terminal behind its gateway: the connection, the account the terminal holds, and the
// health state machine (CONNECTED / DISCONNECTED / ERROR / RECONNECTING) with logged
// transitions. Calls are serialised: the terminal and the MetaTrader5 package run one call at a
// time, so the plugin never has two in flight on one terminal.
#ifndef MT5B_BROKER_MT5_TERMINAL_HPP
#define MT5B_BROKER_MT5_TERMINAL_HPP

#include "fifo_lock.hpp"
#include "gateway_client.hpp"
#include "pool_settings.hpp"

#include <mt5bridge/sdk.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace mt5b::broker_mt5 {

enum class TerminalState : uint32_t {
  kConnected = MT5B_BACKEND_CONNECTED,
  kDisconnected = MT5B_BACKEND_DISCONNECTED,
  kError = MT5B_BACKEND_ERROR,
  kReconnecting = MT5B_BACKEND_RECONNECTING,
};
std::string_view state_name(TerminalState state) noexcept;

// Failures in a row that mark a terminal ERROR (unhealthy).
inline constexpr int kFailuresForError = 3;

// A keyed hash of a password: lets the pool see that a terminal still holds an account with
// the same password without keeping the password itself beyond its session.
using PasswordDigest = std::array<unsigned char, 32>;

struct AccountKey {
  int64_t login = 0;
  std::string server;
  bool operator==(const AccountKey&) const = default;
  auto operator<=>(const AccountKey&) const = default;
};

// Who a call runs for; borrowed for the call.
struct Credentials {
  const AccountKey& account;
  std::string_view password;
  const PasswordDigest& digest;
};

class Terminal {
 public:
  Terminal(sdk::Host host, TerminalSettings settings, const PoolSettings& pool);
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  const TerminalSettings& settings() const noexcept { return settings_; }
  const std::string& name() const noexcept { return settings_.name; }

  // One gateway method to run for an account, and what to do with its result (called while
  // the answer is alive, so records may point into it).
  struct Request {
    std::string_view method;
    ParamsWriter params;
    std::function<void(const rapidjson::Value& result)> on_result;
  };

  // Waits for the terminal (not past `until`), connects when needed, logs `who` in when the
  // terminal holds another account, then runs `request` (when given). Every stage's deadline
  // is its own timeout, capped by `until`. The outcome feeds the state machine.
  // Throws CallFailure.
  void use(const Credentials& who, Deadline until, const Request* request);

  // The periodic probe: connects when needed and pings. Skipped while a call is running (a
  // running call is its own probe).
  void probe();

  // Forgets the held account when it has not been used since `unused_since_ns` (host clock),
  // so its next use logs in again and the broker checks the password again. Returns true when
  // it forgot one.
  bool release_idle_login(int64_t unused_since_ns);

  TerminalState state() const;
  std::string last_error() const;
  int consecutive_failures() const;
  // True when the terminal is logged in to `account` with the password behind `digest`.
  bool holds(const AccountKey& account, const PasswordDigest& digest) const;

 private:
  struct HeldAccount {
    AccountKey account;
    PasswordDigest digest{};
    int64_t last_used_ns = 0;  // host monotonic clock
  };

  // Each runs under call_mutex_.
  void connect(Deadline until);
  void log_in(const Credentials& who, Deadline until);
  void after_ping(const rapidjson::Value& pong, Deadline until);
  // Refuses an answer whose "account" is not `wanted` (docs/mt5-gateway-protocol.md "The
  // account check"): forgets the held account and throws CallFailure(kWrongAccount).
  void check_account(const rapidjson::Value& answer, const AccountKey& wanted,
                     std::string_view method);
  // Feeds a failure to the state machine (under call_mutex_).
  void settle(const CallFailure& failure, std::string_view password);
  rapidjson::Document rpc(std::string_view method, const ParamsWriter& params,
                          std::chrono::milliseconds timeout);

  void record_success();
  void record_failure(const CallFailure& failure, std::string_view password);
  void move_to(TerminalState next, std::string_view why);  // under state_mutex_
  std::chrono::milliseconds capped(std::chrono::milliseconds timeout, Deadline until) const;
  std::string labels(std::string_view method = {}) const;

  sdk::Host host_;
  TerminalSettings settings_;
  std::chrono::milliseconds connect_timeout_;
  std::chrono::milliseconds call_timeout_;
  std::chrono::milliseconds login_timeout_;
  std::optional<TlsClientContext> tls_;

  FifoLock call_mutex_;                    // one call at a time, in arrival order
  std::unique_ptr<GatewayClient> client_;  // guarded by call_mutex_

  mutable std::mutex state_mutex_;  // guards the fields below; never held during I/O
  TerminalState state_ = TerminalState::kDisconnected;
  std::string last_error_;
  int consecutive_failures_ = 0;
  std::optional<HeldAccount> held_;
};

}  // namespace mt5b::broker_mt5

#endif  // MT5B_BROKER_MT5_TERMINAL_HPP
