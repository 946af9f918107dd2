// The current JWKS, kept fresh by a background thread so request threads never fetch.
//
// The set is loaded once at start, then again every refresh_interval and whenever a token
// names a kid the set lacks (a rotation: Supabase publishes the next key before signing with
// it) — but such on-demand refreshes start at most once per min_refresh_interval, so tokens
// with made-up kids cannot turn the plugin into a fetch loop against the issuer. A refresh
// that fails (network, status, bad document) keeps the keys already held.
#ifndef MT5BRIDGE_AUTH_JWT_JWKS_KEY_STORE_HPP
#define MT5BRIDGE_AUTH_JWT_JWKS_KEY_STORE_HPP

#include "jwk_set.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace mt5b::auth_jwt {

struct JwksRefreshPolicy {
  std::chrono::milliseconds refresh_interval{std::chrono::minutes(10)};
  std::chrono::milliseconds min_refresh_interval{std::chrono::seconds(30)};
  // How long a request with an unknown kid waits for a refresh already under way (bounded by
  // the fetch timeout); 0 answers at once and lets the client retry.
  std::chrono::milliseconds unknown_kid_wait{std::chrono::seconds(2)};
  std::vector<std::string> algorithms{"ES256", "RS256"};
};

class JwksKeyStore {
 public:
  // Returns the JWKS document's text, or throws sdk::Error with a reason (no secrets in it).
  using Loader = std::function<std::string()>;
  // Logs one line: warn false for information, true for a problem.
  using Log = std::function<void(bool warn, const std::string& line)>;

  // Loads the set once before returning. When that first load fails: with
  // `first_load_must_succeed` the error propagates (a bad jwks_file stops start-up); otherwise
  // it is logged and the store starts empty, retrying every min_refresh_interval.
  JwksKeyStore(Loader loader, JwksRefreshPolicy policy, Log log, bool first_load_must_succeed);
  ~JwksKeyStore();
  JwksKeyStore(const JwksKeyStore&) = delete;
  JwksKeyStore& operator=(const JwksKeyStore&) = delete;

  // The key named `kid`, or nullptr. When the set lacks it, asks the background thread for a
  // refresh (rate-limited as above) and waits at most unknown_kid_wait for one under way.
  std::shared_ptr<const VerificationKey> find(std::string_view kid);

  std::shared_ptr<const JwkSet> current() const;
  // Refresh attempts started so far (the first load included); for tests and logs.
  uint64_t attempts() const;

 private:
  using Clock = std::chrono::steady_clock;
  bool load_once();  // true when a new set replaced the old
  void run();

  Loader loader_;
  JwksRefreshPolicy policy_;
  Log log_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;       // the refresh thread: a request or stop
  std::condition_variable refreshed_;  // waiting requests: an attempt finished
  std::shared_ptr<const JwkSet> keys_;
  bool stop_ = false;
  bool requested_ = false;
  bool in_flight_ = false;
  uint64_t attempts_ = 0;
  uint64_t finished_ = 0;
  Clock::time_point last_attempt_{};
  std::thread thread_;
};

}  // namespace mt5b::auth_jwt

#endif  // MT5BRIDGE_AUTH_JWT_JWKS_KEY_STORE_HPP
