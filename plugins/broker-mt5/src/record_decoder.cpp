#include "record_decoder.hpp"

#include <mt5bridge/sdk.hpp>

#include <cmath>
#include <string>

namespace mt5b::broker_mt5 {

namespace {

// Reads the fields of one record object.
class Fields {
 public:
  Fields(const rapidjson::Value& v, const char* what) : v_(v) {
    if (!v.IsObject())
      throw sdk::Error(MT5B_FAILED, std::string("the gateway sent a ") + what +
                                        " that is not a JSON object; check that the gateway "
                                        "speaks protocol version 1");
  }
  int64_t i64(const char* key) const {
    const auto* f = find(key);
    if (f == nullptr) return 0;
    if (f->IsInt64()) return f->GetInt64();
    if (f->IsUint64()) return static_cast<int64_t>(f->GetUint64());
    if (f->IsNumber()) return static_cast<int64_t>(std::llround(f->GetDouble()));
    if (f->IsBool()) return f->GetBool() ? 1 : 0;
    return 0;
  }
  int32_t i32(const char* key) const { return static_cast<int32_t>(i64(key)); }
  double f64(const char* key) const {
    const auto* f = find(key);
    return f != nullptr && f->IsNumber() ? f->GetDouble() : 0.0;
  }
  mt5b_str str(const char* key) const {
    const auto* f = find(key);
    if (f == nullptr || !f->IsString()) return mt5b_str{nullptr, 0};
    return mt5b_str{f->GetString(), f->GetStringLength()};
  }
  // A (seconds, milliseconds) pair; either may be missing.
  void time_pair(const char* s_key, const char* ms_key, int64_t& s, int64_t& ms) const {
    s = i64(s_key);
    ms = i64(ms_key);
    if (ms == 0 && s != 0) ms = s * 1000;
    if (s == 0 && ms != 0) s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  }

