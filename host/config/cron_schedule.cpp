#include "config/cron_schedule.hpp"

#include <ctime>
#include <sstream>
#include <vector>

namespace mt5b::host {

namespace {

bool parse_number(const std::string& s, int& out) {
  if (s.empty() || s.size() > 2) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  out = std::stoi(s);
  return true;
}

// Sets the bits of one field; returns false for anything malformed or out of [lo, hi].
template <size_t N>
bool parse_field(const std::string& field, int lo, int hi, std::bitset<N>& bits, bool& restricted) {
  restricted = field != "*";
  std::stringstream parts(field);
  std::string part;
  while (std::getline(parts, part, ',')) {
    int step = 1;
    if (auto slash = part.find('/'); slash != std::string::npos) {
      if (!parse_number(part.substr(slash + 1), step) || step == 0) return false;
      part = part.substr(0, slash);
    }
    int from = lo, to = hi;
    if (part != "*") {
      auto dash = part.find('-');
      if (dash == std::string::npos) {
        if (!parse_number(part, from)) return false;
        to = step > 1 ? hi : from;
      } else if (!parse_number(part.substr(0, dash), from) ||
                 !parse_number(part.substr(dash + 1), to)) {
        return false;
      }
    }
    if (from < lo || to > hi || from > to) return false;
    for (int v = from; v <= to; v += step) bits.set(static_cast<size_t>(v));
  }
  return bits.any();
}

}  // namespace

std::optional<CronSchedule> CronSchedule::parse(const std::string& expression, std::string* error) {
  std::stringstream in(expression);
  std::vector<std::string> fields;
  std::string f;
  while (in >> f) fields.push_back(f);
  CronSchedule s;
  s.expression_ = expression;
  bool ignore = false;
  bool ok = fields.size() == 5 && parse_field(fields[0], 0, 59, s.minutes_, ignore) &&
            parse_field(fields[1], 0, 23, s.hours_, ignore) &&
            parse_field(fields[2], 1, 31, s.days_, s.day_restricted_) &&
            parse_field(fields[3], 1, 12, s.months_, ignore);
  if (ok) {
    std::bitset<8> wd;
    ok = parse_field(fields[4], 0, 7, wd, s.weekday_restricted_);
    for (size_t i = 0; i < 7; ++i) s.weekdays_[i] = wd[i];
    if (wd[7]) s.weekdays_[0] = true;  // 7 is Sunday too
  }
  if (!ok) {
    if (error)
      *error = "'" + expression +
               "' is not a 5-field cron expression (minute hour day month weekday); every five "
               "minutes is \"*/5 * * * *\"";
    return std::nullopt;
  }
  return s;
}

int64_t CronSchedule::next_after_ms(int64_t after_ms) const {
  std::time_t t = static_cast<std::time_t>(after_ms / 1000 / 60 * 60 + 60);  // next whole minute
  // Four years of minutes bounds the search (Feb 29 schedules); stop well before.
  for (int i = 0; i < 4 * 366 * 24 * 60; ++i, t += 60) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    if (!months_[static_cast<size_t>(tm.tm_mon + 1)]) {
      t += static_cast<std::time_t>((24 * 60 - tm.tm_hour * 60 - tm.tm_min) * 60) - 60;
      continue;
    }
    bool dom = days_[static_cast<size_t>(tm.tm_mday)];
    bool dow = weekdays_[static_cast<size_t>(tm.tm_wday)];
    // Cron's rule: when both day fields are restricted, either may match.
    bool day_ok = (day_restricted_ && weekday_restricted_) ? (dom || dow) : (dom && dow);
    if (!day_ok || !hours_[static_cast<size_t>(tm.tm_hour)]) {
      t += static_cast<std::time_t>((60 - tm.tm_min) * 60) - 60;  // skip to the next hour
      continue;
    }
    if (minutes_[static_cast<size_t>(tm.tm_min)]) return static_cast<int64_t>(t) * 1000;
  }
  return after_ms + 60'000;
}

}  // namespace mt5b::host
