// Times as text: UTC instants for timestamptz columns, broker wall clocks with their offset.
#include "time_text.hpp"

#include <gtest/gtest.h>

namespace mt5b::storage_postgres {
namespace {

constexpr int64_t kNov12At8Utc = 1'762'934'400'000;  // 2025-11-12T08:00:00.000Z

TEST(TimeText, formats_utc_instants_to_the_millisecond) {
  EXPECT_EQ(format_utc_ms(kNov12At8Utc + 123), "2025-11-12T08:00:00.123Z");
  EXPECT_EQ(format_utc_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_utc_ms(-1), "1969-12-31T23:59:59.999Z");
}

TEST(TimeText, refuses_times_outside_years_1_to_9999) {
  EXPECT_EQ(format_utc_ms(kEarliestTextMs), "0001-01-01T00:00:00.000Z");
  EXPECT_EQ(format_utc_ms(kLatestTextMs), "9999-12-31T23:59:59.999Z");
  EXPECT_FALSE(format_utc_ms(kEarliestTextMs - 1));
  EXPECT_FALSE(format_utc_ms(kLatestTextMs + 1));
}

TEST(TimeText, broker_times_keep_their_offset) {
  const int64_t broker_ms = kNov12At8Utc + 3 * 3'600'000;  // 11:00 on a UTC+3 server
  EXPECT_EQ(format_broker_ms(broker_ms, 3 * 3600), "2025-11-12T11:00:00.000+03:00");
  EXPECT_EQ(format_broker_ms(broker_ms, -(5 * 3600 + 30 * 60)), "2025-11-12T11:00:00.000-05:30");
  EXPECT_EQ(format_broker_ms(broker_ms, 45), "2025-11-12T11:00:00.000+00:00:45");
  EXPECT_FALSE(format_broker_ms(broker_ms, 24 * 3600));
}

TEST(TimeText, broker_text_reads_back_to_the_same_wall_clock_and_offset) {
  for (int64_t offset_s : {0, 7200, 10800, -18000, 19800, 45}) {
    for (int64_t broker_ms : {kNov12At8Utc + 999, int64_t{-86'400'001}, kLatestTextMs}) {
      auto text = format_broker_ms(broker_ms, offset_s);
      ASSERT_TRUE(text);
      auto parsed = parse_broker_text(*text);
      ASSERT_TRUE(parsed) << *text;
      EXPECT_EQ(parsed->broker_ms, broker_ms) << *text;
      EXPECT_EQ(parsed->offset_s, offset_s) << *text;
    }
  }
}

TEST(TimeText, rejects_text_that_is_not_a_broker_time) {
  EXPECT_FALSE(parse_broker_text(""));
  EXPECT_FALSE(parse_broker_text("2025-11-12 11:00:00.000+03:00"));
  EXPECT_FALSE(parse_broker_text("2025-11-12T11:00:00+03:00"));
  EXPECT_FALSE(parse_broker_text("2025-13-12T11:00:00.000+03:00"));
  EXPECT_FALSE(parse_broker_text("2025-11-12T11:00:00.000+0300"));
  EXPECT_EQ(parse_broker_text("2025-11-12T11:00:00.000Z")->offset_s, 0);
}

}  // namespace
}  // namespace mt5b::storage_postgres
