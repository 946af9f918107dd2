// The token buckets of the API's rate limits, on an injected clock: capacity, the refill rate
// (per_min / 60 per second, not faster), the headers' figures and the bounds on memory.
#include "api/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace mt5b::host {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class RateLimiterTest : public ::testing::Test {
 protected:
  RateLimiter::Decision take(const std::string& key, int64_t per_min) {
    return limiter_.take(key, per_min, now_);
  }
  // Takes until refused; how many were allowed.
  int drain(const std::string& key, int64_t per_min) {
    int allowed = 0;
    while (take(key, per_min).allowed) ++allowed;
    return allowed;
  }

  RateLimiter limiter_;
  RateLimiter::Clock::time_point now_ = RateLimiter::Clock::time_point{} + std::chrono::hours(1);
};

TEST_F(RateLimiterTest, a_fresh_bucket_allows_per_min_requests_then_refuses) {
  EXPECT_EQ(60, drain("key:a", 60));
  auto refused = take("key:a", 60);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(60, refused.limit);
  EXPECT_EQ(0, refused.remaining);
}

TEST_F(RateLimiterTest, refills_at_per_min_over_sixty_per_second) {
  drain("key:a", 60);  // one token a second
  now_ += milliseconds(999);
  EXPECT_FALSE(take("key:a", 60).allowed) << "a token came back before its second was up";
  now_ += milliseconds(1);
  EXPECT_TRUE(take("key:a", 60).allowed);
  EXPECT_FALSE(take("key:a", 60).allowed);
  now_ += seconds(10);
  EXPECT_EQ(10, drain("key:a", 60)) << "ten seconds give back ten tokens, not more";
}

TEST_F(RateLimiterTest, a_bucket_never_holds_more_than_per_min) {
  take("key:a", 5);
  now_ += std::chrono::hours(24);
  EXPECT_EQ(5, drain("key:a", 5));
}

TEST_F(RateLimiterTest, retry_after_is_the_time_until_one_token_is_back) {
  drain("key:a", 6);  // one token every ten seconds
  auto refused = take("key:a", 6);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(10, refused.retry_after_s);
  now_ += seconds(4);
  EXPECT_EQ(6, take("key:a", 6).retry_after_s);
  now_ += milliseconds(6'000);  // 10 s since the bucket ran dry: one token is back
  EXPECT_TRUE(take("key:a", 6).allowed);
}

TEST_F(RateLimiterTest, retry_after_is_at_least_one_second) {
  drain("key:a", 6000);  // a token every 10 ms
  auto refused = take("key:a", 6000);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(1, refused.retry_after_s);
}

TEST_F(RateLimiterTest, reset_counts_the_seconds_until_the_bucket_is_full) {
  auto first = take("key:a", 60);
  EXPECT_EQ(59, first.remaining);
  EXPECT_EQ(1, first.reset_s);
  for (int i = 0; i < 29; ++i) take("key:a", 60);
  auto d = take("key:a", 60);
  EXPECT_EQ(29, d.remaining);
  EXPECT_EQ(31, d.reset_s);
}

TEST_F(RateLimiterTest, keys_have_their_own_buckets) {
  drain("key:a", 3);
  EXPECT_TRUE(take("key:b", 3).allowed);
  EXPECT_FALSE(take("key:a", 3).allowed);
}

TEST_F(RateLimiterTest, zero_or_negative_per_min_is_unlimited) {
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(take("key:a", 0).allowed);
  EXPECT_TRUE(take("key:a", -1).allowed);
}

TEST_F(RateLimiterTest, give_back_returns_one_token_but_never_above_capacity) {
  drain("key:a", 2);
  limiter_.give_back("key:a", 2);
  EXPECT_TRUE(take("key:a", 2).allowed);
  EXPECT_FALSE(take("key:a", 2).allowed);
  now_ += seconds(120);
  limiter_.give_back("key:a", 2);
  limiter_.give_back("key:a", 2);
  EXPECT_EQ(2, drain("key:a", 2));
}

}  // namespace
}  // namespace mt5b::host
