#include "normaliser/time_zone.hpp"

#include <date/tz.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iterator>

namespace mt5b::host {

namespace {

// Where date/tz built with USE_OS_TZDB (Debian's libdate-tz) reads the zones.
constexpr const char* kZoneinfoDir = "/usr/share/zoneinfo";

bool valid_zone_name(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' ||
           c == '+';
  });
}

// The footer of a TZif v2+ file: the text between its last two newlines (RFC 8536 §3.3);
// empty when the file has none.
std::string footer_of(const std::string& name) {
  std::ifstream in(std::string(kZoneinfoDir) + "/" + name, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (bytes.size() < 2 || bytes.back() != '\n') return {};
  const auto start = bytes.rfind('\n', bytes.size() - 2);
  if (start == std::string::npos) return {};
  return bytes.substr(start + 1, bytes.size() - start - 2);
}

// date/tz marks the period after a zone's last transition as ending at year 32767.
bool past_the_table(const date::sys_info& info) {
  constexpr std::chrono::seconds kYear10000{253'402'300'800};
  return info.end.time_since_epoch() > kYear10000;
}

}  // namespace

std::optional<TimeZone> TimeZone::load(const std::string& name, std::string* error) {
  if (!valid_zone_name(name)) {
    if (error) {
      *error = "'" + name +
               "' is not an IANA time zone name; use one such as 'Europe/Nicosia' or "
               "'America/New_York'.";
    }
    return std::nullopt;
  }
  TimeZone zone;
  zone.name_ = name;
  try {
    zone.zone_ = date::locate_zone(name);
    zone.zone_->get_info(date::sys_seconds{});  // loads the zone's file now, not on first use
  } catch (const std::exception& e) {
    if (error) {
      *error = "The time zone '" + name + "' was not found in " + kZoneinfoDir + " (" + e.what() +
               "); check the spelling (e.g. 'Europe/Nicosia') and that the tzdata package is "
               "installed.";
    }
    return std::nullopt;
  }
  const std::string footer = footer_of(name);
  if (!footer.empty()) {
    zone.footer_rule_ = PosixTzRule::parse(footer);
    if (!zone.footer_rule_) {
      if (error) {
        *error = "The time zone file for '" + name +
                 "' ends with a rule this host cannot read; reinstall the tzdata package or "
                 "configure a fixed UTC offset instead.";
      }
      return std::nullopt;
    }
  }
  return zone;
}

TimeZone TimeZone::fixed(int64_t offset_s) {
  TimeZone zone;
  const int64_t magnitude = offset_s < 0 ? -offset_s : offset_s;
  char name[32];
  std::snprintf(name, sizeof name, "UTC%c%02d:%02d", offset_s < 0 ? '-' : '+',
                static_cast<int>(magnitude / 3600), static_cast<int>((magnitude % 3600) / 60));
  zone.name_ = name;
  zone.fixed_offset_s_ = offset_s;
  return zone;
}

int64_t TimeZone::offset_at_utc(int64_t utc_s) const {
  if (zone_ == nullptr) return fixed_offset_s_;
  const date::sys_info info = zone_->get_info(date::sys_seconds{std::chrono::seconds{utc_s}});
  if (footer_rule_ && past_the_table(info)) return footer_rule_->offset_at_utc(utc_s);
  return info.offset.count();
}

}  // namespace mt5b::host
