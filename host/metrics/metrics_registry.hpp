// Counters, gauges and histograms, rendered in Prometheus text format. Thread-safe.
//
// Every series is a set of atomics in a node that never moves, so a hot path can hold a handle
// (counter_series / histogram_series) and update it without the registry's mutex or any string
// work; the mutex guards only the creation of series and the rendering. A series appears in the
// rendering from its first update on, whether it was updated through a handle or by name, or
// from the start when it was declared (`declare`). A described family (`describe`) is rendered
// with its # HELP and # TYPE even before it has a series, and its histograms use its buckets.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace mt5b::host {

enum class MetricType { counter, gauge, histogram };

class MetricsRegistry {
 public:
  // Latency buckets 1 ms .. 30 s (seconds): what a histogram gets unless its family says else.
  static constexpr std::array<double, 14> kBounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                  0.25,  0.5,    1.0,   2.5,  5.0,   10.0, 30.0};
  // The most bounds a family may have (the cells are fixed-size so they never move).
  static constexpr size_t kMaxBounds = 20;

  // Updates go to one of kShards copies, chosen by the updating thread, each on its own cache
  // line: worker threads counting the same series do not bounce one line between cores.
  // Rendering adds the copies up.
  static constexpr size_t kShards = 8;
  struct alignas(64) CounterShard {
    std::atomic<double> value{0};
  };
  struct CounterCell {
    std::array<CounterShard, kShards> shards{};
    std::atomic<bool> used{false};
  };
  struct alignas(64) HistogramShard {
    // Observations per bucket, not cumulative (one increment per observation); the one after
    // the last bound counts those above every bound. Rendering accumulates them.
    std::array<std::atomic<uint64_t>, kMaxBounds + 1> counts{};
    std::atomic<double> sum{0};
  };
  struct HistogramCell {
    const std::vector<double>* bounds = nullptr;  // the family's; never moves
    std::array<HistogramShard, kShards> shards{};
    std::atomic<bool> used{false};
  };

  // A handle on one counter series; valid while the registry lives.
  class Counter {
   public:
    Counter() = default;
    void add(double value) const;
    explicit operator bool() const { return cell_ != nullptr; }

   private:
    friend class MetricsRegistry;
    explicit Counter(CounterCell* cell) : cell_(cell) {}
    CounterCell* cell_ = nullptr;
  };

  // A handle on one histogram series; valid while the registry lives.
  class Histogram {
   public:
    Histogram() = default;
    void observe(double value) const;
    explicit operator bool() const { return cell_ != nullptr; }

   private:
    friend class MetricsRegistry;
    explicit Histogram(HistogramCell* cell) : cell_(cell) {}
    HistogramCell* cell_ = nullptr;
  };

  // Names a family: its type, help text and (histograms) bucket bounds, ascending, at most
  // kMaxBounds. Call before the family's first series; a family described twice keeps the first.
  void describe(std::string_view name, MetricType type, std::string_view help,
                std::vector<double> bounds = {});
  // Creates a series that is rendered from now on, at zero until updated.
  void declare(std::string_view name, std::string_view labels = {});

  // `labels` is Prometheus label text without braces, e.g. `route="/health",status="200"`.
  void counter_add(std::string_view name, std::string_view labels, double value);
  void gauge_set(std::string_view name, std::string_view labels, double value);
  // Observations in seconds for durations.
  void observe(std::string_view name, std::string_view labels, double value);

  // Handles for hot paths: the series is created now but rendered only once updated.
  Counter counter_series(std::string_view name, std::string_view labels);
  Histogram histogram_series(std::string_view name, std::string_view labels);

  double counter(std::string_view name, std::string_view labels = {}) const;
  double gauge(std::string_view name, std::string_view labels = {}) const;
  std::string render_prometheus() const;

 private:
  struct GaugeCell {
    std::atomic<double> value{0};
    std::atomic<bool> used{false};
  };
  struct Description {
    MetricType type = MetricType::counter;
    std::string help;
    std::vector<double> bounds;
  };
  // Ordered maps: the rendering lists names and label sets sorted. Node-based, so cells keep
  // their address while other series are added.
  template <class Cell>
  using Family = std::map<std::string, std::map<std::string, Cell, std::less<>>, std::less<>>;

  template <class Cell>
  static Cell& cell(Family<Cell>& family, std::string_view name, std::string_view labels);
  HistogramCell& histogram_cell(std::string_view name, std::string_view labels);
  const Description& description_of(std::string_view name, MetricType type);

  mutable std::mutex mu_;
  std::map<std::string, Description, std::less<>> described_;
  Family<CounterCell> counters_;
  Family<GaugeCell> gauges_;
  Family<HistogramCell> histograms_;
};

// Escapes a label value for Prometheus text (backslash, quote, newline).
std::string prometheus_label_value(std::string_view value);

}  // namespace mt5b::host
