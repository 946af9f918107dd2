// The SDK's one ISO 8601 writer and reader (mt5bridge/iso8601.hpp), which the host's API and log
// lines and both storage plugins use.
#include <mt5bridge/iso8601.hpp>

#include <gtest/gtest.h>

#include <ctime>
#include <random>

namespace {

namespace iso = mt5b::sdk::iso8601;
using iso::Precision;

TEST(Iso8601, writes_utc_instants_at_seconds_or_milliseconds) {
  EXPECT_EQ(iso::utc_text(1'762'943'400'123), "2025-11-12T10:30:00Z");
  EXPECT_EQ(iso::utc_text(1'762'943'400'123, Precision::milliseconds), "2025-11-12T10:30:00.123Z");
  EXPECT_EQ(iso::utc_text(-1), "1969-12-31T23:59:59Z");  // floors, before the epoch too
  EXPECT_EQ(iso::utc_text(-1, Precision::milliseconds), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(iso::utc_text(951'782'400'000), "2000-02-29T00:00:00Z");
  EXPECT_EQ(iso::utc_text(iso::kEarliestMs, Precision::milliseconds), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(iso::utc_text(iso::kLatestMs, Precision::milliseconds), "9999-12-31T23:59:59.999Z");
}

TEST(Iso8601, writes_what_gmtime_says_across_the_years) {
  std::mt19937_64 rng(20251112);
  std::uniform_int_distribution<int64_t> any_s(-62'000'000'000, 253'402'300'799);
  for (int i = 0; i < 20'000; ++i) {
    const std::time_t s = any_s(rng);
    std::tm tm{};
    gmtime_r(&s, &tm);
    char expected[64];
    std::snprintf(expected, sizeof expected, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    ASSERT_EQ(iso::utc_text(static_cast<int64_t>(s) * 1000), expected) << s;
  }
}

TEST(Iso8601, writes_a_wall_clock_with_the_offset_in_force) {
  const int64_t utc = 1'762'943'400'000;  // 2025-11-12T10:30:00Z
  EXPECT_EQ(iso::local_text(utc, 3 * 3600), "2025-11-12T13:30:00+03:00");
  EXPECT_EQ(iso::local_text(utc, -(5 * 3600 + 30 * 60)), "2025-11-12T05:00:00-05:30");
  EXPECT_EQ(iso::wall_clock_with_offset(utc, 45, Precision::milliseconds),
            "2025-11-12T10:30:00.000+00:00:45");
  EXPECT_EQ(iso::offset_text(0), "+00:00");
}

TEST(Iso8601, reads_the_forms_it_and_other_tools_write) {
  const int64_t utc = 1'762'943'400'000;
  for (const char* text :
       {"2025-11-12T10:30:00Z", "2025-11-12 10:30:00.000Z", "2025-11-12T13:30:00+03:00",
        "2025-11-12T05:30:00-0500", "2025-11-12T10:30:00+00", "2025-11-12T10:30:45+00:00:45"}) {
    const auto parsed = iso::parse(text);
    ASSERT_TRUE(parsed) << text;
    EXPECT_EQ(parsed->utc_ms(), utc) << text;
  }
  const auto wall = iso::parse("2025-11-12T13:30:00.5+03:00");
  ASSERT_TRUE(wall);
  EXPECT_EQ(wall->wall_ms, utc + 3 * 3'600'000 + 500);
  EXPECT_EQ(wall->offset_s, 3 * 3600);
}

TEST(Iso8601, refuses_malformed_text) {
  for (const char* bad :
       {"", "2025-11-12", "2025-11-12T10:30:00", "2025-02-30T00:00:00Z", "2025-11-12T24:00:00Z",
        "2025-11-12T10:30:00.Z", "2025-11-12T10:30:00Zjunk", "2025-11-12T10:30:00.0000000001Z",
        "2025/11/12T10:30:00Z", "2025-11-12T10:30:00+3:00", "2025-11-12T10:30:00+24:00"}) {
    EXPECT_FALSE(iso::parse(bad)) << bad;
  }
}

TEST(Iso8601, reads_back_what_it_writes) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> any_ms(iso::kEarliestMs, iso::kLatestMs);
  std::uniform_int_distribution<int64_t> any_offset_min(-23 * 60 - 59, 23 * 60 + 59);
  for (int i = 0; i < 20'000; ++i) {
    const int64_t ms = any_ms(rng), offset_s = any_offset_min(rng) * 60;
    const auto text = iso::wall_clock_with_offset(ms, offset_s, Precision::milliseconds);
    const auto parsed = iso::parse(text);
    ASSERT_TRUE(parsed) << text;
    ASSERT_EQ(parsed->wall_ms, ms) << text;
    ASSERT_EQ(parsed->offset_s, offset_s) << text;
  }
}

}  // namespace
