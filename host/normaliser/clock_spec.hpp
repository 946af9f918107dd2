// How a trade server's clock is configured: an IANA zone, a fixed offset, or "detect".
#pragma once

#include "normaliser/time_zone.hpp"

#include <optional>
#include <string>

namespace mt5b::host {

// A configured clock: "Europe/Nicosia", "+02:00" / "-05:30" / "UTC+3", or "detect".
struct ClockSpec {
  enum class Kind { zone, offset, detect } kind = Kind::detect;
  std::optional<TimeZone> zone;
  int64_t offset_s = 0;
};
// nullopt with `error` set when the text is none of the forms above.
std::optional<ClockSpec> parse_clock_spec(const std::string& text, std::string* error);

}  // namespace mt5b::host
