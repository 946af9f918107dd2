#include "time_text.hpp"

#include <mt5bridge/iso8601.hpp>

namespace mt5b::storage_postgres {
namespace {

namespace iso = sdk::iso8601;

constexpr int64_t kMaxOffsetS = 24 * 3600 - 1;

bool in_range(int64_t ms) {
  return ms >= kEarliestTextMs && ms <= kLatestTextMs;
}

// The layout format_broker_ms writes: 'T', exactly three fraction digits, then "Z", "+HH:MM"
// or "+HH:MM:SS" (PostgreSQL's own text for the column reads back the same way).
bool has_written_layout(std::string_view text) {
  if (text.size() < 24 || text[10] != 'T' || text[19] != '.') return false;
  const std::string_view zone = text.substr(23);
  if (zone == "Z") return true;
  return (zone.size() == 6 || (zone.size() == 9 && zone[6] == ':')) &&
         (zone[0] == '+' || zone[0] == '-') && zone[3] == ':';
}

}  // namespace

std::optional<std::string> format_utc_ms(int64_t epoch_ms) {
  if (!in_range(epoch_ms)) return std::nullopt;
  return iso::utc_text(epoch_ms, iso::Precision::milliseconds);
}

std::optional<std::string> format_broker_ms(int64_t broker_ms, int64_t offset_s) {
  if (offset_s < -kMaxOffsetS || offset_s > kMaxOffsetS || !in_range(broker_ms))
    return std::nullopt;
  return iso::wall_clock_with_offset(broker_ms, offset_s, iso::Precision::milliseconds);
}

std::optional<BrokerTime> parse_broker_text(std::string_view text) {
  if (!has_written_layout(text)) return std::nullopt;
  const auto parsed = iso::parse(text);
  if (!parsed) return std::nullopt;
  return BrokerTime{parsed->wall_ms, parsed->offset_s};
}

}  // namespace mt5b::storage_postgres
