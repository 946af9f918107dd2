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
  const std::vector<double>& bounds = *cell_->bounds;
  size_t i = 0;
  while (i < bounds.size() && !(value <= bounds[i])) ++i;
  HistogramShard& shard = cell_->shards[this_thread_shard()];
  shard.counts[i].fetch_add(1, std::memory_order_relaxed);
  shard.sum.fetch_add(value, std::memory_order_relaxed);
  mark_used(cell_->used);
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

const MetricsRegistry::Description& MetricsRegistry::description_of(std::string_view name,
                                                                    MetricType type) {
  auto it = described_.find(name);
  if (it != described_.end()) return it->second;
  // A family nobody described (a plugin's own): it still gets a help line and default buckets.
  Description d{type, "Reported by a plugin; see that plugin's documentation.", {}};
  if (type == MetricType::histogram) d.bounds.assign(kBounds.begin(), kBounds.end());
  return described_.try_emplace(std::string(name), std::move(d)).first->second;
}

MetricsRegistry::HistogramCell& MetricsRegistry::histogram_cell(std::string_view name,
                                                                std::string_view labels) {
  HistogramCell& c = cell(histograms_, name, labels);
  if (c.bounds == nullptr) c.bounds = &description_of(name, MetricType::histogram).bounds;
  return c;
}

void MetricsRegistry::describe(std::string_view name, MetricType type, std::string_view help,
                               std::vector<double> bounds) {
  std::lock_guard lock(mu_);
  if (described_.count(name) != 0) return;
  if (type == MetricType::histogram && bounds.empty())
    bounds.assign(kBounds.begin(), kBounds.end());
  if (bounds.size() > kMaxBounds) bounds.resize(kMaxBounds);
  described_.try_emplace(std::string(name),
                         Description{type, std::string(help), std::move(bounds)});
}

void MetricsRegistry::declare(std::string_view name, std::string_view labels) {
  std::lock_guard lock(mu_);
  auto it = described_.find(name);
  const MetricType type = it == described_.end() ? MetricType::counter : it->second.type;
  switch (type) {
    case MetricType::counter: mark_used(cell(counters_, name, labels).used); break;
    case MetricType::gauge: mark_used(cell(gauges_, name, labels).used); break;
    case MetricType::histogram: mark_used(histogram_cell(name, labels).used); break;
  }
}

MetricsRegistry::Counter MetricsRegistry::counter_series(std::string_view name,
                                                         std::string_view labels) {
  std::lock_guard lock(mu_);
  description_of(name, MetricType::counter);
  return Counter(&cell(counters_, name, labels));
}

MetricsRegistry::Histogram MetricsRegistry::histogram_series(std::string_view name,
                                                             std::string_view labels) {
  std::lock_guard lock(mu_);
  return Histogram(&histogram_cell(name, labels));
}

void MetricsRegistry::counter_add(std::string_view name, std::string_view labels, double value) {
  counter_series(name, labels).add(value);
}

void MetricsRegistry::gauge_set(std::string_view name, std::string_view labels, double value) {
  std::lock_guard lock(mu_);
  description_of(name, MetricType::gauge);
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

double MetricsRegistry::gauge(std::string_view name, std::string_view labels) const {
  std::lock_guard lock(mu_);
  auto it = gauges_.find(name);
  if (it == gauges_.end()) return 0;
  auto jt = it->second.find(labels);
  return jt == it->second.end() ? 0 : jt->second.value.load(std::memory_order_relaxed);
}

namespace {
const char* type_name(MetricType t) {
  switch (t) {
    case MetricType::counter: return "counter";
    case MetricType::gauge: return "gauge";
    case MetricType::histogram: return "histogram";
  }
  return "untyped";
}

// Help text escaping of the text format: backslash and newline.
std::string help_text(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}
}  // namespace

std::string MetricsRegistry::render_prometheus() const {
  std::lock_guard lock(mu_);
  std::string out;
  // Every family in name order, each once with its # HELP and # TYPE, whether or not a series
  // of it exists yet; then its series that were updated or declared.
  for (const auto& [name, d] : described_) {
    out += "# HELP " + name + " " + help_text(d.help) + "\n";
    out += "# TYPE " + name + " " + type_name(d.type) + "\n";
    if (d.type == MetricType::counter) {
      auto it = counters_.find(name);
      if (it == counters_.end()) continue;
      for (const auto& [labels, c] : it->second)
        if (c.used.load(std::memory_order_relaxed))
          out += name + braces(labels) + " " + number(total(c)) + "\n";
    } else if (d.type == MetricType::gauge) {
      auto it = gauges_.find(name);
      if (it == gauges_.end()) continue;
      for (const auto& [labels, g] : it->second)
        if (g.used.load(std::memory_order_relaxed))
          out +=
              name + braces(labels) + " " + number(g.value.load(std::memory_order_relaxed)) + "\n";
    } else {
      auto it = histograms_.find(name);
      if (it == histograms_.end()) continue;
      for (const auto& [labels, h] : it->second) {
        if (!h.used.load(std::memory_order_relaxed)) continue;
        const std::vector<double>& bounds = *h.bounds;
        // The buckets are read once and +Inf and _count derived from them, so one rendering is
        // always consistent (cumulative, +Inf == _count) even while observations land.
        std::array<uint64_t, kMaxBounds + 1> counts{};
        double sum = 0;
        for (const auto& shard : h.shards) {
          for (size_t i = 0; i <= bounds.size(); ++i)
            counts[i] += shard.counts[i].load(std::memory_order_relaxed);
          sum += shard.sum.load(std::memory_order_relaxed);
        }
        uint64_t count = 0;
        for (size_t i = 0; i <= bounds.size(); ++i) count += counts[i];
        uint64_t cumulative = 0;
        for (size_t i = 0; i < bounds.size(); ++i) {
          cumulative += counts[i];
          out += name + "_bucket" + braces(labels, "le=\"" + bound(bounds[i]) + "\"") + " " +
                 std::to_string(cumulative) + "\n";
        }
        out +=
            name + "_bucket" + braces(labels, "le=\"+Inf\"") + " " + std::to_string(count) + "\n";
        out += name + "_sum" + braces(labels) + " " + number(sum) + "\n";
        out += name + "_count" + braces(labels) + " " + std::to_string(count) + "\n";
      }
    }
  }
  return out;
}

}  // namespace mt5b::host
