#include "normaliser/time_zone.hpp"

#include "normaliser/posix_tz_rule.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace mt5b::host {

namespace {

// Reads big-endian integers from a TZif file (RFC 8536); every read checks the length.
class TzifReader {
 public:
  explicit TzifReader(std::string_view bytes) : bytes_(bytes) {}

  bool skip(uint64_t n) {
    if (n > bytes_.size() - pos_) return false;
    pos_ += n;
    return true;
  }
  bool read_bytes(size_t n, std::string_view& out) {
    if (n > bytes_.size() - pos_) return false;
    out = bytes_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool read_u8(uint8_t& out) {
    std::string_view b;
    if (!read_bytes(1, b)) return false;
    out = static_cast<uint8_t>(b[0]);
    return true;
  }
  bool read_be(size_t width, int64_t& out) {
    std::string_view b;
    if (!read_bytes(width, b)) return false;
    uint64_t v = 0;
    for (char c : b) v = (v << 8) | static_cast<uint8_t>(c);
    // Sign-extend: TZif integers are two's complement of `width` bytes.
    if (width < 8 && (v >> (width * 8 - 1)) != 0) v |= ~uint64_t{0} << (width * 8);
    out = static_cast<int64_t>(v);
    return true;
  }
  std::string_view rest() const { return bytes_.substr(pos_); }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

struct TzifHeader {
  char version = 0;  // 0 for v1, else '2', '3', '4'
  int64_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;

  // Size of the data block that follows the header, with `time_size`-byte transition times.
  uint64_t data_size(int time_size) const {
    return static_cast<uint64_t>(timecnt * time_size + timecnt + typecnt * 6 + charcnt +
                                 leapcnt * (time_size + 4) + isstdcnt + isutcnt);
  }
};

bool read_header(TzifReader& r, TzifHeader& h) {
  std::string_view magic, version;
  if (!r.read_bytes(4, magic) || magic != "TZif" || !r.read_bytes(1, version) || !r.skip(15)) {
    return false;
  }
  h.version = version[0];
  for (int64_t* count : {&h.isutcnt, &h.isstdcnt, &h.leapcnt, &h.timecnt, &h.typecnt, &h.charcnt}) {
    if (!r.read_be(4, *count) || *count < 0 || *count > 1'000'000) return false;
  }
  return h.typecnt >= 1;
}

bool valid_zone_name(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' ||
           c == '+';
  });
}

std::string fixed_zone_name(int64_t offset_s) {
  const int64_t magnitude = std::llabs(offset_s);
  char buf[32];
  std::snprintf(buf, sizeof buf, "UTC%c%02d:%02d", offset_s < 0 ? '-' : '+',
                static_cast<int>(magnitude / 3600), static_cast<int>((magnitude % 3600) / 60));
  return buf;
}

}  // namespace

struct TimeZoneParser {
  static std::optional<TimeZone> parse(const std::string& name, std::string_view bytes,
                                       std::string* error);
};

std::optional<TimeZone> TimeZoneParser::parse(const std::string& name, std::string_view bytes,
                                              std::string* error) {
  const auto fail = [&](const char* what) -> std::optional<TimeZone> {
    if (error) {
      *error = "The time zone file for '" + name + "' is " + what +
               "; reinstall the tzdata package or configure a fixed UTC offset instead.";
    }
    return std::nullopt;
  };

  TzifReader r(bytes);
  TzifHeader header;
  if (!read_header(r, header)) return fail("not a valid TZif file");
  int time_size = 4;
  if (header.version != 0) {
    // Version 2+ repeats the data with 64-bit times after the v1 block; use that copy.
    if (!r.skip(header.data_size(4)) || !read_header(r, header)) {
      return fail("truncated or damaged");
    }
    time_size = 8;
  }

  std::vector<int64_t> times(header.timecnt);
  for (auto& t : times) {
    if (!r.read_be(time_size, t)) return fail("truncated");
  }
  std::vector<uint8_t> type_index(header.timecnt);
  for (auto& i : type_index) {
    if (!r.read_u8(i) || i >= header.typecnt) return fail("damaged (bad transition type)");
  }
  std::vector<int64_t> type_offsets(header.typecnt);
  for (auto& offset : type_offsets) {
    uint8_t is_dst = 0, abbreviation_index = 0;
    if (!r.read_be(4, offset) || !r.read_u8(is_dst) || !r.read_u8(abbreviation_index)) {
      return fail("truncated");
    }
  }
  // Abbreviations, leap seconds and the std/wall and UT/local indicators are not needed to
  // map instants to offsets.
  if (!r.skip(static_cast<uint64_t>(header.charcnt + header.leapcnt * (time_size + 4) +
                                    header.isstdcnt + header.isutcnt))) {
    return fail("truncated");
  }

  TimeZone zone;
  zone.name_ = name;
  zone.initial_offset_s_ = type_offsets[0];  // RFC 8536: type 0 applies before the first transition
  zone.transitions_.reserve(times.size());
  for (size_t i = 0; i < times.size(); ++i) {
    if (!zone.transitions_.empty() && times[i] <= zone.transitions_.back().at_utc_s) {
      return fail("damaged (transitions out of order)");
    }
    zone.transitions_.push_back({times[i], type_offsets[type_index[i]]});
  }

  if (header.version != 0) {
    const std::string_view footer = r.rest();
    if (footer.size() < 2 || footer.front() != '\n') return fail("missing its footer");
    const auto end = footer.find('\n', 1);
    if (end == std::string_view::npos) return fail("missing its footer");
    zone.footer_rule_ = std::string(footer.substr(1, end - 1));
    if (!zone.footer_rule_.empty() && !PosixTzRule::parse(zone.footer_rule_)) {
      return fail("using a footer rule this host cannot read");
    }
  }
  return zone;
}

std::optional<TimeZone> TimeZone::load(const std::string& name, std::string* error,
                                       const std::string& zoneinfo_dir) {
  if (!valid_zone_name(name)) {
    if (error) {
      *error = "'" + name +
               "' is not an IANA time zone name; use one such as 'Europe/Nicosia' or "
               "'America/New_York'.";
    }
    return std::nullopt;
  }
  const std::string path = zoneinfo_dir + "/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (error) {
      *error = "The time zone '" + name + "' was not found in " + zoneinfo_dir +
               "; check the spelling (e.g. 'Europe/Nicosia') and that the tzdata package is "
               "installed.";
    }
    return std::nullopt;
  }
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return TimeZoneParser::parse(name, bytes, error);
}

TimeZone TimeZone::fixed(int64_t offset_s) {
  TimeZone zone;
  zone.name_ = fixed_zone_name(offset_s);
  zone.initial_offset_s_ = offset_s;
  return zone;
}

int64_t TimeZone::offset_at_utc(int64_t utc_s) const {
  const auto after = std::upper_bound(
      transitions_.begin(), transitions_.end(), utc_s,
      [](int64_t t, const Transition& transition) { return t < transition.at_utc_s; });
  const bool past_table =
      after == transitions_.end() && (transitions_.empty() || utc_s > transitions_.back().at_utc_s);
  if (past_table && !footer_rule_.empty()) {
    // Parsed per call rather than cached so the zone stays a plain immutable value; the rule
    // was validated at load, and the table covers every date before 2037 anyway.
    if (const auto rule = PosixTzRule::parse(footer_rule_)) return rule->offset_at_utc(utc_s);
  }
  if (after == transitions_.begin()) return initial_offset_s_;
  return std::prev(after)->offset_s;
}

}  // namespace mt5b::host
