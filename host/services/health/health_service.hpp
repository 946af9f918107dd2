// /health (seed story 3.7), /livez (the process answers), /readyz (storage and brokers reachable)
// and /metrics (Prometheus text).
#pragma once

#include "api/router.hpp"
#include "metrics/metrics_registry.hpp"
#include "runtime/broker_client.hpp"
#include "runtime/storage_client.hpp"
#include "services/health/last_error.hpp"
#include "services/health/process_usage.hpp"

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mt5b::host {

class HealthService {
 public:
  HealthService(StorageClient& storage, std::vector<BrokerClient*> brokers,
                MetricsRegistry& metrics, LastErrorTracker& last_error, std::string data_dir);

  void add_routes(Router& router);
  Response health();
  Response livez();
  Response readyz();
  Response metrics();

 private:
  void count_accounts_by_status();

  StorageClient& storage_;
  std::vector<BrokerClient*> brokers_;
  MetricsRegistry& metrics_;
  LastErrorTracker& last_error_;
  std::string data_dir_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  ProcessUsage usage_;
  std::mutex accounts_mu_;
  std::optional<std::chrono::steady_clock::time_point> accounts_counted_at_;
};

}  // namespace mt5b::host
