// Time as ISO 8601 text, the one writer and reader the host and the plugins share: UTC instants
// ("2025-11-12T10:30:00Z", or with milliseconds "2025-11-12T10:30:00.000Z") and wall-clock
// times with the offset in force ("2025-11-12T13:30:00+03:00"), for API answers, log lines and
// storage columns. Fixed width for years 0000..9999, so text order is time order. Proleptic
// Gregorian calendar by Howard Hinnant's civil-date algorithms; no time zone database involved.
#ifndef MT5BRIDGE_ISO8601_HPP
#define MT5BRIDGE_ISO8601_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mt5b::sdk::iso8601 {

enum class Precision { seconds, milliseconds };

// The range with a four-digit year: 0000-01-01T00:00:00.000 .. 9999-12-31T23:59:59.999.
inline constexpr int64_t kEarliestMs = -62'167'219'200'000;
inline constexpr int64_t kLatestMs = 253'402'300'799'999;

namespace detail {

inline constexpr int64_t kMsPerDay = 86'400'000;

constexpr int64_t floor_div(int64_t a, int64_t b) noexcept {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

struct CivilDate {
  int64_t year;
  unsigned month, day;
};

// Days since 1970-01-01 of a proleptic Gregorian date, and back (Hinnant's days_from_civil,
// civil_from_days).
constexpr int64_t days_from_civil(int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}
constexpr CivilDate civil_from_days(int64_t z) noexcept {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

inline void put_digits(std::string& out, int64_t value, int width) {
  char buffer[24];
  int n = 0;
  do {
    buffer[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0 || n < width);
  while (n > 0) out.push_back(buffer[--n]);
}

}  // namespace detail

// "YYYY-MM-DDTHH:MM:SS[.mmm]" of `wall_ms` read as UTC, without a zone. Years outside
// 0000..9999 are written with their sign and more digits (not ISO's fixed width).
inline std::string wall_clock_text(int64_t wall_ms, Precision precision) {
  const int64_t days = detail::floor_div(wall_ms, detail::kMsPerDay);
  const int64_t in_day = wall_ms - days * detail::kMsPerDay;
  const detail::CivilDate date = detail::civil_from_days(days);
  std::string out;
  out.reserve(32);
  if (date.year < 0) out.push_back('-');
  detail::put_digits(out, date.year < 0 ? -date.year : date.year, 4);
  out.push_back('-');
  detail::put_digits(out, date.month, 2);
  out.push_back('-');
  detail::put_digits(out, date.day, 2);
  out.push_back('T');
  detail::put_digits(out, in_day / 3'600'000, 2);
  out.push_back(':');
  detail::put_digits(out, in_day / 60'000 % 60, 2);
  out.push_back(':');
  detail::put_digits(out, in_day / 1000 % 60, 2);
  if (precision == Precision::milliseconds) {
    out.push_back('.');
    detail::put_digits(out, in_day % 1000, 3);
  }
  return out;
}

// "+HH:MM" for `offset_s` east of UTC ("+HH:MM:SS" when it is not whole minutes).
inline std::string offset_text(int64_t offset_s) {
  std::string out(1, offset_s < 0 ? '-' : '+');
  const int64_t magnitude = offset_s < 0 ? -offset_s : offset_s;
  detail::put_digits(out, magnitude / 3600, 2);
  out.push_back(':');
  detail::put_digits(out, magnitude / 60 % 60, 2);
  if (magnitude % 60 != 0) {
    out.push_back(':');
    detail::put_digits(out, magnitude % 60, 2);
  }
  return out;
}

// "2025-11-12T10:30:00Z": the UTC instant `utc_ms`.
inline std::string utc_text(int64_t utc_ms, Precision precision = Precision::seconds) {
  return wall_clock_text(utc_ms, precision) + 'Z';
}

// "2025-11-12T11:00:00+03:00": the wall clock `wall_ms` (MetaTrader's broker clock encoded as if
// it were UTC, MT5.md) with the offset in force.
inline std::string wall_clock_with_offset(int64_t wall_ms, int64_t offset_s,
                                          Precision precision = Precision::seconds) {
  return wall_clock_text(wall_ms, precision) + offset_text(offset_s);
}

// The UTC instant `utc_ms` on a clock `offset_s` ahead of UTC, with that offset.
inline std::string local_text(int64_t utc_ms, int64_t offset_s,
                              Precision precision = Precision::seconds) {
  return wall_clock_with_offset(utc_ms + offset_s * 1000, offset_s, precision);
}

// What the text says: the written digits read as if UTC, and the offset apart.
struct WallClock {
  int64_t wall_ms = 0;
  int64_t offset_s = 0;  // 0 for 'Z'
  int64_t utc_ms() const noexcept { return wall_ms - offset_s * 1000; }
};

// Reads "YYYY-MM-DD", a 'T' or a space, "HH:MM:SS", an optional fraction of 1..9 digits
// (truncated to milliseconds), then "Z", "+HH:MM", "+HH:MM:SS", "+HHMM" or "+HH" (or '-'), the
// forms this header and other tools write. nullopt for anything else, an impossible date
// (2025-02-30) included.
inline std::optional<WallClock> parse(std::string_view text) {
  size_t at = 0;
  auto digits = [&](size_t width, int64_t& out) {
    if (text.size() - at < width) return false;
    int64_t value = 0;
    for (size_t i = at; i < at + width; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      value = value * 10 + (text[i] - '0');
    }
    at += width;
    out = value;
    return true;
  };
  auto literal = [&](char c) {
    if (at >= text.size() || text[at] != c) return false;
    ++at;
    return true;
  };
  int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(4, year) || !literal('-') || !digits(2, month) || !literal('-') || !digits(2, day))
    return std::nullopt;
  if (!literal('T') && !literal(' ')) return std::nullopt;
  if (!digits(2, hour) || !literal(':') || !digits(2, minute) || !literal(':') ||
      !digits(2, second))
    return std::nullopt;
  int64_t millis = 0;
  if (literal('.')) {
    int fraction_digits = 0;
    int64_t digit = 0;
    while (at < text.size() && digits(1, digit)) {
      if (++fraction_digits > 9) return std::nullopt;
      if (fraction_digits <= 3) millis = millis * 10 + digit;
    }
    if (fraction_digits == 0) return std::nullopt;
    for (int i = fraction_digits; i < 3; ++i) millis *= 10;
  }
  int64_t offset_s = 0;
  if (!literal('Z')) {
    int64_t sign = literal('+') ? 1 : literal('-') ? -1 : 0;
    int64_t hours = 0, minutes = 0, seconds = 0;
    if (sign == 0 || !digits(2, hours)) return std::nullopt;
    if (at < text.size()) {
      literal(':');
      if (!digits(2, minutes)) return std::nullopt;
      if (at < text.size() && (!literal(':') || !digits(2, seconds))) return std::nullopt;
    }
    if (hours > 23 || minutes > 59 || seconds > 59) return std::nullopt;
    offset_s = sign * (hours * 3600 + minutes * 60 + seconds);
  }
  if (at != text.size()) return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
    return std::nullopt;
  const auto m = static_cast<unsigned>(month), d = static_cast<unsigned>(day);
  const int64_t days = detail::days_from_civil(year, m, d);
  if (detail::civil_from_days(days).day != d) return std::nullopt;  // e.g. 2025-02-30
  return WallClock{days * detail::kMsPerDay + ((hour * 60 + minute) * 60 + second) * 1000 + millis,
                   offset_s};
}

}  // namespace mt5b::sdk::iso8601

#endif  // MT5BRIDGE_ISO8601_HPP
