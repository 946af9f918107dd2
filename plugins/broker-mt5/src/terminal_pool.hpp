// The pool of terminals behind one broker-mt5 instance, and the sessions on it.
//
// Choice of terminal (issue 3): an account stays on the terminal that last held it; a new
// account takes the least recently used CONNECTED terminal among those with the fewest open
// sessions (so a new account never queues behind a busy terminal while another idles). An
// account whose last terminal is busy with another account and no longer holds it goes where a
// new one would: it needs a login either way, and waiting costs more. Terminals in ERROR are
// avoided; a session on one moves to a healthy terminal at its next call.
#ifndef MT5B_BROKER_MT5_TERMINAL_POOL_HPP
#define MT5B_BROKER_MT5_TERMINAL_POOL_HPP

#include "secret_string.hpp"
#include "terminal.hpp"

#include <mt5bridge/sdk.hpp>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace mt5b::broker_mt5 {

class TerminalPool;

// One logged-in account. Keeps the password (wiped on close) because a call may have to log in
// again: after another account took the terminal, after an idle release, or on another
// terminal when its own became unhealthy.
class Mt5Session final : public sdk::BrokerSession {
 public:
  Mt5Session(TerminalPool& pool, AccountKey account, std::string_view password,
             const PasswordDigest& digest);
  ~Mt5Session() override;
  Mt5Session(const Mt5Session&) = delete;
  Mt5Session& operator=(const Mt5Session&) = delete;

  const AccountKey& account() const noexcept { return account_; }
  Credentials credentials() const noexcept { return {account_, password_.view(), digest_}; }

 private:
  friend class TerminalPool;
  TerminalPool& pool_;
  AccountKey account_;
  SecretString password_;
  PasswordDigest digest_;
  // Guarded by the pool's mutex.
  std::optional<size_t> terminal_;
  int64_t last_used_ns_ = 0;
};

struct BackendView {
  std::string name;
  TerminalState state = TerminalState::kDisconnected;
  std::string last_error;
  int64_t sessions = 0;
};

class TerminalPool {
 public:
  // Connects every terminal in parallel (failures only set their state) and starts the
  // maintenance thread (probes and idle release).
  TerminalPool(sdk::Host host, PoolSettings settings);
  ~TerminalPool();
  TerminalPool(const TerminalPool&) = delete;
  TerminalPool& operator=(const TerminalPool&) = delete;

  // Logs in (unless the chosen terminal still holds the account with this password).
  // The whole open finishes within `timeout`. Throws sdk::Error.
  std::unique_ptr<Mt5Session> open_session(int64_t login, std::string_view server,
                                           std::string_view password,
                                           std::chrono::milliseconds timeout);

  // Runs one gateway method for the session's account, with retries. Throws sdk::Error.
  void call(Mt5Session& session, const Terminal::Request& request);

  std::vector<BackendView> backends() const;
  const PoolSettings& settings() const noexcept { return settings_; }

 private:
  friend class Mt5Session;
  void forget(Mt5Session& session);
  void run(Mt5Session& session, Deadline until, const Terminal::Request* request);
  size_t terminal_for(Mt5Session& session);                                      // under mu_
  size_t choose(const AccountKey& account, const PasswordDigest& digest) const;  // under mu_
  void bind(Mt5Session& session, size_t terminal);                               // under mu_
  void unbind(Mt5Session& session);                                              // under mu_
  void mark_used(Mt5Session& session, size_t terminal);
  void publish_sessions(size_t terminal) const;  // under mu_
  PasswordDigest digest_of(std::string_view password) const;
  std::string scrub(std::string text, std::string_view password) const;
  void maintain(std::stop_token stop, int64_t first_probe_ns);
  void release_idle(int64_t now_ns);

  sdk::Host host_;
  PoolSettings settings_;
  PasswordDigest digest_key_{};  // random per instance
  std::vector<std::unique_ptr<Terminal>> terminals_;

  mutable std::mutex mu_;  // guards everything below and the sessions' binding fields
  std::vector<int64_t> bound_sessions_;
  std::vector<uint64_t> last_used_;  // a use counter: larger is more recent
  uint64_t use_counter_ = 0;
  std::map<AccountKey, size_t> last_terminal_;
  std::set<Mt5Session*> sessions_;

  std::mutex wake_mutex_;
  std::condition_variable_any wake_;
  std::jthread maintenance_;  // last: it starts once everything above exists
};

}  // namespace mt5b::broker_mt5

#endif  // MT5B_BROKER_MT5_TERMINAL_POOL_HPP
