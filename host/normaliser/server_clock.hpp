// How one trade server's clock maps to UTC (MT5.md, "Time: broker clock, not UTC").
// MT5 encodes the server's wall-clock time as if it were UTC; a ServerClock turns such a value
// into the true UTC instant and back, and records how its offset was obtained.
#pragma once

#include "normaliser/time_zone.hpp"

#include <cstdint>
#include <string>

namespace mt5b::host {

enum class OffsetSource {
  configured_zone,    // an IANA zone from config, DST-aware
  configured_offset,  // a fixed offset from config
  detected_from_tick  // round((tick time − now UTC) / 30 min) × 30 min
};
std::string_view offset_source_name(OffsetSource source);  // "configured_zone", ...

class ServerClock {
 public:
  static ServerClock from_zone(TimeZone zone);
  static ServerClock from_offset(int64_t offset_s, OffsetSource source);

  // The UTC instant (ms) of a broker wall-clock value (ms). Around a DST switch the wall clock
  // is ambiguous or skips; the earlier (pre-switch) reading wins for an ambiguous hour.
  int64_t broker_to_utc_ms(int64_t broker_ms) const;
  // The broker wall-clock value (ms) of a UTC instant (ms).
  int64_t utc_to_broker_ms(int64_t utc_ms) const;
  // Offset in force at a UTC instant.
  int64_t offset_at_utc_s(int64_t utc_s) const;
  OffsetSource source() const { return source_; }

 private:
  TimeZone zone_ = TimeZone::fixed(0);
  OffsetSource source_ = OffsetSource::configured_offset;
};

// The offset a live tick implies: round((tick_broker_s − now_utc_s) / 1800) × 1800. Returns
// nullopt when the tick is older than `max_tick_age_s` (market closed: the guess would be wrong).
std::optional<int64_t> detect_offset_s(int64_t tick_broker_s, int64_t now_utc_s,
                                       int64_t max_tick_age_s = 600);

}  // namespace mt5b::host
