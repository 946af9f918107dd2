#include "time_columns.hpp"

#include <mt5bridge/sdk.hpp>

namespace mt5b::storage_sqlite {
namespace {

[[noreturn]] void throw_unreadable(std::string_view text, std::string_view field,
                                   std::string_view owner, std::string_view example) {
  throw sdk::Error(MT5B_FAILED, "the stored " + std::string(field) + " of " + std::string(owner) +
                                    " is not an ISO 8601 time ('" + std::string(text) +
                                    "'); correct that row, e.g. to " + std::string(example));
}

}  // namespace

std::string iso_utc_or_throw(int64_t epoch_ms, std::string_view field) {
  auto text = format_iso_utc_ms(epoch_ms);
  if (!text) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT, std::string(field) + " is " + std::to_string(epoch_ms) +
                                                " ms, outside the years 0000-9999; pass Unix "
                                                "epoch milliseconds, or 0 for never");
  }
  return *text;
}

void bind_utc_time(Statement& statement, int index, int64_t epoch_ms, std::string_view field) {
  if (epoch_ms == 0) {
    statement.bind_null(index);
    return;
  }
  statement.bind_text(index, iso_utc_or_throw(epoch_ms, field));
}

void bind_broker_time(Statement& statement, int index, int64_t wall_ms, int64_t offset_s,
                      std::string_view field) {
  if (wall_ms == 0) {
    statement.bind_null(index);
    return;
  }
  if (!is_iso_offset(offset_s)) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "the broker offset of " + std::string(field) + " is " +
                         std::to_string(offset_s) +
                         " s, which is not a whole number of minutes within a day; pass the "
                         "broker server's UTC offset in seconds, e.g. 10800 for UTC+03:00");
  }
  auto text = format_iso_broker_ms(wall_ms, offset_s);
  if (!text) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT, std::string(field) + " is " + std::to_string(wall_ms) +
                                                " ms, outside the years 0000-9999; pass broker "
                                                "clock milliseconds, or 0 for unknown");
  }
  statement.bind_text(index, *text);
}

bool implied_offset_s(int64_t wall_ms, int64_t utc_ms, int64_t& offset_s) {
  const int64_t difference_ms = wall_ms - utc_ms;
  if (difference_ms % 60'000 != 0) return false;
  offset_s = difference_ms / 1000;
  return is_iso_offset(offset_s);
}

int64_t read_utc_time(const Statement& row, int column, std::string_view field,
                      std::string_view owner) {
  if (row.is_null(column)) return 0;
  std::string_view text = row.text(column);
  auto ms = parse_iso_utc_ms(text);
  if (!ms) throw_unreadable(text, field, owner, "2025-11-12T10:30:00.000Z");
  return *ms;
}

WallClockTime read_broker_time(const Statement& row, int column, std::string_view field,
                               std::string_view owner) {
  if (row.is_null(column)) return {};
  std::string_view text = row.text(column);
  auto time = parse_iso_wall_clock(text);
  if (!time) throw_unreadable(text, field, owner, "2025-11-12T12:30:00.000+02:00");
  return *time;
}

}  // namespace mt5b::storage_sqlite
