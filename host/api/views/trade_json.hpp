// Open positions and closed trades in the seeds' JSON shapes (stories 3.4 and 3.5).
#pragma once

#include "api/json_response.hpp"
#include "normaliser/position_view.hpp"
#include "normaliser/server_clock.hpp"

namespace mt5b::host {

// {"ticket", "symbol", "type", "volume", "open_price", "current_price", "sl", "tp", "profit",
//  "swap", "commission", "magic", "comment", "open_time", "open_time_broker"} plus
//  "canonical_symbol".
void write_position_json(JsonWriter& w, const Position& p);
// A closed trade in story 3.5's shape plus canonical_symbol, points, close_reason, segment,
// open_time_broker/close_time_broker with the server's offset.
void write_trade_json(JsonWriter& w, const sdk::records::Trade& t, const ServerClock& clock);

}  // namespace mt5b::host
