// The metrics registry and the per-request HTTP metrics: the Prometheus text /metrics serves
// (its exact shape), series that appear only once used, and updates from many threads at once.
#include "metrics/metrics_registry.hpp"
#include "metrics/http_request_metrics.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace {

using mt5b::host::HttpRequestMetrics;
using mt5b::host::MetricsRegistry;
using mt5b::host::MetricType;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(MetricsRegistry, renders_counters_gauges_and_histograms_in_prometheus_text) {
  MetricsRegistry m;
  m.describe("b_total", MetricType::counter, "Bees counted.");
  m.describe("d_seconds", MetricType::histogram, "How long it took.", {0.01, 1, 30});
  m.counter_add("b_total", "route=\"/x\"", 2);
  m.counter_add("b_total", "route=\"/x\"", 1.5);
  m.counter_add("a_total", "", 1);
  m.gauge_set("g", "state=\"up\"", 1);
  m.gauge_set("g", "state=\"up\"", 4);
  m.observe("d_seconds", "what=\"info\"", 0.002);
  m.observe("d_seconds", "what=\"info\"", 40);
  EXPECT_EQ(m.render_prometheus(),
            "# HELP a_total Reported by a plugin; see that plugin's documentation.\n"
            "# TYPE a_total counter\n"
            "a_total 1\n"
            "# HELP b_total Bees counted.\n"
            "# TYPE b_total counter\n"
            "b_total{route=\"/x\"} 3.5\n"
            "# HELP d_seconds How long it took.\n"
            "# TYPE d_seconds histogram\n"
            "d_seconds_bucket{what=\"info\",le=\"0.01\"} 1\n"
            "d_seconds_bucket{what=\"info\",le=\"1\"} 1\n"
            "d_seconds_bucket{what=\"info\",le=\"30\"} 1\n"
            "d_seconds_bucket{what=\"info\",le=\"+Inf\"} 2\n"
            "d_seconds_sum{what=\"info\"} 40.002000000000002\n"
            "d_seconds_count{what=\"info\"} 2\n"
            "# HELP g Reported by a plugin; see that plugin's documentation.\n"
            "# TYPE g gauge\n"
            "g{state=\"up\"} 4\n");
}

TEST(MetricsRegistry, an_undescribed_histogram_gets_the_default_latency_buckets) {
  MetricsRegistry m;
  m.observe("d_seconds", "", 0.002);
  std::string text = m.render_prometheus();
  for (double bound : MetricsRegistry::kBounds) {
    char le[32];
    std::snprintf(le, sizeof le, "le=\"%g\"", bound);
    EXPECT_THAT(text, HasSubstr(le));
  }
  EXPECT_THAT(text, HasSubstr("d_seconds_bucket{le=\"0.0025\"} 1\n"));
}

TEST(MetricsRegistry, described_families_show_help_and_type_before_any_series) {
  MetricsRegistry m;
  m.describe("x_total", MetricType::counter, "Line one\nback\\slash");
  m.describe("y_seconds", MetricType::histogram, "Y.", {1, 600});
  EXPECT_EQ(m.render_prometheus(),
            "# HELP x_total Line one\\nback\\\\slash\n"
            "# TYPE x_total counter\n"
            "# HELP y_seconds Y.\n"
            "# TYPE y_seconds histogram\n");
}

TEST(MetricsRegistry, declared_series_are_rendered_at_zero_from_the_start) {
  MetricsRegistry m;
  m.describe("c_total", MetricType::counter, "C.");
  m.describe("g", MetricType::gauge, "G.");
  m.describe("h_seconds", MetricType::histogram, "H.", {1, 600});
  m.declare("c_total", "outcome=\"failed\"");
  m.declare("g");
  m.declare("h_seconds");
  EXPECT_EQ(m.render_prometheus(),
            "# HELP c_total C.\n# TYPE c_total counter\nc_total{outcome=\"failed\"} 0\n"
            "# HELP g G.\n# TYPE g gauge\ng 0\n"
            "# HELP h_seconds H.\n# TYPE h_seconds histogram\n"
            "h_seconds_bucket{le=\"1\"} 0\nh_seconds_bucket{le=\"600\"} 0\n"
            "h_seconds_bucket{le=\"+Inf\"} 0\nh_seconds_sum 0\nh_seconds_count 0\n");
  m.observe("h_seconds", "", 450);
  EXPECT_THAT(m.render_prometheus(), HasSubstr("h_seconds_bucket{le=\"1\"} 0\n"
                                               "h_seconds_bucket{le=\"600\"} 1\n"))
      << "a 7.5-minute sync cycle lands in a bucket, not in +Inf";
}

TEST(MetricsRegistry, a_value_on_a_bound_falls_in_that_bucket) {
  MetricsRegistry m;
  m.observe("d", "", 0.005);
  EXPECT_THAT(m.render_prometheus(), HasSubstr("d_bucket{le=\"0.0025\"} 0\n"
                                               "d_bucket{le=\"0.005\"} 1\n"));
}

