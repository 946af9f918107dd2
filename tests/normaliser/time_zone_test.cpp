// TimeZone: the system's tzdata through date/tz, and the POSIX footer rule that carries zones
// past the end of their transition table.
#include "normaliser/time_zone.hpp"

#include "normaliser_test_support.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace mt5b::host {
namespace {

using testing::epoch_s;

TimeZone load_system_zone(const std::string& name) {
  std::string error;
  auto zone = TimeZone::load(name, &error);
  EXPECT_TRUE(zone) << error;
  return zone ? *zone : TimeZone::fixed(0);
}

// --- System zones (Debian's tzdata) --------------------------------------------------------

TEST(TimeZone, nicosia_moves_from_plus_2_to_plus_3_at_spring_forward_2025) {
  const TimeZone zone = load_system_zone("Europe/Nicosia");
  // EU rule: last Sunday of March, 01:00 UTC.
  EXPECT_EQ(zone.offset_at_utc(epoch_s(2025, 3, 30, 0, 59, 59)), 2 * 3600);
  EXPECT_EQ(zone.offset_at_utc(epoch_s(2025, 3, 30, 1, 0, 0)), 3 * 3600);
}

TEST(TimeZone, nicosia_moves_back_to_plus_2_at_fall_back_2025) {
  const TimeZone zone = load_system_zone("Europe/Nicosia");
  // Last Sunday of October, 01:00 UTC.
  EXPECT_EQ(zone.offset_at_utc(epoch_s(2025, 10, 26, 0, 59, 59)), 3 * 3600);
  EXPECT_EQ(zone.offset_at_utc(epoch_s(2025, 10, 26, 1, 0, 0)), 2 * 3600);
}

TEST(TimeZone, new_york_switches_on_the_us_dates_2025) {
  const TimeZone zone = load_system_zone("America/New_York");
  // Second Sunday of March at 02:00 EST = 07:00 UTC; first Sunday of November 02:00 EDT = 06:00.
  EXPECT_EQ(zone.offset_at_utc(epoch_s(2025, 3, 9, 6, 59, 59)), -5 * 3600);
  EXPECT_EQ(zone.offset_at_utc(epoch_s(2025, 3, 9, 7, 0, 0)), -4 * 3600);
  EXPECT_EQ(zone.offset_at_utc(epoch_s(2025, 11, 2, 5, 59, 59)), -4 * 3600);
  EXPECT_EQ(zone.offset_at_utc(epoch_s(2025, 11, 2, 6, 0, 0)), -5 * 3600);
}

TEST(TimeZone, follows_the_footer_rule_in_2040_past_the_end_of_the_table) {
  // Debian's files list transitions up to 2037; later instants come from the POSIX footer.
  const TimeZone nicosia = load_system_zone("Europe/Nicosia");
  EXPECT_EQ(nicosia.offset_at_utc(epoch_s(2040, 3, 25, 0, 59, 59)), 2 * 3600);
  EXPECT_EQ(nicosia.offset_at_utc(epoch_s(2040, 3, 25, 1, 0, 0)), 3 * 3600);
  EXPECT_EQ(nicosia.offset_at_utc(epoch_s(2040, 10, 28, 0, 59, 59)), 3 * 3600);
  EXPECT_EQ(nicosia.offset_at_utc(epoch_s(2040, 10, 28, 1, 0, 0)), 2 * 3600);

  const TimeZone new_york = load_system_zone("America/New_York");
  EXPECT_EQ(new_york.offset_at_utc(epoch_s(2040, 3, 11, 6, 59, 59)), -5 * 3600);
  EXPECT_EQ(new_york.offset_at_utc(epoch_s(2040, 3, 11, 7, 0, 0)), -4 * 3600);
  EXPECT_EQ(new_york.offset_at_utc(epoch_s(2040, 11, 4, 5, 59, 59)), -4 * 3600);
  EXPECT_EQ(new_york.offset_at_utc(epoch_s(2040, 11, 4, 6, 0, 0)), -5 * 3600);
  EXPECT_EQ(new_york.offset_at_utc(epoch_s(2100, 7, 1)), -4 * 3600);
}

TEST(TimeZone, reads_footer_switch_times_before_midnight_as_tzif_v3_allows) {
  // America/Nuuk's footer is "<-02>2<-01>,M3.5.0/-1,M10.5.0/0": a switch at -1:00 local, i.e.
  // 23:00 the day before, which lands on 01:00 UTC like the EU.
  const TimeZone zone = load_system_zone("America/Nuuk");
  EXPECT_EQ(zone.offset_at_utc(epoch_s(2040, 3, 25, 0, 59, 59)), -2 * 3600);
  EXPECT_EQ(zone.offset_at_utc(epoch_s(2040, 3, 25, 1, 0, 0)), -1 * 3600);
  EXPECT_EQ(zone.offset_at_utc(epoch_s(2040, 10, 28, 0, 59, 59)), -1 * 3600);
  EXPECT_EQ(zone.offset_at_utc(epoch_s(2040, 10, 28, 1, 0, 0)), -2 * 3600);
}

TEST(TimeZone, kolkata_is_plus_5_30_all_year) {
  const TimeZone zone = load_system_zone("Asia/Kolkata");
  EXPECT_EQ(zone.offset_at_utc(epoch_s(2025, 1, 15)), 5 * 3600 + 1800);
  EXPECT_EQ(zone.offset_at_utc(epoch_s(2040, 7, 15)), 5 * 3600 + 1800);
  EXPECT_EQ(zone.name(), "Asia/Kolkata");
}

TEST(TimeZone, refuses_an_unknown_zone_with_a_sentence_naming_it) {
  std::string error;
  EXPECT_FALSE(TimeZone::load("Europe/Atlantis", &error));
  EXPECT_NE(error.find("'Europe/Atlantis'"), std::string::npos) << error;
  EXPECT_NE(error.find("tzdata"), std::string::npos) << error;
}

TEST(TimeZone, refuses_names_that_would_leave_the_zoneinfo_directory) {
  std::string error;
  EXPECT_FALSE(TimeZone::load("../../etc/passwd", &error));
  EXPECT_NE(error.find("not an IANA time zone name"), std::string::npos) << error;
  EXPECT_FALSE(TimeZone::load("/etc/localtime", &error));
}

TEST(TimeZone, fixed_zone_has_one_offset_and_a_utc_style_name) {
  const TimeZone india = TimeZone::fixed(5 * 3600 + 1800);
  EXPECT_EQ(india.offset_at_utc(epoch_s(2025, 6, 1)), 19800);
  EXPECT_EQ(india.name(), "UTC+05:30");
  EXPECT_EQ(TimeZone::fixed(-3 * 3600).name(), "UTC-03:00");
}

TEST(TimeZone, lookups_from_many_threads_agree) {
  const TimeZone zone = load_system_zone("Europe/Nicosia");
  std::vector<int64_t> results(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      int64_t sum = 0;
      for (int day = 0; day < 2000; ++day)
        sum += zone.offset_at_utc(epoch_s(2030, 1, 1) + day * 86400);
      results[i] = sum;
    });
  }
  for (auto& t : threads) t.join();
  for (int64_t r : results) EXPECT_EQ(r, results[0]);
}

