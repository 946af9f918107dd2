#include "iso_time.hpp"

#include <mt5bridge/iso8601.hpp>

namespace mt5b::storage_sqlite {

namespace iso = sdk::iso8601;

std::optional<std::string> format_iso_utc_ms(int64_t epoch_ms) {
  if (epoch_ms < kEarliestIsoMs || epoch_ms > kLatestIsoMs) return std::nullopt;
  return iso::utc_text(epoch_ms, iso::Precision::milliseconds);
}

bool is_iso_offset(int64_t offset_s) {
  return offset_s % 60 == 0 && offset_s > -24 * 3600 && offset_s < 24 * 3600;
}

std::optional<std::string> format_iso_broker_ms(int64_t wall_ms, int64_t offset_s) {
  if (wall_ms < kEarliestIsoMs || wall_ms > kLatestIsoMs || !is_iso_offset(offset_s))
    return std::nullopt;
  return iso::wall_clock_with_offset(wall_ms, offset_s, iso::Precision::milliseconds);
}

std::optional<int64_t> parse_iso_utc_ms(std::string_view text) {
  const auto parsed = iso::parse(text);
  if (!parsed) return std::nullopt;
  return parsed->utc_ms();
}

std::optional<WallClockTime> parse_iso_wall_clock(std::string_view text) {
  const auto parsed = iso::parse(text);
  if (!parsed) return std::nullopt;
  return WallClockTime{parsed->wall_ms, parsed->offset_s};
}

}  // namespace mt5b::storage_sqlite
