#include "normaliser/clock_spec.hpp"

#include <cctype>

namespace mt5b::host {

namespace {
// "+02:00", "-05:30", "+3", "UTC+2", "UTC-03:30", "UTC" → seconds east of UTC.
std::optional<int64_t> parse_offset(std::string text) {
  if (text.rfind("UTC", 0) == 0 || text.rfind("GMT", 0) == 0) text = text.substr(3);
  if (text.empty()) return 0;
  if (text[0] != '+' && text[0] != '-') return std::nullopt;
  int sign = text[0] == '-' ? -1 : 1;
  std::string rest = text.substr(1);
  int hours = 0, minutes = 0;
  size_t colon = rest.find(':');
  std::string h = rest.substr(0, colon),
              m = colon == std::string::npos ? "0" : rest.substr(colon + 1);
  if (h.empty() || h.size() > 2 || m.empty() || m.size() > 2) return std::nullopt;
  for (char c : h + m)
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  hours = std::stoi(h);
  minutes = std::stoi(m);
  if (hours > 14 || minutes > 59) return std::nullopt;
  return sign * (hours * 3600 + minutes * 60);
}
}  // namespace

std::optional<ClockSpec> parse_clock_spec(const std::string& text, std::string* error) {
  ClockSpec spec;
  if (text == "detect") return spec;
  if (auto offset = parse_offset(text)) {
    spec.kind = ClockSpec::Kind::offset;
    spec.offset_s = *offset;
    return spec;
  }
  std::string why;
  if (auto zone = TimeZone::load(text, &why)) {
    spec.kind = ClockSpec::Kind::zone;
    spec.zone = std::move(zone);
    return spec;
  }
  if (error)
    *error = "'" + text +
             "' is not a time zone: use an IANA name such as Europe/Nicosia (DST-aware), a fixed "
             "offset such as +02:00, or detect (" +
             why + ")";
  return std::nullopt;
}

}  // namespace mt5b::host