TEST(MetricsRegistry, a_series_held_by_handle_appears_only_once_updated) {
  MetricsRegistry m;
  auto hits = m.counter_series("cache_total", "result=\"hit\"");
  auto misses = m.counter_series("cache_total", "result=\"miss\"");
  auto latency = m.histogram_series("latency_seconds", "");
  EXPECT_THAT(m.render_prometheus(), Not(HasSubstr("cache_total{"))) << "nothing was counted yet";
  hits.add(1);
  std::string text = m.render_prometheus();
  EXPECT_THAT(text, HasSubstr("# TYPE cache_total counter\ncache_total{result=\"hit\"} 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("miss")));
  latency.observe(0.01);
  EXPECT_THAT(m.render_prometheus(), HasSubstr("latency_seconds_count 1\n"));
  misses.add(0);  // a counter touched with zero is shown, as counter_add(…, 0) always did
  EXPECT_THAT(m.render_prometheus(), HasSubstr("cache_total{result=\"miss\"} 0\n"));
}

TEST(MetricsRegistry, handles_and_names_update_the_same_series) {
  MetricsRegistry m;
  auto c = m.counter_series("n_total", "k=\"v\"");
  c.add(2);
  m.counter_add("n_total", "k=\"v\"", 3);
  EXPECT_EQ(m.counter("n_total", "k=\"v\""), 5);
  EXPECT_EQ(m.counter("n_total", "k=\"other\""), 0);
  EXPECT_EQ(m.counter("missing_total"), 0);
}

TEST(MetricsRegistry, counts_every_update_from_concurrent_threads) {
  MetricsRegistry m;
  auto c = m.counter_series("n_total", "");
  auto h = m.histogram_series("d_seconds", "");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i) {
        c.add(1);
        h.observe(0.003);
        m.counter_add("by_name_total", "", 1);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(m.counter("n_total"), 40'000);
  EXPECT_EQ(m.counter("by_name_total"), 40'000);
  std::string text = m.render_prometheus();
  EXPECT_THAT(text, HasSubstr("d_seconds_bucket{le=\"0.0025\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("d_seconds_bucket{le=\"0.005\"} 40000\n"));
  EXPECT_THAT(text, HasSubstr("d_seconds_count 40000\n"));
}

TEST(HttpRequestMetrics, records_requests_and_durations_by_route_method_and_status) {
  MetricsRegistry m;
  HttpRequestMetrics http(m);
  http.record(2, "/api/{id}", "GET", 200, 0.0004);
  http.record(2, "/api/{id}", "GET", 200, 0.2);
  http.record(2, "/api/{id}", "GET", 404, 0.001);
  http.record(0, "unmatched", "BREW", 404, 0.001);
  EXPECT_EQ(m.counter("mt5bridge_http_requests_total",
                      "route=\"/api/{id}\",method=\"GET\",status=\"200\""),
            2);
  EXPECT_EQ(m.counter("mt5bridge_http_requests_total",
                      "route=\"/api/{id}\",method=\"GET\",status=\"404\""),
            1);
  EXPECT_EQ(m.counter("mt5bridge_http_requests_total",
                      "route=\"unmatched\",method=\"OTHER\",status=\"404\""),
            1)
      << "a method outside the known set is OTHER, so clients cannot add series";
  std::string text = m.render_prometheus();
  EXPECT_THAT(text, HasSubstr("mt5bridge_http_request_duration_seconds_bucket{route=\"/api/{id}\","
                              "method=\"GET\",status=\"200\",le=\"0.001\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("mt5bridge_http_request_duration_seconds_count{route=\"/api/{id}\","
                              "method=\"GET\",status=\"200\"} 2\n"));
  EXPECT_THAT(text, Not(HasSubstr("BREW")));
}

TEST(HttpRequestMetrics, escapes_route_labels) {
  MetricsRegistry m;
  HttpRequestMetrics http(m);
  http.record(7, "/a\"b\\c", "POST", 201, 0.01);
  EXPECT_EQ(m.counter("mt5bridge_http_requests_total",
                      "route=\"/a\\\"b\\\\c\",method=\"POST\",status=\"201\""),
            1);
}

TEST(HttpRequestMetrics, keeps_counting_past_the_series_it_caches) {
  MetricsRegistry m;
  HttpRequestMetrics http(m);
  // More distinct series than the lock-free table holds: the rest are recorded by name.
  for (uint32_t route = 0; route < 700; ++route)
    http.record(route, "/r" + std::to_string(route), "GET", 200, 0.01);
  for (uint32_t route = 0; route < 700; ++route)
    http.record(route, "/r" + std::to_string(route), "GET", 200, 0.01);
  for (uint32_t route : {0u, 511u, 512u, 699u})
    EXPECT_EQ(m.counter("mt5bridge_http_requests_total",
                        "route=\"/r" + std::to_string(route) + "\",method=\"GET\",status=\"200\""),
              2)
        << route;
}

TEST(HttpRequestMetrics, counts_concurrent_requests_exactly) {
  MetricsRegistry m;
  HttpRequestMetrics http(m);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5'000; ++i)
        http.record(static_cast<uint32_t>(i % 3), "/r" + std::to_string(i % 3), "GET",
                    static_cast<uint16_t>(t % 2 ? 200 : 500), 0.001);
    });
  for (auto& t : threads) t.join();
  double total = 0;
  for (int r = 0; r < 3; ++r)
    for (int status : {200, 500})
      total += m.counter("mt5bridge_http_requests_total", "route=\"/r" + std::to_string(r) +
                                                              "\",method=\"GET\",status=\"" +
                                                              std::to_string(status) + "\"");
  EXPECT_EQ(total, 20'000);
}

}  // namespace
