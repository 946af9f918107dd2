// Epoch milliseconds <-> ISO 8601 UTC text, the form every time column holds:
// "2025-11-12T10:30:00.000Z". Fixed width, so text order is time order (ORDER BY created_at)
// and the text reads the same in SQLite and in the PostgreSQL schema that shares the names.
#ifndef MT5B_STORAGE_SQLITE_ISO_TIME_HPP
#define MT5B_STORAGE_SQLITE_ISO_TIME_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mt5b::storage_sqlite {

// The range with a four-digit year: 0000-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z.
inline constexpr int64_t kEarliestIsoMs = -62'167'219'200'000;
inline constexpr int64_t kLatestIsoMs = 253'402'300'799'999;

// "YYYY-MM-DDTHH:MM:SS.mmmZ"; nullopt outside [kEarliestIsoMs, kLatestIsoMs].
std::optional<std::string> format_iso_utc_ms(int64_t epoch_ms);

// Reads what format_iso_utc_ms writes, and also the forms other tools write into the same
// columns: a space instead of 'T', no or 1..9 fraction digits (truncated to milliseconds),
// and an offset "+HH:MM", "+HH:MM:SS", "+HHMM" or "+HH" instead of 'Z' (sdk::iso8601::parse).
// nullopt for anything else.
std::optional<int64_t> parse_iso_utc_ms(std::string_view text);

// A broker wall-clock time with the offset in force, e.g. "2025-11-12T11:00:00.000+03:00": the
// digits are `wall_ms` (MetaTrader's broker clock encoded as if it were UTC, MT5.md) and the
// suffix is `offset_s` east of UTC. The offset must be a whole number of minutes below 24 hours
// (what the text can carry); nullopt otherwise, or outside the four-digit years.
std::optional<std::string> format_iso_broker_ms(int64_t wall_ms, int64_t offset_s);

struct WallClockTime {
  int64_t wall_ms = 0;   // the digits as written, read as if UTC
  int64_t offset_s = 0;  // the suffix; 0 for 'Z'
};
// Reads any text parse_iso_utc_ms accepts, keeping the written digits and the offset apart.
std::optional<WallClockTime> parse_iso_wall_clock(std::string_view text);

// True when `offset_s` can be written as an ISO offset (+HH:MM).
bool is_iso_offset(int64_t offset_s);

}  // namespace mt5b::storage_sqlite

#endif  // MT5B_STORAGE_SQLITE_ISO_TIME_HPP