 private:
  const rapidjson::Value* find(const char* key) const {
    auto it = v_.FindMember(key);
    return it == v_.MemberEnd() ? nullptr : &it->value;
  }
  const rapidjson::Value& v_;
};

}  // namespace

mt5b_account_info decode_account_info(const rapidjson::Value& v) {
  Fields f(v, "AccountInfo");
  auto r = sdk::make<mt5b_account_info>();
  r.login = f.i64("login");
  r.trade_mode = f.i32("trade_mode");
  r.leverage = f.i64("leverage");
  r.limit_orders = f.i32("limit_orders");
  r.margin_so_mode = f.i32("margin_so_mode");
  r.trade_allowed = f.i32("trade_allowed");
  r.trade_expert = f.i32("trade_expert");
  r.margin_mode = f.i32("margin_mode");
  r.currency_digits = f.i32("currency_digits");
  r.fifo_close = f.i32("fifo_close");
  r.balance = f.f64("balance");
  r.credit = f.f64("credit");
  r.profit = f.f64("profit");
  r.equity = f.f64("equity");
  r.margin = f.f64("margin");
  r.margin_free = f.f64("margin_free");
  r.margin_level = f.f64("margin_level");
  r.margin_so_call = f.f64("margin_so_call");
  r.margin_so_so = f.f64("margin_so_so");
  r.margin_initial = f.f64("margin_initial");
  r.margin_maintenance = f.f64("margin_maintenance");
  r.assets = f.f64("assets");
  r.liabilities = f.f64("liabilities");
  r.commission_blocked = f.f64("commission_blocked");
  r.name = f.str("name");
  r.server = f.str("server");
  r.currency = f.str("currency");
  r.company = f.str("company");
  return r;
}

mt5b_trade_position decode_position(const rapidjson::Value& v) {
  Fields f(v, "TradePosition");
  auto r = sdk::make<mt5b_trade_position>();
  r.ticket = f.i64("ticket");
  f.time_pair("time", "time_msc", r.time, r.time_msc);
  f.time_pair("time_update", "time_update_msc", r.time_update, r.time_update_msc);
  r.type = f.i32("type");
  r.magic = f.i64("magic");
  r.identifier = f.i64("identifier");
  r.reason = f.i32("reason");
  r.volume = f.f64("volume");
  r.price_open = f.f64("price_open");
  r.sl = f.f64("sl");
  r.tp = f.f64("tp");
  r.price_current = f.f64("price_current");
  r.swap = f.f64("swap");
  r.profit = f.f64("profit");
  r.symbol = f.str("symbol");
  r.comment = f.str("comment");
  r.external_id = f.str("external_id");
  return r;
}

mt5b_trade_deal decode_deal(const rapidjson::Value& v) {
  Fields f(v, "TradeDeal");
  auto r = sdk::make<mt5b_trade_deal>();
  r.ticket = f.i64("ticket");
  r.order = f.i64("order");
  f.time_pair("time", "time_msc", r.time, r.time_msc);
  r.type = f.i32("type");
  r.entry = f.i32("entry");
  r.magic = f.i64("magic");
  r.position_id = f.i64("position_id");
  r.reason = f.i32("reason");
  r.volume = f.f64("volume");
  r.price = f.f64("price");
  r.commission = f.f64("commission");
  r.swap = f.f64("swap");
  r.profit = f.f64("profit");
  r.fee = f.f64("fee");
  r.symbol = f.str("symbol");
  r.comment = f.str("comment");
  r.external_id = f.str("external_id");
  return r;
}

mt5b_trade_order decode_order(const rapidjson::Value& v) {
  Fields f(v, "TradeOrder");
  auto r = sdk::make<mt5b_trade_order>();
  r.ticket = f.i64("ticket");
  f.time_pair("time_setup", "time_setup_msc", r.time_setup, r.time_setup_msc);
  f.time_pair("time_done", "time_done_msc", r.time_done, r.time_done_msc);
  r.time_expiration = f.i64("time_expiration");
  r.type = f.i32("type");
  r.type_time = f.i32("type_time");
  r.type_filling = f.i32("type_filling");
  r.state = f.i32("state");
  r.reason = f.i32("reason");
  r.magic = f.i64("magic");
  r.position_id = f.i64("position_id");
  r.position_by_id = f.i64("position_by_id");
  r.volume_initial = f.f64("volume_initial");
  r.volume_current = f.f64("volume_current");
  r.price_open = f.f64("price_open");
  r.sl = f.f64("sl");
  r.tp = f.f64("tp");
  r.price_current = f.f64("price_current");
  r.price_stoplimit = f.f64("price_stoplimit");
  r.symbol = f.str("symbol");
  r.comment = f.str("comment");
  r.external_id = f.str("external_id");
  return r;
}

mt5b_symbol_info decode_symbol_info(const rapidjson::Value& v) {
  Fields f(v, "SymbolInfo");
  auto r = sdk::make<mt5b_symbol_info>();
  r.digits = f.i32("digits");
  r.trade_calc_mode = f.i32("trade_calc_mode");
  r.point = f.f64("point");
  r.trade_tick_size = f.f64("trade_tick_size");
  r.trade_tick_value = f.f64("trade_tick_value");
  r.trade_contract_size = f.f64("trade_contract_size");
  r.name = f.str("name");
  r.currency_base = f.str("currency_base");
  r.currency_profit = f.str("currency_profit");
  return r;
}

mt5b_tick decode_tick(const rapidjson::Value& v) {
  Fields f(v, "Tick");
  auto r = sdk::make<mt5b_tick>();
  f.time_pair("time", "time_msc", r.time, r.time_msc);
  r.bid = f.f64("bid");
  r.ask = f.f64("ask");
  r.last = f.f64("last");
  r.volume_real = f.f64("volume_real");
  r.volume = static_cast<uint64_t>(f.i64("volume"));
  r.flags = static_cast<uint32_t>(f.i64("flags"));
  return r;
}

void for_each_record(const rapidjson::Value& list, const char* what,
                     const std::function<void(const rapidjson::Value&)>& each) {
  if (list.IsNull()) return;
  if (!list.IsArray())
    throw sdk::Error(MT5B_FAILED, std::string("the gateway sent ") + what +
                                      " that is not a JSON list; check that the gateway speaks "
                                      "protocol version 1");
  for (const auto& item : list.GetArray()) each(item);
}

}  // namespace mt5b::broker_mt5
