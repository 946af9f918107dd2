// Counters, gauges and histograms, rendered in Prometheus text format. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace mt5b::host {

class MetricsRegistry {
 public:
  // `labels` is Prometheus label text without braces, e.g. `route="/health",status="200"`.
  void counter_add(std::string_view name, std::string_view labels, double value);
  void gauge_set(std::string_view name, std::string_view labels, double value);
  // Observations in seconds for durations; fixed latency buckets 1 ms .. 30 s.
  void observe(std::string_view name, std::string_view labels, double value);

  double counter(std::string_view name, std::string_view labels = {}) const;
  std::string render_prometheus() const;

 private:
  struct Histogram {
    std::vector<uint64_t> buckets;  // cumulative counts per bound
    uint64_t count = 0;
    double sum = 0;
  };
  static std::string key(std::string_view name, std::string_view labels);

  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, double>> counters_;
  std::map<std::string, std::map<std::string, double>> gauges_;
  std::map<std::string, std::map<std::string, Histogram>> histograms_;
};

// Escapes a label value for Prometheus text (backslash, quote, newline).
std::string prometheus_label_value(std::string_view value);

}  // namespace mt5b::host
