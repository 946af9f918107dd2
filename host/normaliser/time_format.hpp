// Time text the API speaks: ISO 8601 in UTC with 'Z', or with the broker's offset, at seconds
// precision as the seeds show (the SDK's one writer, mt5bridge/iso8601.hpp).
#pragma once

#include <mt5bridge/iso8601.hpp>

#include <cstdint>
#include <string>

namespace mt5b::host {

int64_t now_unix_ms();
// "2025-11-12T10:30:00Z".
inline std::string iso_utc_seconds(int64_t unix_ms) {
  return sdk::iso8601::utc_text(unix_ms);
}
// "2025-11-12T11:00:00+03:00": the same instant on a clock `offset_s` ahead of UTC.
inline std::string iso_with_offset(int64_t unix_ms, int64_t offset_s) {
  return sdk::iso8601::local_text(unix_ms, offset_s);
}

}  // namespace mt5b::host
