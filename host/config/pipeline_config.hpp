// The pipeline YAML: which plugin instances to create and how the host's own services are set.
// Loading collects every problem it finds (file:line:column, the place, the fix) instead of
// stopping at the first, so `mt5bridge check-config` can print them all.
#pragma once

#include "config/cron_schedule.hpp"
#include "crypto/credential_cipher.hpp"
#include "loader/plugin_loader.hpp"
#include "log/logger.hpp"
#include "normaliser/clock_spec.hpp"
#include "normaliser/pips.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mt5b::host {

// Reads an environment variable; tests substitute their own.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_env();

struct InstanceConfig {
  mt5b_plugin_kind kind = MT5B_KIND_STORAGE;
  std::string name;                  // instance name (defaults to the plugin name)
  std::string plugin;                // plugin name or path
  std::string library;               // optional explicit library path
  std::string location;              // "file:line:col" of the instance, for messages
  std::string config_json;           // validated options with defaults filled in
  std::vector<std::string> servers;  // brokers: server name patterns this instance serves
  std::map<std::string, ClockSpec> time_zones;  // brokers: server (or "*") → its clock
  LoadedPlugin loaded;
};

struct RateLimitConfig {
  int64_t per_key_per_min = 100;       // story 7.4 / 3.1: every route, per API key
  int64_t connect_per_min = 10;        // story 7.4: POST /api/mt5/connect, per API key
  int64_t health_per_ip_per_min = 20;  // story 7.4: GET /health, per client IP
  // Failed authentications per client IP; past them the IP's requests are answered 429 before
  // their credentials are checked (issue 13: 345,262 answers of 401 in 5 s otherwise).
  int64_t auth_failures_per_ip_per_min = 30;
};

struct ApiConfig {
  // A service principal (API key alone) may act on any account, naming the user in the body.
  bool service_key_acts_on_any_account = false;
  // Routes on a user's own accounts accept the user's JWT without the service key, so a
  // browser never holds the key (docs/api.md, "Who holds which credential").
  bool user_token_alone = false;
  int64_t broker_timeout_ms = 10000;  // seed story 3.2: connection test limit
  int64_t info_cache_ttl_s = 30;      // seed story 3.3
  int64_t positions_cache_ttl_s = 5;  // seed story 3.4
  int64_t history_cache_ttl_s = 300;  // seed story 3.5
  RateLimitConfig rate_limits;
  // Browser origins allowed by CORS (seed story 1.4's local development origins by default).
  std::vector<std::string> cors_origins{"http://localhost:5173", "http://localhost:3000"};
  // Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For / X-Real-IP name the
  // client; empty: the connection's peer is always the client (config/client_address.hpp).
  std::vector<std::string> trusted_proxies;
};

struct SyncConfig {
  CronSchedule schedule = *CronSchedule::parse("*/5 * * * *", nullptr);
  int64_t batch_size = 10;            // story 4.2
  int64_t concurrency = 10;           // accounts synced at once
  int64_t cycle_budget_s = 270;       // story 4.2's time budget
  int64_t overlap_s = 3600;           // deals re-read before last_successful_sync_at
  int64_t initial_history_days = 90;  // how far back an account's first sync reads
  int64_t retry_backoff_ms = 1000;    // one retry of a transient broker failure, after this
  int64_t lease_ttl_s = 120;          // a crashed host's leases expire after this
  bool enabled = true;                // false: no scheduler (manual and API-triggered only)
};

struct PipelineConfig {
  std::string file;
  std::string instance_id;
  LogLevel log_level = LogLevel::info;
  LogSettings logging;  // service.log_format, log_sinks, log_file...
  std::vector<std::filesystem::path> search_path;
  InstanceConfig storage;
  std::vector<InstanceConfig> auth;
  std::vector<InstanceConfig> brokers;
  std::vector<InstanceConfig> transports;
  std::vector<CipherKey> keys;
  std::string active_key_id;
  ApiConfig api;
  SyncConfig sync;
  PipRules pip_rules;
  std::vector<std::string> secrets;   // every secret value found, for log redaction
  std::vector<std::string> warnings;  // e.g. development defaults in use
};

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

struct ConfigLoadOptions {
  EnvLookup env = process_env();
  // Search path entries appended after the config's own (MT5BRIDGE_PLUGIN_DIR, build/install dirs).
  std::vector<std::filesystem::path> default_search_path;
  // Static plugins (tests) registered into the loader before any lookup.
  std::function<void(PluginLoader&)> register_static;
};

// Parses, substitutes ${VAR} / ${VAR:-default}, validates host keys, finds every plugin and
// validates each instance's options. Throws ConfigError listing every problem.
// `loader` receives the config's search path and keeps the libraries it loaded.
PipelineConfig load_pipeline_config(const std::filesystem::path& file,
                                    const ConfigLoadOptions& options,
                                    std::unique_ptr<PluginLoader>& loader);

}  // namespace mt5b::host
