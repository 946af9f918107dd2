#include "metrics/host_metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>

#ifndef MT5BRIDGE_VERSION
#define MT5BRIDGE_VERSION "0.0.0"
#endif

namespace mt5b::host {

namespace {

using T = MetricType;

// Request-scale latencies: 1 ms .. 30 s (the registry's default).
// Broker calls and connection tests reach the terminal, which may log in first: up to 2 min.
const std::vector<double> kBrokerBounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                        2.5,   5,    10,    20,   30,  60,   120};
// One account's sync: a broker round trip or several, up to the lease TTL.
const std::vector<double> kAccountSyncBounds{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,  2.5,
                                             5,    10,    20,   30,  60,   120, 300};
// A whole sync cycle: from an empty store to a full budget of ten minutes.
const std::vector<double> kCycleBounds{0.1, 0.25, 0.5, 1,   2.5, 5,   10, 20,
                                       30,  60,   120, 180, 300, 450, 600};

void describe_host_families(MetricsRegistry& m) {
  m.describe("mt5bridge_build_info", T::gauge,
             "Always 1; the labels name the running build's version.");
  m.describe("mt5bridge_uptime_seconds", T::gauge, "Seconds since this host process started.");
  m.describe("mt5bridge_http_requests_total", T::counter,
             "HTTP requests answered, by route template, method and status.");
  m.describe("mt5bridge_http_request_duration_seconds", T::histogram,
             "Time from receiving a request to handing its response to the transport.");
  m.describe("mt5bridge_rate_limited_total", T::counter,
             "Requests refused with 429 by the rate limiter, by route template.");
  m.describe("mt5bridge_auth_failures_total", T::counter,
             "Requests refused with 401, by error code.");
  m.describe("mt5bridge_auth_failure_bursts_total", T::counter,
             "Times one API key or client IP reached 5 authentication failures within 5 "
             "minutes, by what was counted (key or ip).");
  m.describe("mt5bridge_cache_requests_total", T::counter,
             "Market data reads by cache (info, positions, history) and result (hit, miss, "
             "stale).");
  m.describe("mt5bridge_broker_fetch_seconds", T::histogram,
             "Time of one broker read on a cache miss, by what was read.", kBrokerBounds);
  m.describe("mt5bridge_broker_errors_total", T::counter,
             "Broker calls that failed, by broker instance and status.");
  m.describe("mt5bridge_connect_test_seconds", T::histogram,
             "Time of the login test when an account is linked.", kBrokerBounds);
  m.describe("mt5bridge_accounts_linked_total", T::counter, "Accounts linked since start.");
  m.describe("mt5bridge_accounts", T::gauge,
             "Stored accounts by connection status (read from storage at most every 30 s).");
  m.describe("mt5bridge_storage_up", T::gauge,
             "1 when the storage answered its last ping (at the last scrape), else 0.");
  m.describe("mt5bridge_terminal_state", T::gauge,
             "1 for the state each broker backend (terminal) is in, 0 for the others.");
  m.describe("mt5bridge_sync_scheduled", T::gauge,
             "1 when this host runs scheduled sync cycles, 0 when sync runs on request only.");
  m.describe("mt5bridge_sync_cycles_total", T::counter, "Sync cycles finished, by trigger.");
  m.describe("mt5bridge_sync_cycle_seconds", T::histogram, "Duration of one sync cycle.",
             kCycleBounds);
  m.describe("mt5bridge_sync_account_seconds", T::histogram, "Duration of one account's sync.",
             kAccountSyncBounds);
  m.describe("mt5bridge_sync_accounts_total", T::counter, "Account syncs finished, by outcome.");
  m.describe("mt5bridge_sync_retries_total", T::counter,
             "Broker calls of a sync retried after a transient failure, by call.");
  m.describe("mt5bridge_sync_deals_inserted_total", T::counter, "Deals stored by syncs.");
  m.describe("mt5bridge_sync_trades_inserted_total", T::counter,
             "Trades stored or closed by syncs.");
  m.describe("mt5bridge_sync_last_cycle_accounts", T::gauge,
             "Accounts of the last finished sync cycle, by outcome.");
  m.describe("mt5bridge_sync_last_cycle_timestamp_seconds", T::gauge,
             "Unix time the last sync cycle finished (the process start time before the first).");
  m.describe("mt5bridge_sync_last_success_timestamp_seconds", T::gauge,
             "Unix time the last sync cycle finished with no account failing (the process start "
             "time before the first).");
}

// Families of the bundled plugins (they carry the plugin and instance labels the host adds).
void describe_plugin_families(MetricsRegistry& m) {
  m.describe("mt5bridge_mt5_gateway_calls_total", T::counter,
             "broker-mt5: gateway calls, by terminal and method.");
  m.describe("mt5bridge_mt5_gateway_call_duration_seconds", T::histogram,
             "broker-mt5: duration of one gateway call, by terminal and method.", kBrokerBounds);
  m.describe("mt5bridge_mt5_gateway_errors_total", T::counter,
             "broker-mt5: gateway calls that failed, by terminal, method and failure kind.");
  m.describe("mt5bridge_mt5_gateway_retries_total", T::counter,
             "broker-mt5: gateway calls retried, by terminal and method.");
  m.describe("mt5bridge_mt5_wrong_account_total", T::counter,
             "broker-mt5: gateway answers that carried another account's data (refused), by "
             "terminal and method.");
  m.describe("mt5bridge_mt5_terminal_sessions", T::gauge,
             "broker-mt5: account sessions bound to each terminal.");
  m.describe("mt5bridge_mt5_terminal_state", T::gauge,
             "broker-mt5: state of each terminal's connection (0 disconnected, 1 connecting, 2 "
             "connected, 3 reconnecting).");
  m.describe("mt5bridge_mt5_terminal_transitions_total", T::counter,
             "broker-mt5: terminal connection state changes, by terminal and new state.");
  m.describe("mt5bridge_storage_sync_apply_groups_total", T::counter,
             "storage-postgres: group commits of sync applies.");
  m.describe("mt5bridge_storage_sync_applies_total", T::counter,
             "storage-postgres: sync applies written in group commits.");
  m.describe("mt5bridge_storage_sync_apply_group_failures_total", T::counter,
             "storage-postgres: group commits that failed and were split.");
}

void describe_process_families(MetricsRegistry& m) {
  m.describe("process_cpu_seconds_total", T::counter, "User and system CPU time spent.");
  m.describe("process_resident_memory_bytes", T::gauge, "Resident memory size.");
  m.describe("process_virtual_memory_bytes", T::gauge, "Virtual memory size.");
  m.describe("process_open_fds", T::gauge, "Open file descriptors.");
  m.describe("process_max_fds", T::gauge, "Maximum number of open file descriptors.");
  m.describe("process_start_time_seconds", T::gauge,
             "Start time of the process since the Unix epoch.");
}

std::string quoted(const char* label, const char* value) {
  return std::string(label) + "=\"" + value + "\"";
}

double boot_time_s() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime" && in >> value) return value;
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

}  // namespace

