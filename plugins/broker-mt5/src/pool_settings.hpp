// The plugin's options, read and checked once at create: the terminals (one gateway each) and
// the pool's timeouts, idle time, probe interval and retry policy.
#ifndef MT5B_BROKER_MT5_POOL_SETTINGS_HPP
#define MT5B_BROKER_MT5_POOL_SETTINGS_HPP

#include "secret_string.hpp"

#include <mt5bridge/sdk.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace mt5b::broker_mt5 {

using std::chrono::milliseconds;

// How to reach one gateway. The token is wiped when the last copy of the settings goes away.
struct TerminalSettings {
  std::string name;  // [A-Za-z0-9_.-], used in logs and metric labels as it is
  std::string host;
  uint16_t port = 0;
  std::shared_ptr<const SecretString> token;
  bool tls = true;
  std::string ca_file;             // verify the chain and the host name against this CA
  std::string fingerprint_sha256;  // or pin the certificate: 64 lowercase hex digits
  // Mutual TLS, for a gateway started with --client-ca: the certificate (chain) and key the
  // plugin presents, in addition to the token. Both or neither.
  std::string client_cert_file;
  std::string client_key_file;

  std::string endpoint() const { return host + ":" + std::to_string(port); }
};

struct PoolSettings {
  std::vector<TerminalSettings> terminals;
  milliseconds connect_timeout{5000};
  milliseconds call_timeout{10000};
  milliseconds login_timeout{30000};
  std::chrono::seconds session_idle{300};
  std::chrono::seconds probe_interval{30};
  std::vector<milliseconds> retry_backoff{milliseconds(1000), milliseconds(2000),
                                          milliseconds(4000)};
  int max_retries = 3;

  // The wait before retry number `retry` (0-based); the last delay repeats.
  milliseconds backoff_before_retry(int retry) const;
};

// The option table (what the host validates and documents).
std::span<const mt5b_option> pool_options();

// Reads and checks the config; throws sdk::Error(MT5B_INVALID_ARGUMENT) with a sentence naming
// the option and what to change. Token files are read here. Never puts a token in a message.
PoolSettings read_pool_settings(const sdk::Config& config);

// "AB:cd:..." or "abcd..." -> 64 lowercase hex digits; empty when it is not a SHA-256 digest.
std::string normalise_fingerprint(std::string_view text);

}  // namespace mt5b::broker_mt5

#endif  // MT5B_BROKER_MT5_POOL_SETTINGS_HPP