// --- POSIX TZ rules (the zone files' footers, followed past the end of their tables) ----

PosixTzRule rule(const char* text) {
  const auto parsed = PosixTzRule::parse(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(PosixTzRule{});
}

TEST(PosixTzRule, eu_rule_switches_on_the_last_sundays_of_march_and_october) {
  const PosixTzRule eet = rule("EET-2EEST,M3.5.0/3,M10.5.0/4");
  EXPECT_EQ(eet.offset_at_utc(epoch_s(2025, 3, 30, 0, 59, 59)), 7200);
  EXPECT_EQ(eet.offset_at_utc(epoch_s(2025, 3, 30, 1, 0, 0)), 10800);
  EXPECT_EQ(eet.offset_at_utc(epoch_s(2025, 10, 26, 0, 59, 59)), 10800);
  EXPECT_EQ(eet.offset_at_utc(epoch_s(2025, 10, 26, 1, 0, 0)), 7200);
}

TEST(PosixTzRule, southern_hemisphere_rule_is_in_daylight_across_new_year) {
  const PosixTzRule sydney = rule("AEST-10AEDT,M10.1.0,M4.1.0/3");
  // Ends first Sunday of April 03:00 AEDT = 16:00 UTC the day before; starts first Sunday of
  // October 02:00 AEST = 16:00 UTC the day before.
  EXPECT_EQ(sydney.offset_at_utc(epoch_s(2025, 1, 15)), 39600);
  EXPECT_EQ(sydney.offset_at_utc(epoch_s(2025, 4, 5, 15, 59, 59)), 39600);
  EXPECT_EQ(sydney.offset_at_utc(epoch_s(2025, 4, 5, 16, 0, 0)), 36000);
  EXPECT_EQ(sydney.offset_at_utc(epoch_s(2025, 10, 4, 15, 59, 59)), 36000);
  EXPECT_EQ(sydney.offset_at_utc(epoch_s(2025, 10, 4, 16, 0, 0)), 39600);
}

TEST(PosixTzRule, julian_day_rules_skip_or_count_february_29) {
  // J60 is March 1 even in a leap year: switch at 02:00 local (+1) = 01:00 UTC.
  const PosixTzRule julian = rule("XST-1XDT,J60/2,J300/2");
  EXPECT_EQ(julian.offset_at_utc(epoch_s(2024, 3, 1, 0, 59, 59)), 3600);
  EXPECT_EQ(julian.offset_at_utc(epoch_s(2024, 3, 1, 1, 0, 0)), 7200);
  // Zero-based day 59 of 2024 is February 29 (January is days 0–30).
  const PosixTzRule zero_based = rule("XST-1XDT,59/2,299/2");
  EXPECT_EQ(zero_based.offset_at_utc(epoch_s(2024, 2, 29, 0, 59, 59)), 3600);
  EXPECT_EQ(zero_based.offset_at_utc(epoch_s(2024, 2, 29, 1, 0, 0)), 7200);
}

TEST(PosixTzRule, quoted_numeric_names_without_daylight_give_a_fixed_offset) {
  EXPECT_EQ(rule("<+0330>-3:30").offset_at_utc(epoch_s(2040, 6, 1)), 3 * 3600 + 1800);
}

TEST(PosixTzRule, refuses_a_rule_it_cannot_read_rather_than_guess) {
  EXPECT_FALSE(PosixTzRule::parse("CET-1CEST,M13.5.0"));
  EXPECT_FALSE(PosixTzRule::parse(""));
}

}  // namespace
}  // namespace mt5b::host
