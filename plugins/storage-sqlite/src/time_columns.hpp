// How times cross between ABI records and columns: UTC epoch ms <-> ISO text ending in Z, and
// broker wall-clock ms + offset <-> ISO text ending in the offset (MT5.md "Time"). 0 is "never"
// and is stored as NULL, as the ABI says for every time field.
#ifndef MT5B_STORAGE_SQLITE_TIME_COLUMNS_HPP
#define MT5B_STORAGE_SQLITE_TIME_COLUMNS_HPP

#include "iso_time.hpp"
#include "sqlite_connection.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace mt5b::storage_sqlite {

// The ISO text of a UTC time; throws sdk::Error(INVALID_ARGUMENT) naming `field` outside the
// years 0000-9999.
std::string iso_utc_or_throw(int64_t epoch_ms, std::string_view field);

// Binds a UTC time as ISO text, 0 as NULL.
void bind_utc_time(Statement& statement, int index, int64_t epoch_ms, std::string_view field);

// Binds a broker wall-clock time with its offset, 0 as NULL. Throws INVALID_ARGUMENT when the
// offset is not a whole number of minutes within a day, or the time is out of range.
void bind_broker_time(Statement& statement, int index, int64_t wall_ms, int64_t offset_s,
                      std::string_view field);

// The offset a broker time implies against its UTC twin, when the text can carry it:
// MetaTrader's broker clock runs a whole number of minutes (in practice half hours) off UTC.
// Returns false when it cannot (then the broker text is left NULL).
bool implied_offset_s(int64_t wall_ms, int64_t utc_ms, int64_t& offset_s);

// Reads ISO text as UTC epoch ms, NULL as 0. A row another tool wrote badly fails loudly with
// sdk::Error(FAILED) rather than turning into a wrong time.
int64_t read_utc_time(const Statement& row, int column, std::string_view field,
                      std::string_view owner);

// Reads a broker time's digits and offset, NULL as {0, 0}.
WallClockTime read_broker_time(const Statement& row, int column, std::string_view field,
                               std::string_view owner);

}  // namespace mt5b::storage_sqlite

#endif  // MT5B_STORAGE_SQLITE_TIME_COLUMNS_HPP
