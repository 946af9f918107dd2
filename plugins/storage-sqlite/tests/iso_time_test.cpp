// Epoch milliseconds <-> the ISO text every time column holds.
#include "iso_time.hpp"

#include <gtest/gtest.h>

#include <random>

namespace mt5b::storage_sqlite {
namespace {

TEST(IsoTime, formats_utc_with_milliseconds_and_z) {
  EXPECT_EQ("2025-11-12T10:30:00.000Z", format_iso_utc_ms(1'762'943'400'000));
  EXPECT_EQ("1970-01-01T00:00:00.001Z", format_iso_utc_ms(1));
  EXPECT_EQ("1969-12-31T23:59:59.999Z", format_iso_utc_ms(-1));
  EXPECT_EQ("2024-02-29T23:59:59.999Z", format_iso_utc_ms(1'709'251'199'999));
  EXPECT_EQ("0000-01-01T00:00:00.000Z", format_iso_utc_ms(kEarliestIsoMs));
  EXPECT_EQ("9999-12-31T23:59:59.999Z", format_iso_utc_ms(kLatestIsoMs));
}

TEST(IsoTime, refuses_times_outside_four_digit_years) {
  EXPECT_EQ(std::nullopt, format_iso_utc_ms(kEarliestIsoMs - 1));
  EXPECT_EQ(std::nullopt, format_iso_utc_ms(kLatestIsoMs + 1));
  EXPECT_EQ(std::nullopt, format_iso_utc_ms(INT64_MAX));
  EXPECT_EQ(std::nullopt, format_iso_utc_ms(INT64_MIN));
}

TEST(IsoTime, round_trips_exactly_across_the_range) {
  std::mt19937_64 random(20251112);
  std::uniform_int_distribution<int64_t> any(kEarliestIsoMs, kLatestIsoMs);
  std::vector<int64_t> samples = {kEarliestIsoMs, kLatestIsoMs,   -1, 1, 86'399'999,
                                  86'400'000,     951'782'400'000 /* 2000-02-29 */};
  for (int i = 0; i < 10000; ++i) samples.push_back(any(random));
  for (int64_t ms : samples) {
    auto text = format_iso_utc_ms(ms);
    ASSERT_TRUE(text.has_value()) << ms;
    EXPECT_EQ(ms, parse_iso_utc_ms(*text)) << *text;
  }
}

TEST(IsoTime, text_order_is_time_order) {
  EXPECT_LT(*format_iso_utc_ms(999), *format_iso_utc_ms(1000));
  EXPECT_LT(*format_iso_utc_ms(-1), *format_iso_utc_ms(0));
  EXPECT_LT(*format_iso_utc_ms(9'999'999'999'999), *format_iso_utc_ms(10'000'000'000'000));
}

TEST(IsoTime, reads_what_other_tools_write) {
  const int64_t expected = 1'762'943'400'000;
  EXPECT_EQ(expected, parse_iso_utc_ms("2025-11-12T10:30:00Z"));
  EXPECT_EQ(expected, parse_iso_utc_ms("2025-11-12 10:30:00.000Z"));
  EXPECT_EQ(expected, parse_iso_utc_ms("2025-11-12T10:30:00+00:00"));
  EXPECT_EQ(expected, parse_iso_utc_ms("2025-11-12T13:30:00.000+03:00"));
  EXPECT_EQ(expected, parse_iso_utc_ms("2025-11-12T05:30:00-0500"));
  EXPECT_EQ(expected, parse_iso_utc_ms("2025-11-12 10:30:00+00"));
  EXPECT_EQ(expected + 123, parse_iso_utc_ms("2025-11-12T10:30:00.123456Z"));
  EXPECT_EQ(expected + 500, parse_iso_utc_ms("2025-11-12T10:30:00.5Z"));
}

TEST(IsoTime, refuses_malformed_text) {
  for (const char* bad :
       {"", "2025-11-12", "2025-11-12T10:30:00", "2025-02-30T00:00:00.000Z",
        "2025-11-12T24:00:00.000Z", "2025-11-12T10:60:00.000Z", "2025-11-12T10:30:00.Z",
        "2025-11-12T10:30:00.000Zjunk", "2025-11-12T10:30:00.0000000001Z",
        "2025/11/12T10:30:00.000Z", "2025-11-12T10:30:00.000+3:00", "+12025-11-12T10:30:00.000Z"}) {
    EXPECT_EQ(std::nullopt, parse_iso_utc_ms(bad)) << bad;
  }
}

TEST(IsoTime, formats_broker_wall_clock_with_its_offset) {
  const int64_t wall = 1'762'954'200'000;  // 13:30 on the broker's clock
  EXPECT_EQ("2025-11-12T13:30:00.000+03:00", format_iso_broker_ms(wall, 10'800));
  EXPECT_EQ("2025-11-12T13:30:00.000-05:00", format_iso_broker_ms(wall, -18'000));
  EXPECT_EQ("2025-11-12T13:30:00.000+05:30", format_iso_broker_ms(wall, 19'800));
  EXPECT_EQ("2025-11-12T13:30:00.000-00:30", format_iso_broker_ms(wall, -1'800));
  EXPECT_EQ("2025-11-12T13:30:00.000+00:00", format_iso_broker_ms(wall, 0));
  EXPECT_EQ("2025-11-12T13:30:00.000+23:59", format_iso_broker_ms(wall, 86'340));
}

TEST(IsoTime, refuses_offsets_the_text_cannot_carry) {
  EXPECT_EQ(std::nullopt, format_iso_broker_ms(0, 7'201));
  EXPECT_EQ(std::nullopt, format_iso_broker_ms(0, 86'400));
  EXPECT_EQ(std::nullopt, format_iso_broker_ms(0, -86'400));
  EXPECT_FALSE(is_iso_offset(30));
  EXPECT_TRUE(is_iso_offset(-86'340));
}

TEST(IsoTime, reads_the_wall_clock_and_the_offset_apart) {
  auto time = parse_iso_wall_clock("2025-11-12T13:30:00.250-05:30");
  ASSERT_TRUE(time.has_value());
  EXPECT_EQ(1'762'954'200'250, time->wall_ms);
  EXPECT_EQ(-19'800, time->offset_s);
  for (int64_t offset_s : {-43'200, -1'800, 0, 3'600, 50'400}) {
    const int64_t wall = 4'102'444'800'123 + offset_s;  // around 2100-01-01
    auto back = parse_iso_wall_clock(*format_iso_broker_ms(wall, offset_s));
    ASSERT_TRUE(back.has_value()) << offset_s;
    EXPECT_EQ(wall, back->wall_ms);
    EXPECT_EQ(offset_s, back->offset_s);
  }
}

}  // namespace
}  // namespace mt5b::storage_sqlite
