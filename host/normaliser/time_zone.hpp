// IANA time zones, DST-aware, from the system's tz database (/usr/share/zoneinfo) through
// Howard Hinnant's date/tz, without touching the process-wide TZ (localtime_r with setenv is
// not thread-safe).
#pragma once

#include "normaliser/posix_tz_rule.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace date {
class time_zone;
}

namespace mt5b::host {

class TimeZone {
 public:
  // Loads e.g. "Europe/Nicosia"; nullopt (and `error` set) for an unknown or unreadable zone.
  static std::optional<TimeZone> load(const std::string& name, std::string* error);
  // A zone with one fixed offset (for "UTC+02:00"-style configuration and tests).
  static TimeZone fixed(int64_t offset_s);

  const std::string& name() const { return name_; }
  // Seconds east of UTC in force at the UTC instant `utc_s`.
  int64_t offset_at_utc(int64_t utc_s) const;

 private:
  std::string name_;
  const date::time_zone* zone_ = nullptr;  // the tz database's, alive for the process; null: fixed
  int64_t fixed_offset_s_ = 0;
  // The POSIX TZ rule of the zone file's footer (RFC 8536 §3.3): date/tz built on the system's
  // files (USE_OS_TZDB) stops at their last transition (2037 in Debian's), the rule goes on.
  std::optional<PosixTzRule> footer_rule_;
};

}  // namespace mt5b::host
