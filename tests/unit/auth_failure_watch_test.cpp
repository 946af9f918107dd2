// AuthFailureWatch: five failures of one key or IP within five minutes are one burst; spread-out
// failures are none; the memory stays bounded whatever is sprayed at it.
#include "metrics/auth_failure_watch.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using mt5b::host::AuthFailureWatch;
using namespace std::chrono_literals;

TEST(AuthFailureWatch, the_fifth_failure_within_five_minutes_is_a_burst_once) {
  AuthFailureWatch watch;
  const auto t0 = AuthFailureWatch::Clock::time_point{} + 1h;
  for (int i = 0; i < 4; ++i) {
    auto b = watch.failed("bad-key", "10.0.0.1", t0 + i * 10s);
    EXPECT_FALSE(b.key || b.ip) << "failure " << i + 1;
  }
  auto fifth = watch.failed("bad-key", "10.0.0.1", t0 + 60s);
  EXPECT_TRUE(fifth.key);
  EXPECT_TRUE(fifth.ip);
  auto sixth = watch.failed("bad-key", "10.0.0.1", t0 + 61s);
  EXPECT_FALSE(sixth.key || sixth.ip) << "one burst is counted once";
}

TEST(AuthFailureWatch, failures_spread_over_more_than_five_minutes_are_no_burst) {
  AuthFailureWatch watch;
  const auto t0 = AuthFailureWatch::Clock::time_point{} + 1h;
  for (int i = 0; i < 20; ++i) {
    auto b = watch.failed("k", "10.0.0.2", t0 + i * 80s);
    EXPECT_FALSE(b.key || b.ip) << "failure " << i + 1;
  }
}

TEST(AuthFailureWatch, keys_and_ips_are_counted_apart) {
  AuthFailureWatch watch;
  const auto t0 = AuthFailureWatch::Clock::time_point{} + 1h;
  AuthFailureWatch::Bursts last;
  // One IP tries five different keys: an IP burst, no key burst.
  for (int i = 0; i < 5; ++i)
    last = watch.failed("key-" + std::to_string(i), "10.0.0.3", t0 + i * 1s);
  EXPECT_TRUE(last.ip);
  EXPECT_FALSE(last.key);
  // No key sent at all: only the IP counts.
  for (int i = 0; i < 5; ++i) last = watch.failed("", "10.0.0.4", t0 + i * 1s);
  EXPECT_TRUE(last.ip);
  EXPECT_FALSE(last.key);
}

TEST(AuthFailureWatch, spraying_many_ips_keeps_working_within_its_bound) {
  AuthFailureWatch watch;
  const auto t0 = AuthFailureWatch::Clock::time_point{} + 1h;
  for (size_t i = 0; i < AuthFailureWatch::kMaxTracked * 3; ++i)
    watch.failed("", "198.51." + std::to_string(i), t0 + 1s);
  AuthFailureWatch::Bursts last;
  for (int i = 0; i < 5; ++i) last = watch.failed("", "10.9.9.9", t0 + 2s + i * 1s);
  EXPECT_TRUE(last.ip) << "a real burst is still seen after the table was flooded";
}

}  // namespace
