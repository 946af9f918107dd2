#include "metrics/metrics_registry.hpp"

#include <cstdio>
#include <functional>
#include <thread>

namespace mt5b::host {

namespace {

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string bound(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string braces(const std::string& labels, const std::string& extra = {}) {
  std::string inner = labels;
  if (!extra.empty()) inner += inner.empty() ? extra : "," + extra;
  return inner.empty() ? std::string{} : "{" + inner + "}";
}

// The shard this thread updates. Thread ids are hashed, so worker threads usually land on
// different shards; two that share one are still counted exactly.
size_t this_thread_shard() {
  return std::hash<std::thread::id>{}(std::this_thread::get_id()) % MetricsRegistry::kShards;
}

double total(const MetricsRegistry::CounterCell& c) {
  double sum = 0;
  for (const auto& shard : c.shards) sum += shard.value.load(std::memory_order_relaxed);
  return sum;
}

// Marks a series as shown; the load first keeps a hot series' cache line shared.
void mark_used(std::atomic<bool>& used) {
  if (!used.load(std::memory_order_relaxed)) used.store(true, std::memory_order_relaxed);
}

}  // namespace

std::string prometheus_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void MetricsRegistry::Counter::add(double value) const {
  cell_->shards[this_thread_shard()].value.fetch_add(value, std::memory_order_relaxed);
  mark_used(cell_->used);
}

void MetricsRegistry::Histogram::observe(double value) const {
  size_t i = 0;
  while (i < kBounds.size() && !(value <= kBounds[i])) ++i;
  HistogramShard& shard = cell_->shards[this_thread_shard()];
  shard.counts[i].fetch_add(1, std::memory_order_relaxed);
  shard.sum.fetch_add(value, std::memory_order_relaxed);
}

template <class Cell>
Cell& MetricsRegistry::cell(Family<Cell>& family, std::string_view name, std::string_view labels) {
  // Heterogeneous lookups: no string is built for a series that exists.
  auto series = family.find(name);
  if (series == family.end()) series = family.try_emplace(std::string(name)).first;
  auto it = series->second.find(labels);
  if (it == series->second.end()) it = series->second.try_emplace(std::string(labels)).first;
  return it->second;
}

MetricsRegistry::Counter MetricsRegistry::counter_series(std::string_view name,
                                                         std::string_view labels) {
  std::lock_guard lock(mu_);
  return Counter(&cell(counters_, name, labels));
}

MetricsRegistry::Histogram MetricsRegistry::histogram_series(std::string_view name,
                                                             std::string_view labels) {
  std::lock_guard lock(mu_);
  return Histogram(&cell(histograms_, name, labels));
}

void MetricsRegistry::counter_add(std::string_view name, std::string_view labels, double value) {
  counter_series(name, labels).add(value);
}

void MetricsRegistry::gauge_set(std::string_view name, std::string_view labels, double value) {
  std::lock_guard lock(mu_);
  GaugeCell& g = cell(gauges_, name, labels);
  g.value.store(value, std::memory_order_relaxed);
  mark_used(g.used);
}

void MetricsRegistry::observe(std::string_view name, std::string_view labels, double value) {
  histogram_series(name, labels).observe(value);
}

double MetricsRegistry::counter(std::string_view name, std::string_view labels) const {
  std::lock_guard lock(mu_);
  auto it = counters_.find(name);
  if (it == counters_.end()) return 0;
  auto jt = it->second.find(labels);
  return jt == it->second.end() ? 0 : total(jt->second);
}

std::string MetricsRegistry::render_prometheus() const {
  std::lock_guard lock(mu_);
  std::string out;
  // Counters and gauges: a name is listed once one of its series has been updated.
  auto render_values = [&out](const auto& family, const char* type, auto value_of) {
    for (const auto& [name, series] : family) {
      bool typed = false;
      for (const auto& [labels, c] : series) {
        if (!c.used.load(std::memory_order_relaxed)) continue;
        if (!typed) out += "# TYPE " + name + " " + type + "\n";
        typed = true;
        out += name + braces(labels) + " " + number(value_of(c)) + "\n";
      }
    }
  };
  render_values(counters_, "counter", [](const CounterCell& c) { return total(c); });
  render_values(gauges_, "gauge",
                [](const GaugeCell& g) { return g.value.load(std::memory_order_relaxed); });
  for (const auto& [name, series] : histograms_) {
    bool typed = false;
    for (const auto& [labels, h] : series) {
      // The buckets are read once and +Inf and _count derived from them, so one rendering is
      // always consistent (cumulative, +Inf == _count) even while observations land.
      std::array<uint64_t, kBounds.size() + 1> counts{};
      double sum = 0;
      for (const auto& shard : h.shards) {
        for (size_t i = 0; i < counts.size(); ++i)
          counts[i] += shard.counts[i].load(std::memory_order_relaxed);
        sum += shard.sum.load(std::memory_order_relaxed);
      }
      uint64_t count = 0;
      for (uint64_t c : counts) count += c;
      if (count == 0) continue;
      if (!typed) out += "# TYPE " + name + " histogram\n";
      typed = true;
      uint64_t cumulative = 0;
      for (size_t i = 0; i < kBounds.size(); ++i) {
        cumulative += counts[i];
        out += name + "_bucket" + braces(labels, "le=\"" + bound(kBounds[i]) + "\"") + " " +
               std::to_string(cumulative) + "\n";
      }
      out += name + "_bucket" + braces(labels, "le=\"+Inf\"") + " " + std::to_string(count) + "\n";
      out += name + "_sum" + braces(labels) + " " + number(sum) + "\n";
      out += name + "_count" + braces(labels) + " " + std::to_string(count) + "\n";
    }
  }
  return out;
}

}  // namespace mt5b::host
