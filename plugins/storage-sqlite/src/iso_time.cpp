#include "iso_time.hpp"

#include <chrono>
#include <cstdio>

namespace mt5b::storage_sqlite {
namespace {

using std::chrono::days;
using std::chrono::milliseconds;
using std::chrono::sys_days;
using std::chrono::sys_time;

// A cursor over the text that reads fixed-width decimal fields.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  bool digits(size_t count, int& out) {
    if (text_.size() < count) return false;
    int value = 0;
    for (size_t i = 0; i < count; ++i) {
      char c = text_[i];
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    text_.remove_prefix(count);
    out = value;
    return true;
  }
  bool literal(char expected) {
    if (text_.empty() || text_.front() != expected) return false;
    text_.remove_prefix(1);
    return true;
  }
  bool peek_digit() const { return !text_.empty() && text_.front() >= '0' && text_.front() <= '9'; }
  bool at_end() const { return text_.empty(); }

 private:
  std::string_view text_;
};

// Reads "Z", "+HH:MM", "+HHMM", "+HH" (or '-') into seconds east of UTC.
bool read_offset(Reader& in, int64_t& offset_s) {
  if (in.literal('Z')) {
    offset_s = 0;
    return true;
  }
  int sign = 0;
  if (in.literal('+')) {
    sign = 1;
  } else if (in.literal('-')) {
    sign = -1;
  } else {
    return false;
  }
  int hours = 0;
  int minutes = 0;
  if (!in.digits(2, hours)) return false;
  if (!in.at_end()) {
    in.literal(':');
    if (!in.digits(2, minutes)) return false;
  }
  if (hours > 23 || minutes > 59) return false;
  offset_s = sign * (hours * 3600 + minutes * 60);
  return true;
}

}  // namespace

std::optional<std::string> format_iso_utc_ms(int64_t epoch_ms) {
  auto text = format_iso_broker_ms(epoch_ms, 0);
  if (!text) return std::nullopt;
  text->resize(text->size() - 6);  // "+00:00" -> "Z": UTC columns say Z
  text->push_back('Z');
  return text;
}

bool is_iso_offset(int64_t offset_s) {
  return offset_s % 60 == 0 && offset_s > -24 * 3600 && offset_s < 24 * 3600;
}

std::optional<std::string> format_iso_broker_ms(int64_t wall_ms, int64_t offset_s) {
  if (wall_ms < kEarliestIsoMs || wall_ms > kLatestIsoMs || !is_iso_offset(offset_s)) {
    return std::nullopt;
  }
  sys_time<milliseconds> time{milliseconds{wall_ms}};
  auto day = std::chrono::floor<days>(time);
  std::chrono::year_month_day date{day};
  std::chrono::hh_mm_ss<milliseconds> clock{time - day};
  const int64_t offset_minutes = offset_s < 0 ? -offset_s / 60 : offset_s / 60;
  char buffer[64];  // 29 characters in range; room for what the compiler cannot rule out
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%03d%c%02d:%02d",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(clock.hours().count()),
                static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()),
                static_cast<int>(clock.subseconds().count()), offset_s < 0 ? '-' : '+',
                static_cast<int>(offset_minutes / 60), static_cast<int>(offset_minutes % 60));
  return std::string(buffer);
}

std::optional<int64_t> parse_iso_utc_ms(std::string_view text) {
  auto parts = parse_iso_wall_clock(text);
  if (!parts) return std::nullopt;
  return parts->wall_ms - parts->offset_s * 1000;
}

std::optional<WallClockTime> parse_iso_wall_clock(std::string_view text) {
  Reader in(text);
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!in.digits(4, year) || !in.literal('-') || !in.digits(2, month) || !in.literal('-') ||
      !in.digits(2, day))
    return std::nullopt;
  if (!in.literal('T') && !in.literal(' ')) return std::nullopt;
  if (!in.digits(2, hour) || !in.literal(':') || !in.digits(2, minute) || !in.literal(':') ||
      !in.digits(2, second))
    return std::nullopt;
  int millis = 0;
  if (in.literal('.')) {
    int fraction_digits = 0;
    int digit = 0;
    while (in.peek_digit()) {
      in.digits(1, digit);
      if (++fraction_digits > 9) return std::nullopt;
      if (fraction_digits <= 3) millis = millis * 10 + digit;
    }
    if (fraction_digits == 0) return std::nullopt;
    for (int i = fraction_digits; i < 3; ++i) millis *= 10;
  }
  int64_t offset_s = 0;
  if (!read_offset(in, offset_s) || !in.at_end()) return std::nullopt;

  std::chrono::year_month_day date{std::chrono::year{year},
                                   std::chrono::month{static_cast<unsigned>(month)},
                                   std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  int64_t day_ms =
      std::chrono::duration_cast<milliseconds>(sys_days{date}.time_since_epoch()).count();
  return WallClockTime{day_ms + ((hour * 60 + minute) * 60 + second) * 1000 + millis, offset_s};
}

}  // namespace mt5b::storage_sqlite
