// IANA time zones read from the system's TZif files (/usr/share/zoneinfo), DST-aware, without
// touching the process-wide TZ (localtime_r with setenv is not thread-safe).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mt5b::host {

class TimeZone {
 public:
  // Loads e.g. "Europe/Nicosia"; nullopt (and `error` set) for an unknown or unreadable zone.
  static std::optional<TimeZone> load(const std::string& name, std::string* error,
                                      const std::string& zoneinfo_dir = "/usr/share/zoneinfo");
  // A zone with one fixed offset (for "UTC+02:00"-style configuration and tests).
  static TimeZone fixed(int64_t offset_s);

  const std::string& name() const { return name_; }
  // Seconds east of UTC in force at the UTC instant `utc_s`.
  int64_t offset_at_utc(int64_t utc_s) const;

 private:
  struct Transition {
    int64_t at_utc_s;
    int64_t offset_s;
  };
  std::string name_;
  std::vector<Transition> transitions_;  // sorted by at_utc_s
  int64_t initial_offset_s_ = 0;
  std::string footer_rule_;  // POSIX TZ rule for instants after the last transition (TZif v2+)
  friend struct TimeZoneParser;
};

}  // namespace mt5b::host
