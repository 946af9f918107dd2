#include "metrics/metrics_registry.hpp"

#include <array>
#include <cstdio>

namespace mt5b::host {

namespace {
constexpr std::array<double, 14> kBounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                         0.25,  0.5,    1.0,   2.5,  5.0,   10.0, 30.0};

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

void MetricsRegistry::counter_add(std::string_view name, std::string_view labels, double value) {
  std::lock_guard lock(mu_);
  counters_[std::string(name)][std::string(labels)] += value;
}

void MetricsRegistry::gauge_set(std::string_view name, std::string_view labels, double value) {
  std::lock_guard lock(mu_);
  gauges_[std::string(name)][std::string(labels)] = value;
}

void MetricsRegistry::observe(std::string_view name, std::string_view labels, double value) {
  std::lock_guard lock(mu_);
  auto& h = histograms_[std::string(name)][std::string(labels)];
  if (h.buckets.empty()) h.buckets.assign(kBounds.size(), 0);
  for (size_t i = 0; i < kBounds.size(); ++i)
    if (value <= kBounds[i]) ++h.buckets[i];
  ++h.count;
  h.sum += value;
}

double MetricsRegistry::counter(std::string_view name, std::string_view labels) const {
  std::lock_guard lock(mu_);
  auto it = counters_.find(std::string(name));
  if (it == counters_.end()) return 0;
  auto jt = it->second.find(std::string(labels));
  return jt == it->second.end() ? 0 : jt->second;
}

std::string MetricsRegistry::render_prometheus() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, series] : counters_) {
    out += "# TYPE " + name + " counter\n";
    for (const auto& [labels, v] : series) out += name + braces(labels) + " " + number(v) + "\n";
  }
  for (const auto& [name, series] : gauges_) {
    out += "# TYPE " + name + " gauge\n";
    for (const auto& [labels, v] : series) out += name + braces(labels) + " " + number(v) + "\n";
  }
  for (const auto& [name, series] : histograms_) {
    out += "# TYPE " + name + " histogram\n";
    for (const auto& [labels, h] : series) {
      for (size_t i = 0; i < kBounds.size(); ++i)
        out += name + "_bucket" + braces(labels, "le=\"" + bound(kBounds[i]) + "\"") + " " +
               std::to_string(h.buckets[i]) + "\n";
      out +=
          name + "_bucket" + braces(labels, "le=\"+Inf\"") + " " + std::to_string(h.count) + "\n";
      out += name + "_sum" + braces(labels) + " " + number(h.sum) + "\n";
      out += name + "_count" + braces(labels) + " " + std::to_string(h.count) + "\n";
    }
  }
  return out;
}

}  // namespace mt5b::host
