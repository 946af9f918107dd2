// mt5bridge_http_requests_total and mt5bridge_http_request_duration_seconds, by route, method
// and status, recorded on every request.
//
// The label text of a (route, method, status) series is built once, the first time it occurs;
// after that a request finds the registry's handles in a fixed table of atomic pointers, with no
// lock, allocation or string work. Header-only: it is small, and host/CMakeLists.txt lists the
// core's sources.
#pragma once

#include "metrics/metrics_registry.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>

namespace mt5b::host {

class HttpRequestMetrics {
 public:
  explicit HttpRequestMetrics(MetricsRegistry& registry) : registry_(registry) {}
  HttpRequestMetrics(const HttpRequestMetrics&) = delete;
  HttpRequestMetrics& operator=(const HttpRequestMetrics&) = delete;

  // `route_id` stands for `route_label` for this object's lifetime: the same id must always
  // come with the same label (e.g. the route's index in its router). A method outside the fixed
  // set of HTTP methods is counted as OTHER, so a client cannot grow the number of series.
  void record(uint32_t route_id, std::string_view route_label, std::string_view method,
              uint16_t status, double seconds) {
    const size_t method_index = index_of_method(method);
    const uint64_t key = (uint64_t{route_id} << 32) | (uint64_t{method_index} << 16) | status;
    if (const Series* s = find_or_add(key, route_label, method_index, status)) {
      s->requests.add(1);
      s->duration.observe(seconds);
      return;
    }
    // The table is full (only with an unusual number of distinct series): by name.
    std::string labels = label_text(route_label, method_index, status);
    registry_.counter_add(kRequestsName, labels, 1);
    registry_.observe(kDurationName, labels, seconds);
  }

  // The label a method is counted under: itself when it is a known HTTP method, else OTHER.
  static std::string_view method_label(std::string_view method) {
    return kMethods[index_of_method(method)];
  }

 private:
  static constexpr const char* kRequestsName = "mt5bridge_http_requests_total";
  static constexpr const char* kDurationName = "mt5bridge_http_request_duration_seconds";
  static constexpr std::array<std::string_view, 8> kMethods{"GET",   "POST", "PUT",     "DELETE",
                                                            "PATCH", "HEAD", "OPTIONS", "OTHER"};
  static constexpr size_t kSlots = 1024;  // a power of two
  // Past this many series the table takes no more (they are recorded by name instead), so a
  // probe always ends at an empty slot or a match.
  static constexpr size_t kMaxCached = kSlots / 2;

  struct Series {
    uint64_t key = 0;
    MetricsRegistry::Counter requests;
    MetricsRegistry::Histogram duration;
  };

  static size_t index_of_method(std::string_view method) {
    for (size_t i = 0; i + 1 < kMethods.size(); ++i)
      if (method == kMethods[i]) return i;
    return kMethods.size() - 1;
  }

  // Label values come from fixed sets only (route patterns, known methods, statuses).
  static std::string label_text(std::string_view route_label, size_t method_index,
                                uint16_t status) {
    return "route=\"" + prometheus_label_value(route_label) + "\",method=\"" +
           std::string(kMethods[method_index]) + "\",status=\"" + std::to_string(status) + "\"";
  }

  static size_t slot_of(uint64_t key) {
    return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> 54) & (kSlots - 1);
  }

  const Series* find_or_add(uint64_t key, std::string_view route_label, size_t method_index,
                            uint16_t status) {
    size_t slot = slot_of(key);
    for (size_t probes = 0; probes < kSlots; ++probes, slot = (slot + 1) & (kSlots - 1)) {
      const Series* s = slots_[slot].load(std::memory_order_acquire);
      if (s == nullptr) break;
      if (s->key == key) return s;
    }
    std::lock_guard lock(add_mu_);
    // Another thread may have added it (or filled the slot found empty) meanwhile: probe again.
    slot = slot_of(key);
    for (;; slot = (slot + 1) & (kSlots - 1)) {
      const Series* s = slots_[slot].load(std::memory_order_acquire);
      if (s == nullptr) break;
      if (s->key == key) return s;
    }
    if (added_.size() >= kMaxCached) return nullptr;
    std::string labels = label_text(route_label, method_index, status);
    added_.push_back(Series{key, registry_.counter_series(kRequestsName, labels),
                            registry_.histogram_series(kDurationName, labels)});
    slots_[slot].store(&added_.back(), std::memory_order_release);
    return &added_.back();
  }

  MetricsRegistry& registry_;
  std::array<std::atomic<const Series*>, kSlots> slots_{};
  std::mutex add_mu_;         // serialises additions; lookups never take it
  std::deque<Series> added_;  // owns the series; a deque never moves its elements
};

}  // namespace mt5b::host
