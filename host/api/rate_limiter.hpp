// Token buckets (seed story 7.4): each key holds up to `per_min` tokens, refilled continuously
// at per_min / 60 per second; a request takes one.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace mt5b::host {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  struct Decision {
    bool allowed = true;
    int64_t limit = 0;
    int64_t remaining = 0;
    int64_t reset_s = 0;        // seconds until the bucket is full again
    int64_t retry_after_s = 0;  // when refused: seconds until one token is back
  };

  // per_min <= 0 means unlimited.
  Decision take(const std::string& key, int64_t per_min, Clock::time_point now = Clock::now());
  // Returns a token taken for a request that then did nothing (e.g. refused as a conflict).
  void give_back(const std::string& key, int64_t per_min);

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  void drop_full_buckets(Clock::time_point now);

  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace mt5b::host
