#include "services/health/health_service.hpp"

#include "api/json_response.hpp"
#include "metrics/host_metrics.hpp"
#include "normaliser/time_format.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <map>

#ifndef MT5BRIDGE_VERSION
#define MT5BRIDGE_VERSION "0.0.0"
#endif

namespace mt5b::host {

namespace {
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

Response json(uint16_t status, const rapidjson::StringBuffer& sb) {
  Response r = json_response(status, sb);
  r.set_header("Cache-Control", "no-store");
  return r;
}

double round1(double v) {
  return std::round(v * 10.0) / 10.0;
}

struct BrokerView {
  std::string name;
  std::vector<BackendState> backends;
  std::string error;  // backend_states itself failed
};
}  // namespace

HealthService::HealthService(StorageClient& storage, std::vector<BrokerClient*> brokers,
                             MetricsRegistry& metrics, LastErrorTracker& last_error,
                             std::string data_dir)
    : storage_(storage),
      brokers_(std::move(brokers)),
      metrics_(metrics),
      last_error_(last_error),
      data_dir_(std::move(data_dir)) {}

void HealthService::add_routes(Router& router) {
  router.add({"GET", "/health", Access::open, [this](RequestContext&) { return health(); },
              RateClass::health});
  router.add({"GET", "/livez", Access::open, [this](RequestContext&) { return livez(); }});
  router.add({"GET", "/readyz", Access::open, [this](RequestContext&) { return readyz(); }});
  router.add({"GET", "/metrics", Access::open, [this](RequestContext&) { return metrics(); }});
}

Response HealthService::health() {
  std::vector<BrokerView> views;
  int64_t sessions = 0;
  bool all_connected = true, any_backend_down = false, broker_failed = false;
  for (auto* b : brokers_) {
    BrokerView v{b->name(), {}, {}};
    try {
      v.backends = b->backend_states();
    } catch (const std::exception& e) {
      v.error = e.what();
      broker_failed = true;
    }
    bool connected = v.backends.empty() && v.error.empty();
    for (const auto& s : v.backends) {
      sessions += s.sessions;
      if (s.state == MT5B_BACKEND_CONNECTED)
        connected = true;
      else
        any_backend_down = true;
    }
    all_connected = all_connected && connected;
    views.push_back(std::move(v));
  }
  std::string storage_error;
  int64_t total_accounts = -1;
  try {
    total_accounts = storage_.count({});
  } catch (const std::exception& e) {
    storage_error = e.what();
  }

  // healthy: everything up; degraded: some terminal down or reconnecting but the service
  // answers; unhealthy: storage down or no broker can log in at all.
  std::string status = "healthy";
  if (!storage_error.empty() || !all_connected || brokers_.empty())
    status = "unhealthy";
  else if (any_backend_down || broker_failed)
    status = "degraded";

  auto usage = usage_.sample(data_dir_);
  auto uptime =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_)
          .count();
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  w.Key("status");
  w.String(status);
  w.Key("timestamp");
  w.String(iso_utc_seconds(now_unix_ms()));
  w.Key("version");
  w.String(MT5BRIDGE_VERSION);
  w.Key("mt5_initialized");
  w.Bool(all_connected && !brokers_.empty());
  w.Key("active_connections");
  w.Int64(sessions);
  w.Key("total_accounts");
  if (total_accounts >= 0)
    w.Int64(total_accounts);
  else
    w.Null();
  w.Key("uptime_seconds");
  w.Int64(uptime);
  w.Key("resource_usage");
  w.StartObject();
  w.Key("cpu_percent");
  w.Double(round1(usage.cpu_percent));
  w.Key("memory_mb");
  w.Double(round1(usage.memory_mb));
  w.Key("disk_gb_free");
  w.Double(round1(usage.disk_gb_free));
  w.EndObject();
  w.Key("last_error");
  if (!storage_error.empty()) {
    w.String(storage_error);
  } else if (auto last = last_error_.get()) {
    w.String(last->message);
  } else {
    w.Null();
  }
  w.Key("brokers");
  w.StartArray();
  for (const auto& v : views) {
    w.StartObject();
    w.Key("name");
    w.String(v.name);
    if (!v.error.empty()) {
      w.Key("error");
      w.String(v.error);
    }
    w.Key("terminals");
    w.StartArray();
    for (const auto& s : v.backends) {
      w.StartObject();
      w.Key("name");
      w.String(s.name);
      w.Key("state");
      w.String(backend_state_name(s.state).data());
      w.Key("sessions");
      w.Int64(s.sessions);
      w.Key("last_error");
      if (s.last_error.empty())
        w.Null();
      else
        w.String(s.last_error);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return json(status == "unhealthy" ? 503 : 200, sb);
}

Response HealthService::livez() {
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  w.Key("status");
  w.String("alive");
  w.EndObject();
  return json(200, sb);
}

Response HealthService::readyz() {
  std::string why;
  bool storage_ok = storage_.ping(&why) == MT5B_OK;
  bool brokers_ok = !brokers_.empty();
  for (auto* b : brokers_) {
    try {
      auto states = b->backend_states();
      bool any = states.empty();
      for (const auto& s : states) any = any || s.state == MT5B_BACKEND_CONNECTED;
      brokers_ok = brokers_ok && any;
    } catch (const std::exception&) {
      brokers_ok = false;
    }
  }
  bool ready = storage_ok && brokers_ok;
  rapidjson::StringBuffer sb;
  Writer w(sb);
  w.StartObject();
  w.Key("status");
  w.String(ready ? "ready" : "not_ready");
  w.Key("checks");
  w.StartObject();
  w.Key("storage");
  w.String(storage_ok ? "ok" : "unavailable");
  w.Key("brokers");
  w.String(brokers_ok ? "ok" : "unavailable");
  w.EndObject();
  w.EndObject();
  return json(ready ? 200 : 503, sb);
}

Response HealthService::metrics() {
  sample_process_metrics(metrics_);
  metrics_.gauge_set(
      "mt5bridge_uptime_seconds", "",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
  std::string why;
  const bool storage_up = storage_.ping(&why) == MT5B_OK;
  metrics_.gauge_set("mt5bridge_storage_up", "", storage_up ? 1 : 0);
  if (storage_up) count_accounts_by_status();
  for (auto* b : brokers_) {
    try {
      for (const auto& s : b->backend_states())
        for (uint32_t st = 0; st <= MT5B_BACKEND_RECONNECTING; ++st)
          metrics_.gauge_set("mt5bridge_terminal_state",
                             "broker=\"" + prometheus_label_value(b->name()) + "\",terminal=\"" +
                                 prometheus_label_value(s.name) + "\",state=\"" +
                                 std::string(backend_state_name(st)) + "\"",
                             s.state == st ? 1 : 0);
    } catch (const std::exception&) {
    }
  }
  Response r;
  r.body = metrics_.render_prometheus();
  r.set_header("Content-Type", "text/plain; version=0.0.4");
  return r;
}

void HealthService::count_accounts_by_status() {
  // Reading every account costs a storage round trip per page: at most every 30 s, whatever
  // the scrape interval; one scrape counts at a time.
  std::unique_lock lock(accounts_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  const auto now = std::chrono::steady_clock::now();
  if (accounts_counted_at_ && now - *accounts_counted_at_ < std::chrono::seconds(30)) return;
  std::map<std::string, int64_t> counts;
  for (const char* status : kConnectionStatuses) counts[status] = 0;
  constexpr int64_t kPage = 1000;
  try {
    for (int64_t offset = 0;; offset += kPage) {
      auto page = storage_.list(AccountQuery{"", false, kPage, offset});
      for (const auto& a : page) ++counts[a.connection_status];
      if (static_cast<int64_t>(page.size()) < kPage) break;
    }
  } catch (const std::exception&) {
    return;  // storage_up says why the figures are old
  }
  for (const auto& [status, n] : counts)
    metrics_.gauge_set("mt5bridge_accounts",
                       "connection_status=\"" + prometheus_label_value(status) + "\"",
                       static_cast<double>(n));
  accounts_counted_at_ = now;
}

}  // namespace mt5b::host
