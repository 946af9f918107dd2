// An open position normalised from MT5 (story 3.4); api/views/trade_json.hpp writes it.
#pragma once

#include "normaliser/mt5_records.hpp"
#include "normaliser/server_clock.hpp"

#include <mt5bridge/records.hpp>

namespace mt5b::host {

// An open position as stored (sdk::records::Position): the syncer sets account_id and
// updated_at_ms.
using sdk::records::Position;

// `commission` is what the position's IN deals charged so far (positions carry none: MT5.md).
Position normalise_position(const TradePosition& p, const ServerClock& clock, double commission);

}  // namespace mt5b::host
