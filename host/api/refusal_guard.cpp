#include "api/refusal_guard.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace mt5b::host {

void AuthFailureLimit::refill(Bucket& b, Clock::time_point now) const {
  const double elapsed = std::chrono::duration<double>(now - b.updated).count();
  b.tokens = std::min<double>(static_cast<double>(per_min_),
                              b.tokens + elapsed * static_cast<double>(per_min_) / 60.0);
  b.updated = now;
}

int64_t AuthFailureLimit::retry_after_s(const std::string& client_ip, Clock::time_point now) {
  if (per_min_ <= 0) return 0;
  std::lock_guard lock(mu_);
  auto it = buckets_.find(client_ip);
  if (it == buckets_.end()) return 0;
  refill(it->second, now);
  if (it->second.tokens >= 1.0) return 0;
  const double seconds = (1.0 - it->second.tokens) * 60.0 / static_cast<double>(per_min_);
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(seconds)));
}

void AuthFailureLimit::failed(const std::string& client_ip, Clock::time_point now) {
  if (per_min_ <= 0) return;
  std::lock_guard lock(mu_);
  if (buckets_.size() >= kMaxTracked) {
    // Many addresses at once: forget the ones whose buckets are full again (they would start
    // full anyway); if all are still draining, start over rather than grow without bound.
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      refill(it->second, now);
      it = it->second.tokens >= static_cast<double>(per_min_) ? buckets_.erase(it) : std::next(it);
    }
    if (buckets_.size() >= kMaxTracked) buckets_.clear();
  }
  auto [it, fresh] = buckets_.try_emplace(client_ip, Bucket{static_cast<double>(per_min_), now});
  if (!fresh) refill(it->second, now);
  it->second.tokens = std::max(0.0, it->second.tokens - 1.0);
}

uint64_t RefusalLog::count(const std::string& kind, const std::string& client_ip,
                           Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (entries_.size() >= kMaxTracked) {
    for (auto it = entries_.begin(); it != entries_.end();)
      it = now - it->second.last_line >= kInterval ? entries_.erase(it) : std::next(it);
    if (entries_.size() >= kMaxTracked) entries_.clear();
  }
  Entry& e = entries_[kind + '|' + client_ip];
  ++e.unlogged;
  if (e.last_line != Clock::time_point{} && now - e.last_line < kInterval) return 0;
  e.last_line = now;
  return std::exchange(e.unlogged, 0);
}

}  // namespace mt5b::host
