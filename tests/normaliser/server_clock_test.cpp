// ServerClock: broker wall clock ↔ UTC around DST switches, and offset detection from a tick.
#include "normaliser/server_clock.hpp"

#include "normaliser_test_support.hpp"

#include <gtest/gtest.h>

namespace mt5b::host {
namespace {

using testing::epoch_s;

constexpr int64_t kHourMs = 3'600'000;

// A server on Cyprus time (EET/EEST, the "UTC+2 winter, UTC+3 summer" clock MT5 brokers use).
ServerClock cyprus_clock() {
  std::string error;
  auto zone = TimeZone::load("Europe/Nicosia", &error);
  EXPECT_TRUE(zone) << error;
  return ServerClock::from_zone(zone ? *zone : TimeZone::fixed(0));
}

int64_t ms(int64_t seconds) {
  return seconds * 1000;
}

TEST(ServerClock, converts_broker_time_with_the_winter_offset_before_spring_forward) {
  const ServerClock clock = cyprus_clock();
  // 2025-03-30 02:59:59 on the server (+2) is 00:59:59 UTC.
  EXPECT_EQ(clock.broker_to_utc_ms(ms(epoch_s(2025, 3, 30, 2, 59, 59))),
            ms(epoch_s(2025, 3, 30, 0, 59, 59)));
}

TEST(ServerClock, reads_a_time_in_the_skipped_hour_on_the_pre_switch_clock) {
  const ServerClock clock = cyprus_clock();
  // At 01:00 UTC the wall clock jumps 03:00 → 04:00, so 03:30 never shows. Read on the +2 clock
  // it is 01:30 UTC (what a clock not yet moved forward would mean).
  EXPECT_EQ(clock.broker_to_utc_ms(ms(epoch_s(2025, 3, 30, 3, 30, 0))),
            ms(epoch_s(2025, 3, 30, 1, 30, 0)));
  // 04:00 is the first summer reading: 04:00 − 3 h = 01:00 UTC.
  EXPECT_EQ(clock.broker_to_utc_ms(ms(epoch_s(2025, 3, 30, 4, 0, 0))),
            ms(epoch_s(2025, 3, 30, 1, 0, 0)));
}

TEST(ServerClock, takes_the_earlier_reading_in_the_repeated_hour_after_fall_back) {
  const ServerClock clock = cyprus_clock();
  // At 01:00 UTC on 2025-10-26 the wall clock goes 04:00 → 03:00, so 03:30 shows twice:
  // 00:30 UTC (+3) and 01:30 UTC (+2). The earlier, pre-switch one wins.
  EXPECT_EQ(clock.broker_to_utc_ms(ms(epoch_s(2025, 10, 26, 3, 30, 0))),
            ms(epoch_s(2025, 10, 26, 0, 30, 0)));
  // 02:59:59 is before the repeated hour: +3 → 23:59:59 UTC the day before.
  EXPECT_EQ(clock.broker_to_utc_ms(ms(epoch_s(2025, 10, 26, 2, 59, 59))),
            ms(epoch_s(2025, 10, 25, 23, 59, 59)));
  // 04:00 exists only on the winter clock: 04:00 − 2 h = 02:00 UTC.
  EXPECT_EQ(clock.broker_to_utc_ms(ms(epoch_s(2025, 10, 26, 4, 0, 0))),
            ms(epoch_s(2025, 10, 26, 2, 0, 0)));
}

TEST(ServerClock, keeps_milliseconds_and_round_trips_outside_the_switch_hours) {
  const ServerClock clock = cyprus_clock();
  // Summer: 2025-07-01 12:00:00.250 server = 09:00:00.250 UTC.
  const int64_t broker_ms = ms(epoch_s(2025, 7, 1, 12, 0, 0)) + 250;
  const int64_t utc_ms = ms(epoch_s(2025, 7, 1, 9, 0, 0)) + 250;
  EXPECT_EQ(clock.broker_to_utc_ms(broker_ms), utc_ms);
  EXPECT_EQ(clock.utc_to_broker_ms(utc_ms), broker_ms);
  // Winter: 2025-12-01 12:00:00.999 server = 10:00:00.999 UTC.
  EXPECT_EQ(clock.broker_to_utc_ms(ms(epoch_s(2025, 12, 1, 12, 0, 0)) + 999),
            ms(epoch_s(2025, 12, 1, 10, 0, 0)) + 999);
}

TEST(ServerClock, utc_to_broker_shows_the_repeated_hour_twice) {
  const ServerClock clock = cyprus_clock();
  EXPECT_EQ(clock.utc_to_broker_ms(ms(epoch_s(2025, 10, 26, 0, 30, 0))),
            ms(epoch_s(2025, 10, 26, 3, 30, 0)));
  EXPECT_EQ(clock.utc_to_broker_ms(ms(epoch_s(2025, 10, 26, 1, 30, 0))),
            ms(epoch_s(2025, 10, 26, 3, 30, 0)));
}

TEST(ServerClock, new_york_server_converts_across_its_own_switch) {
  std::string error;
  auto zone = TimeZone::load("America/New_York", &error);
  ASSERT_TRUE(zone) << error;
  const ServerClock clock = ServerClock::from_zone(*zone);
  // 2025-03-09 01:59 EST (−5) = 06:59 UTC; 03:00 EDT (−4) = 07:00 UTC.
  EXPECT_EQ(clock.broker_to_utc_ms(ms(epoch_s(2025, 3, 9, 1, 59, 0))),
            ms(epoch_s(2025, 3, 9, 6, 59, 0)));
  EXPECT_EQ(clock.broker_to_utc_ms(ms(epoch_s(2025, 3, 9, 3, 0, 0))),
            ms(epoch_s(2025, 3, 9, 7, 0, 0)));
  // Repeated 01:30 on 2025-11-02: the EDT reading (05:30 UTC) wins over EST (06:30 UTC).
  EXPECT_EQ(clock.broker_to_utc_ms(ms(epoch_s(2025, 11, 2, 1, 30, 0))),
            ms(epoch_s(2025, 11, 2, 5, 30, 0)));
}

TEST(ServerClock, fixed_offset_clock_shifts_every_time_alike) {
  const ServerClock clock = ServerClock::from_offset(7200, OffsetSource::detected_from_tick);
  EXPECT_EQ(clock.broker_to_utc_ms(ms(epoch_s(2025, 7, 1, 12))), ms(epoch_s(2025, 7, 1, 10)));
  EXPECT_EQ(clock.broker_to_utc_ms(ms(epoch_s(2025, 12, 1, 12))), ms(epoch_s(2025, 12, 1, 10)));
  EXPECT_EQ(clock.utc_to_broker_ms(ms(epoch_s(2025, 12, 1, 10))), ms(epoch_s(2025, 12, 1, 12)));
  EXPECT_EQ(clock.offset_at_utc_s(epoch_s(2025, 7, 1)), 7200);
  EXPECT_EQ(clock.source(), OffsetSource::detected_from_tick);
}

TEST(ServerClock, reports_where_its_offset_came_from) {
  EXPECT_EQ(cyprus_clock().source(), OffsetSource::configured_zone);
  EXPECT_EQ(offset_source_name(OffsetSource::configured_zone), "configured_zone");
  EXPECT_EQ(offset_source_name(OffsetSource::configured_offset), "configured_offset");
  EXPECT_EQ(offset_source_name(OffsetSource::detected_from_tick), "detected_from_tick");
}

TEST(ServerClock, offset_at_utc_follows_the_zone) {
  const ServerClock clock = cyprus_clock();
  EXPECT_EQ(clock.offset_at_utc_s(epoch_s(2025, 7, 1)), 3 * 3600);
  EXPECT_EQ(clock.offset_at_utc_s(epoch_s(2025, 12, 1)), 2 * 3600);
}

// --- detect_offset_s -----------------------------------------------------------------------

const int64_t kNowUtc = epoch_s(2025, 11, 12, 10, 30, 0);

TEST(DetectOffset, rounds_a_fresh_tick_on_a_utc_plus_2_server_to_two_hours) {
  // Tick 3 s old on a +2 server: broker time = now + 7200 − 3 → (7197 / 1800 = 3.998) → 4 × 1800.
  EXPECT_EQ(detect_offset_s(kNowUtc + 7200 - 3, kNowUtc), 7200);
}

TEST(DetectOffset, rounds_a_fresh_tick_on_a_utc_plus_3_server_to_three_hours) {
  // 40 s old: 10760 / 1800 = 5.98 → 6 × 1800 = 10800.
  EXPECT_EQ(detect_offset_s(kNowUtc + 10800 - 40, kNowUtc), 10800);
}

TEST(DetectOffset, keeps_half_hours_such_as_india_plus_5_30) {
  // 19800 − 12 = 19788; 19788 / 1800 = 10.99 → 11 × 1800 = 19800.
  EXPECT_EQ(detect_offset_s(kNowUtc + 19800 - 12, kNowUtc), 19800);
}

TEST(DetectOffset, handles_servers_west_of_utc) {
  // −5 h, 20 s old: −18020 / 1800 = −10.01 → −10 × 1800 = −18000.
  EXPECT_EQ(detect_offset_s(kNowUtc - 18000 - 20, kNowUtc), -18000);
}

TEST(DetectOffset, refuses_a_tick_older_than_the_limit) {
  // 11 minutes old on +2: 7200 − 660 = 6540 → 3.63 → 7200; age 660 s > 600 s.
  EXPECT_EQ(detect_offset_s(kNowUtc + 7200 - 660, kNowUtc), std::nullopt);
  // The same tick passes a looser limit.
  EXPECT_EQ(detect_offset_s(kNowUtc + 7200 - 660, kNowUtc, 900), 7200);
}

TEST(DetectOffset, refuses_a_stale_tick_that_would_round_to_a_wrong_half_hour) {
  // 20 minutes old on +2: 6000 / 1800 = 3.33 → 5400 (+1:30, wrong). Under that offset the tick
  // would be 600 s in the future, which a live tick never is.
  EXPECT_EQ(detect_offset_s(kNowUtc + 7200 - 1200, kNowUtc), std::nullopt);
}

TEST(DetectOffset, tolerates_a_server_clock_slightly_ahead_of_ours) {
  // The server's clock runs 30 s fast: the tick appears 30 s in the future.
  EXPECT_EQ(detect_offset_s(kNowUtc + 7200 + 30, kNowUtc), 7200);
}

}  // namespace
}  // namespace mt5b::host
