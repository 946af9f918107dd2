// Refusals a client can provoke as fast as it can send (401s, 429s) must cost the host neither
// unbounded work nor unbounded log. Two parts:
// - AuthFailureLimit: a token bucket per client IP of failed authentications; while it is empty
//   the IP's authenticated requests are answered 429 before any credential is checked.
// - RefusalLog: at most one log line per (kind, client IP) per interval, carrying how many
//   refusals of that kind from that IP the line stands for. Counters go to metrics as before.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace mt5b::host {

class AuthFailureLimit {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kMaxTracked = 100'000;

  explicit AuthFailureLimit(int64_t per_min) : per_min_(per_min) {}

  // Seconds until the IP may try again; 0 when it may now. per_min <= 0: never limited.
  int64_t retry_after_s(const std::string& client_ip, Clock::time_point now = Clock::now());
  void failed(const std::string& client_ip, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  void refill(Bucket& b, Clock::time_point now) const;

  const int64_t per_min_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

class RefusalLog {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kInterval{10};
  static constexpr std::size_t kMaxTracked = 100'000;

  // Counts one refusal; returns how many this line stands for (the refusals since the last
  // line, this one included) when a line is due now, or 0 when it is not.
  uint64_t count(const std::string& kind, const std::string& client_ip,
                 Clock::time_point now = Clock::now());

 private:
  struct Entry {
    Clock::time_point last_line{};
    uint64_t unlogged = 0;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace mt5b::host
