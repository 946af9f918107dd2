#include "api/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace mt5b::host {

namespace {
constexpr size_t kMaxBuckets = 100'000;  // bounds memory under a flood of distinct keys
}

RateLimiter::Decision RateLimiter::take(const std::string& key, int64_t per_min,
                                        Clock::time_point now) {
  Decision d;
  if (per_min <= 0) return d;
  const double capacity = static_cast<double>(per_min);
  const double per_second = capacity / 60.0;
  std::lock_guard lock(mu_);
  if (buckets_.size() >= kMaxBuckets) drop_full_buckets(now);
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{capacity, now});
  Bucket& b = it->second;
  if (!fresh) {
    double elapsed = std::chrono::duration<double>(now - b.updated).count();
    b.tokens = std::min(capacity, b.tokens + elapsed * per_second);
    b.updated = now;
  }
  d.limit = per_min;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    d.allowed = true;
  } else {
    d.allowed = false;
    d.retry_after_s =
        std::max<int64_t>(1, static_cast<int64_t>(std::ceil((1.0 - b.tokens) / per_second)));
  }
  d.remaining = static_cast<int64_t>(std::floor(b.tokens));
  d.reset_s = static_cast<int64_t>(std::ceil((capacity - b.tokens) / per_second));
  return d;
}

void RateLimiter::give_back(const std::string& key, int64_t per_min) {
  std::lock_guard lock(mu_);
  auto it = buckets_.find(key);
  if (it != buckets_.end())
    it->second.tokens = std::min(static_cast<double>(per_min), it->second.tokens + 1.0);
}

void RateLimiter::drop_full_buckets(Clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    // A bucket idle for over a minute is full again: forgetting it changes nothing.
    if (now - it->second.updated > std::chrono::minutes(1))
      it = buckets_.erase(it);
    else
      ++it;
  }
}

}  // namespace mt5b::host
