#include "records.hpp"

#include <mt5bridge/sdk.hpp>

#include <limits>
#include <string>

namespace mt5b::broker_mock {
namespace {

constexpr int64_t kMaxEpochSeconds = std::numeric_limits<int64_t>::max() / 1000;

int64_t floor_div_1000(int64_t msc) {
  return msc >= 0 ? msc / 1000 : -((-msc + 999) / 1000);
}

// MT5 reports every instant twice, as seconds and as milliseconds. A scenario may give either
// or both; both must name the same second so a typo cannot make the two disagree.
void read_time_pair(const ObjectReader& record, std::string_view seconds_key,
                    std::string_view msc_key, int64_t& seconds, int64_t& msc) {
  bool has_seconds = record.read(seconds_key, seconds);
  bool has_msc = record.read(msc_key, msc);
  if (has_seconds && (seconds > kMaxEpochSeconds || seconds < -kMaxEpochSeconds))
    fail_at(record.path_of(seconds_key), "is not a plausible epoch time in seconds");
  if (has_seconds && !has_msc) {
    msc = seconds * 1000;
  } else if (!has_seconds && has_msc) {
    seconds = floor_div_1000(msc);
  } else if (has_seconds && has_msc && floor_div_1000(msc) != seconds) {
    fail_at(record.path_of(msc_key), "(" + std::to_string(msc) +
                                         ") does not fall in the second given by " +
                                         std::string(seconds_key) + " (" + std::to_string(seconds) +
                                         "); give both for the same instant, or only one of them");
  }
}

int64_t required_ticket(const ObjectReader& record) {
  auto ticket = record.required<int64_t>("ticket");
  if (ticket <= 0) fail_at(record.path_of("ticket"), "must be a positive ticket number");
  return ticket;
}

}  // namespace

mt5b_account_info read_account_info(const ObjectReader& r, StringPool& pool) {
  auto out = sdk::make<mt5b_account_info>();
  r.read("login", out.login);
  r.read("trade_mode", out.trade_mode);
  r.read("leverage", out.leverage);
  r.read("limit_orders", out.limit_orders);
  r.read("margin_so_mode", out.margin_so_mode);
  r.read("trade_allowed", out.trade_allowed);
  r.read("trade_expert", out.trade_expert);
  r.read("margin_mode", out.margin_mode);
  r.read("currency_digits", out.currency_digits);
  r.read("fifo_close", out.fifo_close);
  r.read("balance", out.balance);
  r.read("credit", out.credit);
  r.read("profit", out.profit);
  r.read("equity", out.equity);
  r.read("margin", out.margin);
  r.read("margin_free", out.margin_free);
  r.read("margin_level", out.margin_level);
  r.read("margin_so_call", out.margin_so_call);
  r.read("margin_so_so", out.margin_so_so);
  r.read("margin_initial", out.margin_initial);
  r.read("margin_maintenance", out.margin_maintenance);
  r.read("assets", out.assets);
  r.read("liabilities", out.liabilities);
  r.read("commission_blocked", out.commission_blocked);
  r.read("name", out.name, pool);
  r.read("server", out.server, pool);
  r.read("currency", out.currency, pool);
  r.read("company", out.company, pool);
  return out;
}

mt5b_trade_position read_position(const ObjectReader& r, StringPool& pool) {
  auto out = sdk::make<mt5b_trade_position>();
  out.ticket = required_ticket(r);
  read_time_pair(r, "time", "time_msc", out.time, out.time_msc);
  read_time_pair(r, "time_update", "time_update_msc", out.time_update, out.time_update_msc);
  r.read("type", out.type);
  r.read("magic", out.magic);
  // MT5 sets the identifier to the ticket of the opening order, which is the position's ticket
  // unless the position was reversed on a netting account; default to that.
  out.identifier = out.ticket;
  r.read("identifier", out.identifier);
  r.read("reason", out.reason);
  r.read("volume", out.volume);
  r.read("price_open", out.price_open);
  r.read("sl", out.sl);
  r.read("tp", out.tp);
  r.read("price_current", out.price_current);
  r.read("swap", out.swap);
  r.read("profit", out.profit);
  r.read("symbol", out.symbol, pool);
  r.read("comment", out.comment, pool);
  r.read("external_id", out.external_id, pool);
  return out;
}

mt5b_trade_deal read_deal(const ObjectReader& r, StringPool& pool) {
  auto out = sdk::make<mt5b_trade_deal>();
  out.ticket = required_ticket(r);
  r.read("order", out.order);
  read_time_pair(r, "time", "time_msc", out.time, out.time_msc);
  r.read("type", out.type);
  r.read("entry", out.entry);
  r.read("magic", out.magic);
  r.read("position_id", out.position_id);
  r.read("reason", out.reason);
  r.read("volume", out.volume);
  r.read("price", out.price);
  r.read("commission", out.commission);
  r.read("swap", out.swap);
  r.read("profit", out.profit);
  r.read("fee", out.fee);
  r.read("symbol", out.symbol, pool);
  r.read("comment", out.comment, pool);
  r.read("external_id", out.external_id, pool);
  return out;
}

mt5b_trade_order read_order(const ObjectReader& r, StringPool& pool) {
  auto out = sdk::make<mt5b_trade_order>();
  out.ticket = required_ticket(r);
  read_time_pair(r, "time_setup", "time_setup_msc", out.time_setup, out.time_setup_msc);
  read_time_pair(r, "time_done", "time_done_msc", out.time_done, out.time_done_msc);
  r.read("time_expiration", out.time_expiration);
  r.read("type", out.type);
  r.read("type_time", out.type_time);
  r.read("type_filling", out.type_filling);
  r.read("state", out.state);
  r.read("magic", out.magic);
  r.read("position_id", out.position_id);
  r.read("position_by_id", out.position_by_id);
  r.read("reason", out.reason);
  r.read("volume_initial", out.volume_initial);
  r.read("volume_current", out.volume_current);
  r.read("price_open", out.price_open);
  r.read("sl", out.sl);
  r.read("tp", out.tp);
  r.read("price_current", out.price_current);
  r.read("price_stoplimit", out.price_stoplimit);
  r.read("symbol", out.symbol, pool);
  r.read("comment", out.comment, pool);
  r.read("external_id", out.external_id, pool);
  return out;
}

mt5b_symbol_info read_symbol(const ObjectReader& r, StringPool& pool) {
  auto out = sdk::make<mt5b_symbol_info>();
  auto name = r.required<std::string>("name");
  if (name.empty()) fail_at(r.path_of("name"), "must not be empty");
  out.name = pool.keep(name);
  r.read("digits", out.digits);
  r.read("trade_calc_mode", out.trade_calc_mode);
  r.read("point", out.point);
  r.read("trade_tick_size", out.trade_tick_size);
  r.read("trade_tick_value", out.trade_tick_value);
  r.read("trade_contract_size", out.trade_contract_size);
  r.read("currency_base", out.currency_base, pool);
  r.read("currency_profit", out.currency_profit, pool);
  return out;
}

mt5b_tick read_tick(const ObjectReader& r) {
  auto out = sdk::make<mt5b_tick>();
  read_time_pair(r, "time", "time_msc", out.time, out.time_msc);
  r.read("bid", out.bid);
  r.read("ask", out.ask);
  r.read("last", out.last);
  r.read("volume", out.volume);
  r.read("flags", out.flags);
  r.read("volume_real", out.volume_real);
  return out;
}

}  // namespace mt5b::broker_mock
