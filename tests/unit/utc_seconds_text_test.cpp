// The answers' timestamps: utc_seconds_text must write exactly what iso_utc_seconds writes.
#include "normaliser/time_format.hpp"
#include "services/market/market_data_service.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>

namespace {

using mt5b::host::iso_utc_seconds;
using mt5b::host::utc_seconds_text;

TEST(UtcSecondsText, writes_what_iso_utc_seconds_writes_at_calendar_edges) {
  const int64_t edges_ms[] = {
      0,                    // 1970-01-01T00:00:00Z
      -1,                   // a millisecond before: 1969-12-31T23:59:59Z
      951'782'399'999,      // 2000-02-28T23:59:59.999Z
      951'868'800'000,      // 2000-02-29T00:00:00Z (a leap day of a century year)
      4'107'542'400'000,    // 2100-03-01T00:00:00Z (2100 is not a leap year)
      1'762'943'400'123,    // 2025-11-12T10:30:00.123Z
      253'402'300'799'999,  // 9999-12-31T23:59:59.999Z
  };
  for (int64_t ms : edges_ms) EXPECT_EQ(utc_seconds_text(ms), iso_utc_seconds(ms)) << ms;
  EXPECT_EQ(utc_seconds_text(1'762'943'400'123), "2025-11-12T10:30:00Z");
}

TEST(UtcSecondsText, writes_what_iso_utc_seconds_writes_across_the_years) {
  std::mt19937_64 rng(20251112);
  std::uniform_int_distribution<int64_t> any_ms(-2'000'000'000'000, 253'402'300'799'999);
  for (int i = 0; i < 100'000; ++i) {
    int64_t ms = any_ms(rng);
    ASSERT_EQ(utc_seconds_text(ms), iso_utc_seconds(ms)) << ms;
  }
}

}  // namespace
