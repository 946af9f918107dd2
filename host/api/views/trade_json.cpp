#include "api/views/trade_json.hpp"

#include "normaliser/deal_grouper.hpp"
#include "normaliser/time_format.hpp"

#include <cmath>

namespace mt5b::host {

namespace {

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// Display rounding for derived numbers (story 3.5 shows "pips": 20, "duration_hours": 26.5);
// `+ 0.0` turns −0 into 0 so a flat trade never prints "-0.0".
double round_to(double value, double scale) {
  return std::round(value * scale) / scale + 0.0;
}

void write_time_pair(JsonWriter& w, const char* utc_key, const char* broker_key, int64_t utc_ms,
                     int64_t offset_s) {
  w.Key(utc_key);
  w.String(iso_utc_seconds(utc_ms));
  w.Key(broker_key);
  w.String(iso_with_offset(utc_ms, offset_s));
}

}  // namespace

void write_position_json(JsonWriter& w, const Position& p) {
  w.StartObject();
  w.Key("ticket");
  w.Int64(p.ticket);
  w.Key("symbol");
  w.String(p.symbol);
  w.Key("canonical_symbol");
  w.String(p.canonical_symbol);
  w.Key("type");
  w.String(p.type);
  w.Key("volume");
  w.Double(p.volume);
  w.Key("open_price");
  w.Double(p.open_price);
  w.Key("current_price");
  w.Double(p.current_price);
  w.Key("sl");
  w.Double(p.sl);
  w.Key("tp");
  w.Double(p.tp);
  w.Key("profit");
  w.Double(p.profit);
  w.Key("swap");
  w.Double(p.swap);
  w.Key("commission");
  w.Double(p.commission);
  w.Key("magic");
  w.Int64(p.magic);
  w.Key("comment");
  w.String(p.comment);
  write_time_pair(w, "open_time", "open_time_broker", p.open_time_ms, p.broker_offset_s);
  w.EndObject();
}

void write_trade_json(JsonWriter& w, const sdk::records::Trade& t, const ServerClock& clock) {
  w.StartObject();
  w.Key("ticket");
  w.Int64(t.ticket);
  // Later segments of a netting position have their own ticket; this ties them together.
  w.Key("position_id");
  w.Int64(t.position_id);
  w.Key("segment");
  w.Int(t.segment);
  w.Key("symbol");
  w.String(t.symbol);
  w.Key("canonical_symbol");
  w.String(t.canonical_symbol);
  w.Key("type");
  w.String(t.type);
  w.Key("volume");
  w.Double(t.volume);
  w.Key("open_price");
  w.Double(t.open_price);
  w.Key("close_price");
  w.Double(t.close_price);
  write_time_pair(w, "open_time", "open_time_broker", t.open_time_ms,
                  clock.offset_at_utc_s(floor_div(t.open_time_ms, 1000)));
  write_time_pair(w, "close_time", "close_time_broker", t.close_time_ms,
                  clock.offset_at_utc_s(floor_div(t.close_time_ms, 1000)));
  w.Key("profit");
  w.Double(t.profit);
  w.Key("swap");
  w.Double(t.swap);
  w.Key("commission");
  w.Double(t.commission);
  // net_profit includes the fee (MT5.md, rule 7), so it is shown for the sum to be checkable.
  w.Key("fee");
  w.Double(t.fee);
  w.Key("net_profit");
  w.Double(t.net_profit);
  w.Key("duration_hours");
  w.Double(round_to(t.duration_hours, 100));
  w.Key("pips");
  w.Double(round_to(t.pips, 10));
  w.Key("points");
  w.Double(round_to(t.points, 10));
  w.Key("close_reason");
  w.String(t.close_reason);
  w.EndObject();
}

}  // namespace mt5b::host
