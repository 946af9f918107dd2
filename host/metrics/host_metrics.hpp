// The catalogue of every metric family the host and the bundled plugins report: name, type, help
// text and (histograms) buckets, plus the series that exist from the start, so /metrics lists
// every family with # HELP and # TYPE before its first event (`promtool check metrics` clean).
#pragma once

#include "metrics/metrics_registry.hpp"

namespace mt5b::host {

// Describes every family and declares the series whose label values are known up front.
void describe_host_metrics(MetricsRegistry& metrics);

// The standard process_* families (CPU seconds, resident and virtual memory, open and maximum
// file descriptors, start time), read from /proc/self; called on each scrape.
void sample_process_metrics(MetricsRegistry& metrics);

// Connection statuses an account can have; `mt5bridge_accounts` has a series for each.
inline constexpr const char* kConnectionStatuses[] = {"active", "error", "auth_failed", "disabled"};

}  // namespace mt5b::host
