#include "normaliser/server_clock.hpp"

#include <cmath>

namespace mt5b::host {

namespace {

constexpr int64_t kDayS = 86400;
// A tick cannot come from the future; this much is allowed for the two clocks disagreeing.
constexpr int64_t kMaxClockSkewS = 120;

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

}  // namespace

std::string_view offset_source_name(OffsetSource source) {
  switch (source) {
    case OffsetSource::configured_zone: return "configured_zone";
    case OffsetSource::configured_offset: return "configured_offset";
    case OffsetSource::detected_from_tick: return "detected_from_tick";
  }
  return "unknown";
}

ServerClock ServerClock::from_zone(TimeZone zone) {
  ServerClock clock;
  clock.zone_ = std::move(zone);
  clock.source_ = OffsetSource::configured_zone;
  return clock;
}

ServerClock ServerClock::from_offset(int64_t offset_s, OffsetSource source) {
  ServerClock clock;
  clock.zone_ = TimeZone::fixed(offset_s);
  clock.source_ = source;
  return clock;
}

int64_t ServerClock::broker_to_utc_ms(int64_t broker_ms) const {
  // A wall-clock reading W maps to UTC u with u + offset(u) = W. Offsets near W are the ones in
  // force a day before and a day after (no zone is more than ±14 h from UTC, and zones do not
  // switch twice within two days).
  const int64_t wall_s = floor_div(broker_ms, 1000);
  const int64_t before_s = zone_.offset_at_utc(wall_s - kDayS);
  const int64_t after_s = zone_.offset_at_utc(wall_s + kDayS);
  const auto reads_as_wall = [&](int64_t offset_s) {
    return zone_.offset_at_utc(wall_s - offset_s) == offset_s;
  };
  // Both fit in the repeated hour after a fall-back: the pre-switch (earlier) reading wins.
  if (reads_as_wall(before_s)) return broker_ms - before_s * 1000;
  if (reads_as_wall(after_s)) return broker_ms - after_s * 1000;
  // Neither fits in the hour skipped by a spring-forward: read it on the pre-switch clock, as a
  // clock that had not yet been moved forward would show it.
  return broker_ms - before_s * 1000;
}

int64_t ServerClock::utc_to_broker_ms(int64_t utc_ms) const {
  return utc_ms + zone_.offset_at_utc(floor_div(utc_ms, 1000)) * 1000;
}

int64_t ServerClock::offset_at_utc_s(int64_t utc_s) const {
  return zone_.offset_at_utc(utc_s);
}

std::optional<int64_t> detect_offset_s(int64_t tick_broker_s, int64_t now_utc_s,
                                       int64_t max_tick_age_s) {
  const int64_t difference_s = tick_broker_s - now_utc_s;
  const int64_t offset_s =
      static_cast<int64_t>(std::llround(static_cast<double>(difference_s) / 1800.0)) * 1800;
  // How old the tick is if `offset_s` is right. Rounding to 30 minutes hides up to 15 minutes
  // of age, so a stale tick can round to a wrong offset and then look like it came from the
  // future; refusing both old and future ticks catches most of those wrong guesses.
  const int64_t tick_age_s = offset_s - difference_s;
  if (tick_age_s > max_tick_age_s || tick_age_s < -kMaxClockSkewS) return std::nullopt;
  return offset_s;
}

}  // namespace mt5b::host
