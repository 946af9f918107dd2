// TimeZone: TZif files from the system's tzdata and hand-made ones, and the POSIX footer rule
// that carries zones past the end of their transition table.
#include "normaliser/time_zone.hpp"

#include "normaliser_test_support.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <utility>
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

// --- Hand-made TZif files -----------------------------------------------------------------

std::string big_endian(int64_t value, int bytes) {
  std::string out;
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((value >> (i * 8)) & 0xff));
  return out;
}

// A TZif file with the given transitions (UTC second, index into `type_offsets`). Version 0
// writes only the 32-bit v1 block; '2' adds the 64-bit block and `footer`.
std::string make_tzif(char version, const std::vector<std::pair<int64_t, uint8_t>>& transitions,
                      const std::vector<int32_t>& type_offsets, const std::string& footer) {
  const auto block = [&](int time_size) {
    std::string out = "TZif";
    out.push_back(version);
    out += std::string(15, '\0');
    for (int64_t count :
         {int64_t{0}, int64_t{0}, int64_t{0}, static_cast<int64_t>(transitions.size()),
          static_cast<int64_t>(type_offsets.size()), int64_t{4}}) {
      out += big_endian(count, 4);
    }
    for (const auto& t : transitions) out += big_endian(t.first, time_size);
    for (const auto& t : transitions) out.push_back(static_cast<char>(t.second));
    for (int32_t offset : type_offsets) out += big_endian(offset, 4) + std::string(2, '\0');
    out += std::string("ABC\0", 4);
    return out;
  };
  std::string file = block(4);
  if (version != 0) file += block(8) + "\n" + footer + "\n";
  return file;
}

class HandMadeZoneFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("normaliser-tz-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "Test");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::optional<TimeZone> load(const std::string& bytes, std::string* error) {
    std::ofstream(dir_ / "Test" / "Zone", std::ios::binary) << bytes;
    return TimeZone::load("Test/Zone", error, dir_.string());
  }

  std::filesystem::path dir_;
};

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

// --- Hand-made files --------------------------------------------------------------------------

TEST_F(HandMadeZoneFiles, v1_file_uses_type_0_before_the_first_transition_and_the_last_after) {
  std::string error;
  const auto zone = load(make_tzif(0, {{1000, 1}, {5000, 2}}, {0, 3600, 7200}, ""), &error);
  ASSERT_TRUE(zone) << error;
  EXPECT_EQ(zone->offset_at_utc(999), 0);
  EXPECT_EQ(zone->offset_at_utc(1000), 3600);
  EXPECT_EQ(zone->offset_at_utc(4999), 3600);
  EXPECT_EQ(zone->offset_at_utc(5000), 7200);
  EXPECT_EQ(zone->offset_at_utc(epoch_s(2090, 1, 1)), 7200);  // no footer: the last offset stays
}

TEST_F(HandMadeZoneFiles, v2_file_with_only_a_footer_follows_the_rule_every_year) {
  std::string error;
  const auto zone = load(make_tzif('2', {}, {7200}, "EET-2EEST,M3.5.0/3,M10.5.0/4"), &error);
  ASSERT_TRUE(zone) << error;
  EXPECT_EQ(zone->offset_at_utc(epoch_s(2025, 3, 30, 0, 59, 59)), 7200);
  EXPECT_EQ(zone->offset_at_utc(epoch_s(2025, 3, 30, 1, 0, 0)), 10800);
  EXPECT_EQ(zone->offset_at_utc(epoch_s(2025, 10, 26, 0, 59, 59)), 10800);
  EXPECT_EQ(zone->offset_at_utc(epoch_s(2025, 10, 26, 1, 0, 0)), 7200);
}

TEST_F(HandMadeZoneFiles, southern_hemisphere_rule_is_in_daylight_across_new_year) {
  std::string error;
  const auto zone = load(make_tzif('2', {}, {36000}, "AEST-10AEDT,M10.1.0,M4.1.0/3"), &error);
  ASSERT_TRUE(zone) << error;
  // Ends first Sunday of April 03:00 AEDT = 16:00 UTC the day before; starts first Sunday of
  // October 02:00 AEST = 16:00 UTC the day before.
  EXPECT_EQ(zone->offset_at_utc(epoch_s(2025, 1, 15)), 39600);
  EXPECT_EQ(zone->offset_at_utc(epoch_s(2025, 4, 5, 15, 59, 59)), 39600);
  EXPECT_EQ(zone->offset_at_utc(epoch_s(2025, 4, 5, 16, 0, 0)), 36000);
  EXPECT_EQ(zone->offset_at_utc(epoch_s(2025, 10, 4, 15, 59, 59)), 36000);
  EXPECT_EQ(zone->offset_at_utc(epoch_s(2025, 10, 4, 16, 0, 0)), 39600);
}

TEST_F(HandMadeZoneFiles, julian_day_rules_skip_or_count_february_29) {
  std::string error;
  // J60 is March 1 even in a leap year: switch at 02:00 local (+1) = 01:00 UTC.
  const auto julian = load(make_tzif('2', {}, {3600}, "XST-1XDT,J60/2,J300/2"), &error);
  ASSERT_TRUE(julian) << error;
  EXPECT_EQ(julian->offset_at_utc(epoch_s(2024, 3, 1, 0, 59, 59)), 3600);
  EXPECT_EQ(julian->offset_at_utc(epoch_s(2024, 3, 1, 1, 0, 0)), 7200);
  // Zero-based day 59 of 2024 is February 29 (January is days 0–30).
  const auto zero_based = load(make_tzif('2', {}, {3600}, "XST-1XDT,59/2,299/2"), &error);
  ASSERT_TRUE(zero_based) << error;
  EXPECT_EQ(zero_based->offset_at_utc(epoch_s(2024, 2, 29, 0, 59, 59)), 3600);
  EXPECT_EQ(zero_based->offset_at_utc(epoch_s(2024, 2, 29, 1, 0, 0)), 7200);
}

TEST_F(HandMadeZoneFiles, quoted_numeric_names_without_daylight_give_a_fixed_offset) {
  std::string error;
  const auto zone = load(make_tzif('2', {}, {12600}, "<+0330>-3:30"), &error);
  ASSERT_TRUE(zone) << error;
  EXPECT_EQ(zone->offset_at_utc(epoch_s(2040, 6, 1)), 3 * 3600 + 1800);
}

TEST_F(HandMadeZoneFiles, refuses_a_file_that_is_not_tzif) {
  std::string error;
  EXPECT_FALSE(load("this is not a zone file", &error));
  EXPECT_NE(error.find("not a valid TZif file"), std::string::npos) << error;
}

TEST_F(HandMadeZoneFiles, refuses_a_truncated_file) {
  std::string error;
  const std::string whole = make_tzif('2', {{1000, 0}}, {3600}, "CET-1");
  EXPECT_FALSE(load(whole.substr(0, whole.size() - 20), &error));
  EXPECT_FALSE(error.empty());
}

TEST_F(HandMadeZoneFiles, refuses_a_footer_it_cannot_read_rather_than_guess) {
  std::string error;
  EXPECT_FALSE(load(make_tzif('2', {}, {3600}, "CET-1CEST,M13.5.0"), &error));
  EXPECT_NE(error.find("footer"), std::string::npos) << error;
}

}  // namespace
}  // namespace mt5b::host
