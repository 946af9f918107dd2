#include "normaliser/position_view.hpp"

#include "normaliser/pips.hpp"

namespace mt5b::host {

Position normalise_position(const TradePosition& p, const ServerClock& clock, double commission) {
  Position o;
  o.ticket = p.ticket;
  o.symbol = p.symbol;
  o.canonical_symbol = canonical_symbol(p.symbol);
  o.type = p.type == 0 ? "buy" : "sell";
  o.volume = p.volume;
  o.open_price = p.price_open;
  o.current_price = p.price_current;
  o.sl = p.sl;
  o.tp = p.tp;
  o.profit = p.profit;
  o.swap = p.swap;
  o.commission = commission;
  o.magic = p.magic;
  o.comment = p.comment;
  o.open_time_broker_ms = p.time_msc != 0 ? p.time_msc : p.time * 1000;
  o.open_time_ms = clock.broker_to_utc_ms(o.open_time_broker_ms);
  o.broker_offset_s = (o.open_time_broker_ms - o.open_time_ms) / 1000;
  return o;
}

}  // namespace mt5b::host
