// An open position normalised from MT5 (story 3.4); api/views/trade_json.hpp writes it.
#pragma once

#include "normaliser/mt5_records.hpp"
#include "normaliser/server_clock.hpp"

namespace mt5b::host {

struct OpenPosition {
  int64_t ticket = 0;
  std::string symbol, canonical_symbol;
  std::string type;  // "buy" | "sell"
  double volume = 0, open_price = 0, current_price = 0, sl = 0, tp = 0;
  double profit = 0, swap = 0, commission = 0;
  int64_t magic = 0;
  std::string comment;
  int64_t open_time_ms = 0;         // UTC
  int64_t open_time_broker_ms = 0;  // broker clock
  int64_t broker_offset_s = 0;      // offset in force at open_time
};

// `commission` is what the position's IN deals charged so far (positions carry none: MT5.md).
OpenPosition normalise_position(const Mt5Position& p, const ServerClock& clock, double commission);

}  // namespace mt5b::host
