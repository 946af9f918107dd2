#include "normaliser/posix_tz_rule.hpp"

#include <cctype>

namespace mt5b::host {

namespace {

constexpr int64_t kDayS = 86400;

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

bool is_leap(int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// Reads the rule text left to right; every read_* returns false on malformed input.
class RuleReader {
 public:
  explicit RuleReader(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ == text_.size(); }
  bool peek_is(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  bool peek_starts_offset() const {
    return pos_ < text_.size() && (std::isdigit(static_cast<unsigned char>(text_[pos_])) ||
                                   text_[pos_] == '+' || text_[pos_] == '-');
  }
  bool consume(char c) {
    if (!peek_is(c)) return false;
    ++pos_;
    return true;
  }

  // "EET" (three or more letters) or "<+0330>" (quoted, for numeric abbreviations).
  bool read_name() {
    if (consume('<')) {
      const auto close = text_.find('>', pos_);
      if (close == std::string_view::npos || close == pos_) return false;
      pos_ = close + 1;
      return true;
    }
    const size_t start = pos_;
    while (pos_ < text_.size() && std::isalpha(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    return pos_ - start >= 3;
  }

  // [+|-]hh[:mm[:ss]] in seconds; hours up to 167 (TZif v3 allows that for switch times).
  bool read_signed_hms(int64_t& out_s) {
    int sign = 1;
    if (consume('-')) {
      sign = -1;
    } else {
      consume('+');
    }
    int64_t hours = 0;
    if (!read_number(hours, 167)) return false;
    int64_t minutes = 0, seconds = 0;
    if (consume(':')) {
      if (!read_number(minutes, 59)) return false;
      if (consume(':') && !read_number(seconds, 59)) return false;
    }
    out_s = sign * (hours * 3600 + minutes * 60 + seconds);
    return true;
  }

  bool read_date(PosixTzRule::DateRule& rule) {
    using Kind = PosixTzRule::DateRule::Kind;
    int64_t a = 0, b = 0, c = 0;
    if (consume('J')) {
      rule.kind = Kind::julian_no_leap;
      if (!read_number(a, 365) || a < 1) return false;
      rule.day = static_cast<int>(a);
      return true;
    }
    if (consume('M')) {
      rule.kind = Kind::month_week_day;
      if (!read_number(a, 12) || a < 1 || !consume('.') || !read_number(b, 5) || b < 1 ||
          !consume('.') || !read_number(c, 6)) {
        return false;
      }
      rule.month = static_cast<int>(a);
      rule.week = static_cast<int>(b);
      rule.weekday = static_cast<int>(c);
      return true;
    }
    rule.kind = Kind::zero_based;
    if (!read_number(a, 365)) return false;
    rule.day = static_cast<int>(a);
    return true;
  }

 private:
  bool read_number(int64_t& out, int64_t max) {
    const size_t start = pos_;
    out = 0;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      out = out * 10 + (text_[pos_] - '0');
      if (out > max) return false;
      ++pos_;
    }
    return pos_ > start;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

int64_t day_of_rule(const PosixTzRule::DateRule& rule, int64_t year) {
  using Kind = PosixTzRule::DateRule::Kind;
  const int64_t jan1 = days_from_civil(year, 1, 1);
  switch (rule.kind) {
    case Kind::julian_no_leap:
      // J60 is March 1 every year: February 29 is skipped in the count.
      return jan1 + rule.day - 1 + (is_leap(year) && rule.day >= 60 ? 1 : 0);
    case Kind::zero_based: return jan1 + rule.day;
    case Kind::month_week_day: {
      const int64_t first = days_from_civil(year, rule.month, 1);
      const int64_t first_weekday = ((first % 7) + 7 + 4) % 7;  // 1970-01-01 was a Thursday (4)
      int64_t day = (rule.weekday - first_weekday + 7) % 7 + (rule.week - 1) * 7;
      while (day >= days_in_month(year, rule.month)) day -= 7;  // week 5: the last such weekday
      return first + day;
    }
  }
  return jan1;
}

}  // namespace

int64_t days_from_civil(int64_t year, int month, int day) {
  // Howard Hinnant's algorithm (public domain), proleptic Gregorian, valid for any year.
  year -= month <= 2;
  const int64_t era = floor_div(year, 400);
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

int64_t year_of_days(int64_t days) {
  days += 719468;
  const int64_t era = floor_div(days, 146097);
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t month_index = (5 * day_of_year + 2) / 153;  // 0 = March
  return year_of_era + era * 400 + (month_index >= 10 ? 1 : 0);
}

std::optional<PosixTzRule> PosixTzRule::parse(std::string_view text) {
  RuleReader reader(text);
  PosixTzRule rule;
  int64_t west_s = 0;
  if (!reader.read_name() || !reader.read_signed_hms(west_s)) return std::nullopt;
  rule.standard_offset_s = -west_s;  // POSIX counts hours west of Greenwich
  if (reader.at_end()) return rule;

  Daylight daylight;
  if (!reader.read_name()) return std::nullopt;
  daylight.offset_s = rule.standard_offset_s + 3600;  // POSIX default: one hour ahead
  if (reader.peek_starts_offset()) {
    if (!reader.read_signed_hms(west_s)) return std::nullopt;
    daylight.offset_s = -west_s;
  }
  if (reader.at_end()) {
    // No switch dates: POSIX leaves them to the implementation; glibc uses the US rule.
    daylight.start = {DateRule::Kind::month_week_day, 0, 3, 2, 0};
    daylight.end = {DateRule::Kind::month_week_day, 0, 11, 1, 0};
  } else {
    if (!reader.consume(',') || !reader.read_date(daylight.start)) return std::nullopt;
    if (reader.consume('/') && !reader.read_signed_hms(daylight.start_time_s)) return std::nullopt;
    if (!reader.consume(',') || !reader.read_date(daylight.end)) return std::nullopt;
    if (reader.consume('/') && !reader.read_signed_hms(daylight.end_time_s)) return std::nullopt;
    if (!reader.at_end()) return std::nullopt;
  }
  rule.daylight = daylight;
  return rule;
}

int64_t PosixTzRule::offset_at_utc(int64_t utc_s) const {
  if (!daylight) return standard_offset_s;
  const int64_t year = year_of_days(floor_div(utc_s + standard_offset_s, kDayS));
  // The start switch happens on the standard clock, the end switch on the daylight clock.
  const int64_t start_utc =
      day_of_rule(daylight->start, year) * kDayS + daylight->start_time_s - standard_offset_s;
  const int64_t end_utc =
      day_of_rule(daylight->end, year) * kDayS + daylight->end_time_s - daylight->offset_s;
  const bool in_daylight = start_utc < end_utc
                               ? (utc_s >= start_utc && utc_s < end_utc)
                               : !(utc_s >= end_utc && utc_s < start_utc);  // southern hemisphere
  return in_daylight ? daylight->offset_s : standard_offset_s;
}

}  // namespace mt5b::host