void describe_host_metrics(MetricsRegistry& m) {
  describe_host_families(m);
  describe_plugin_families(m);
  describe_process_families(m);

  m.gauge_set("mt5bridge_build_info", "version=\"" MT5BRIDGE_VERSION "\"", 1);
  for (const char* name :
       {"mt5bridge_uptime_seconds", "mt5bridge_accounts_linked_total", "mt5bridge_storage_up",
        "mt5bridge_sync_scheduled", "mt5bridge_sync_deals_inserted_total",
        "mt5bridge_sync_trades_inserted_total", "mt5bridge_connect_test_seconds",
        "mt5bridge_sync_cycle_seconds", "mt5bridge_sync_account_seconds"})
    m.declare(name);
  for (const char* code :
       {"API_KEY_REQUIRED", "AUTHENTICATION_FAILED", "INVALID_TOKEN", "USER_TOKEN_REQUIRED"})
    m.declare("mt5bridge_auth_failures_total", quoted("code", code));
  for (const char* by : {"key", "ip"})
    m.declare("mt5bridge_auth_failure_bursts_total", quoted("by", by));
  for (const char* cache : {"info", "positions", "history"}) {
    m.declare("mt5bridge_broker_fetch_seconds", quoted("what", cache));
    for (const char* result : {"hit", "miss", "stale"})
      m.declare("mt5bridge_cache_requests_total",
                quoted("cache", cache) + "," + quoted("result", result));
  }
  for (const char* status : kConnectionStatuses)
    m.declare("mt5bridge_accounts", quoted("connection_status", status));
  for (const char* outcome : {"success", "failed"})
    m.declare("mt5bridge_sync_accounts_total", quoted("outcome", outcome));
  for (const char* outcome : {"success", "failed", "skipped"})
    m.declare("mt5bridge_sync_last_cycle_accounts", quoted("outcome", outcome));
  for (const char* trigger : {"scheduled", "api"})
    m.declare("mt5bridge_sync_cycles_total", quoted("trigger", trigger));

  sample_process_metrics(m);
  const double started = m.gauge("process_start_time_seconds");
  m.gauge_set("mt5bridge_sync_last_cycle_timestamp_seconds", "", started);
  m.gauge_set("mt5bridge_sync_last_success_timestamp_seconds", "", started);
}

void sample_process_metrics(MetricsRegistry& m) {
  // The CPU counter is advanced by the difference to /proc's total: one scrape at a time.
  static std::mutex mu;
  std::lock_guard lock(mu);
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  // /proc/self/stat: the command name (field 2) may hold spaces; the rest follows its ')'.
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  if (close != std::string::npos) {
    std::istringstream rest(text.substr(close + 2));
    std::string field;
    // Fields from 3 (state) on; utime 14, stime 15, starttime 22, vsize 23, rss 24.
    double utime = 0, stime = 0, starttime = 0, vsize = 0, rss = 0;
    for (int i = 3; rest >> field && i <= 24; ++i) {
      if (i == 14) utime = std::stod(field);
      if (i == 15) stime = std::stod(field);
      if (i == 22) starttime = std::stod(field);
      if (i == 23) vsize = std::stod(field);
      if (i == 24) rss = std::stod(field);
    }
    m.counter_add("process_cpu_seconds_total", "",
                  (utime + stime) / ticks - m.counter("process_cpu_seconds_total"));
    m.gauge_set("process_resident_memory_bytes", "", rss * page);
    m.gauge_set("process_virtual_memory_bytes", "", vsize);
    m.gauge_set("process_start_time_seconds", "", boot_time_s() + starttime / ticks);
  }
  double fds = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (const dirent* e = readdir(dir))
      if (e->d_name[0] != '.') ++fds;
    closedir(dir);
    fds -= 1;  // the directory stream itself
  }
  m.gauge_set("process_open_fds", "", fds);
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0)
    m.gauge_set("process_max_fds", "", static_cast<double>(limit.rlim_cur));
}

}  // namespace mt5b::host
