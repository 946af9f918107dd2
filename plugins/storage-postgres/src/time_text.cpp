#include "time_text.hpp"

#include <cstdio>
#include <cstdlib>

namespace mt5b::storage_postgres {
namespace {

constexpr int64_t kMsPerDay = 86'400'000;
constexpr int64_t kMaxOffsetS = 24 * 3600 - 1;

struct CivilDate {
  int64_t year;
  unsigned month;
  unsigned day;
};

// Howard Hinnant's days_from_civil / civil_from_days: exact for the proleptic Gregorian
// calendar, no time zone database involved.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

CivilDate civil_from_days(int64_t z) {
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

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

// "YYYY-MM-DDTHH:MM:SS.mmm" without a zone; nullopt out of range.
std::optional<std::string> format_wall_clock(int64_t ms) {
  if (ms < kEarliestTextMs || ms > kLatestTextMs) return std::nullopt;
  const int64_t days = floor_div(ms, kMsPerDay);
  const int64_t in_day = ms - days * kMsPerDay;
  const CivilDate date = civil_from_days(days);
  char text[64];  // room for any int64 field, so the compiler can prove no truncation
  std::snprintf(text, sizeof text, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lld",
                static_cast<long long>(date.year), date.month, date.day,
                static_cast<long long>(in_day / 3'600'000),
                static_cast<long long>(in_day / 60'000 % 60),
                static_cast<long long>(in_day / 1000 % 60), static_cast<long long>(in_day % 1000));
  return std::string(text);
}

// Reads exactly `width` decimal digits at text[pos].
std::optional<int64_t> digits(std::string_view text, size_t pos, size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  int64_t value = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool is_at(std::string_view text, size_t pos, char c) {
  return pos < text.size() && text[pos] == c;
}

}  // namespace

std::optional<std::string> format_utc_ms(int64_t epoch_ms) {
  auto wall = format_wall_clock(epoch_ms);
  if (!wall) return std::nullopt;
  return *wall + "Z";
}

std::optional<std::string> format_broker_ms(int64_t broker_ms, int64_t offset_s) {
  if (offset_s < -kMaxOffsetS || offset_s > kMaxOffsetS) return std::nullopt;
  auto wall = format_wall_clock(broker_ms);
  if (!wall) return std::nullopt;
  const int64_t magnitude = std::llabs(offset_s);
  char suffix[64];
  if (magnitude % 60 == 0) {
    std::snprintf(suffix, sizeof suffix, "%c%02lld:%02lld", offset_s < 0 ? '-' : '+',
                  static_cast<long long>(magnitude / 3600),
                  static_cast<long long>(magnitude / 60 % 60));
  } else {
    std::snprintf(suffix, sizeof suffix, "%c%02lld:%02lld:%02lld", offset_s < 0 ? '-' : '+',
                  static_cast<long long>(magnitude / 3600),
                  static_cast<long long>(magnitude / 60 % 60),
                  static_cast<long long>(magnitude % 60));
  }
  return *wall + suffix;
}

std::optional<BrokerTime> parse_broker_text(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS.mmm then Z | +HH:MM | +HH:MM:SS
  auto year = digits(text, 0, 4);
  auto month = digits(text, 5, 2);
  auto day = digits(text, 8, 2);
  auto hour = digits(text, 11, 2);
  auto minute = digits(text, 14, 2);
  auto second = digits(text, 17, 2);
  auto milli = digits(text, 20, 3);
  if (!year || !month || !day || !hour || !minute || !second || !milli) return std::nullopt;
  if (!is_at(text, 4, '-') || !is_at(text, 7, '-') || !is_at(text, 10, 'T') ||
      !is_at(text, 13, ':') || !is_at(text, 16, ':') || !is_at(text, 19, '.')) {
    return std::nullopt;
  }
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 ||
      *second > 59) {
    return std::nullopt;
  }
  BrokerTime out;
  out.broker_ms =
      days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day)) *
          kMsPerDay +
      *hour * 3'600'000 + *minute * 60'000 + *second * 1000 + *milli;
  const std::string_view zone = text.substr(23);
  if (zone == "Z") return out;
  if (zone.size() != 6 && zone.size() != 9) return std::nullopt;
  if (zone[0] != '+' && zone[0] != '-') return std::nullopt;
  auto zone_hours = digits(zone, 1, 2);
  auto zone_minutes = digits(zone, 4, 2);
  if (!zone_hours || !zone_minutes || zone[3] != ':' || *zone_minutes > 59) return std::nullopt;
  int64_t seconds = *zone_hours * 3600 + *zone_minutes * 60;
  if (zone.size() == 9) {
    auto zone_seconds = digits(zone, 7, 2);
    if (!zone_seconds || zone[6] != ':' || *zone_seconds > 59) return std::nullopt;
    seconds += *zone_seconds;
  }
  out.offset_s = zone[0] == '-' ? -seconds : seconds;
  return out;
}

}  // namespace mt5b::storage_postgres
