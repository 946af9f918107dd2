// The POSIX TZ rule a TZif v2+ file carries in its footer (RFC 8536 §3.3), e.g.
// "EET-2EEST,M3.5.0/3,M10.5.0/4". It gives the offset for instants after the file's last
// transition, so dates past the table (2037 in Debian's files) still follow the DST rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mt5b::host {

struct PosixTzRule {
  // A day of the year: "Jn" (1..365, February 29 never counted), "n" (0..365, counting
  // February 29) or "Mm.w.d" (day d of week w of month m; week 5 means the last).
  struct DateRule {
    enum class Kind { julian_no_leap, zero_based, month_week_day };
    Kind kind = Kind::month_week_day;
    int day = 0;  // for julian_no_leap and zero_based
    int month = 0, week = 0, weekday = 0;
  };
  struct Daylight {
    int64_t offset_s = 0;  // seconds east of UTC while DST is in force
    DateRule start, end;
    int64_t start_time_s = 7200, end_time_s = 7200;  // local wall time of the switch
  };

  int64_t standard_offset_s = 0;  // seconds east of UTC (the POSIX text counts west)
  std::optional<Daylight> daylight;

  // nullopt when `text` is not a rule this parser understands (including an empty text).
  static std::optional<PosixTzRule> parse(std::string_view text);

  int64_t offset_at_utc(int64_t utc_s) const;
};

// Days since 1970-01-01 of a proleptic Gregorian date (month 1..12).
int64_t days_from_civil(int64_t year, int month, int day);
// The Gregorian year of a day number since 1970-01-01.
int64_t year_of_days(int64_t days);

}  // namespace mt5b::host
