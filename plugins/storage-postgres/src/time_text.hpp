// Times as the text PostgreSQL reads and the `*_broker` columns keep.
//
// UTC instants go to timestamptz columns as "2025-11-12T08:00:00.000Z" (exact to the
// millisecond, whatever the session's TimeZone) and come back as epoch ms computed in SQL.
// Broker wall-clock times (MT5.md: the broker's clock encoded as if it were UTC) are kept as
// text with the broker's offset, "2025-11-12T11:00:00.000+03:00", so a reader sees the broker's
// local time and its offset, and the *_broker_ms value is the wall-clock part read back as UTC.
#ifndef MT5B_STORAGE_POSTGRES_TIME_TEXT_HPP
#define MT5B_STORAGE_POSTGRES_TIME_TEXT_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mt5b::storage_postgres {

// Years 0001..9999: what both ISO 8601 with four digits and PostgreSQL accept.
inline constexpr int64_t kEarliestTextMs = -62'135'596'800'000;  // 0001-01-01T00:00:00.000Z
inline constexpr int64_t kLatestTextMs = 253'402'300'799'999;    // 9999-12-31T23:59:59.999Z

// "YYYY-MM-DDTHH:MM:SS.mmmZ"; nullopt outside [kEarliestTextMs, kLatestTextMs].
std::optional<std::string> format_utc_ms(int64_t epoch_ms);

// The wall clock `broker_ms` followed by `offset_s` as "+HH:MM" (or "+HH:MM:SS" when the offset
// is not whole minutes); nullopt when the time is out of range or |offset| >= 24 h.
std::optional<std::string> format_broker_ms(int64_t broker_ms, int64_t offset_s);

struct BrokerTime {
  int64_t broker_ms = 0;  // the wall-clock part, read as if it were UTC
  int64_t offset_s = 0;   // the suffix
};

// Reads what format_broker_ms writes (and "Z" for a zero offset); nullopt for anything else.
std::optional<BrokerTime> parse_broker_text(std::string_view text);

}  // namespace mt5b::storage_postgres

#endif  // MT5B_STORAGE_POSTGRES_TIME_TEXT_HPP
