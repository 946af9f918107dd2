#include "record_fields.hpp"

#include <mt5bridge/sdk.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace mt5b::conformance::broker {

namespace {

class Builder {
 public:
  Builder& i(const char* name, int64_t v) {
    fields_.push_back({name, v});
    return *this;
  }
  Builder& d(const char* name, double v) {
    fields_.push_back({name, v});
    return *this;
  }
  Builder& s(const char* name, mt5b_str v) {
    fields_.push_back({name, sdk::copy(v)});
    return *this;
  }
  Fields done() { return std::move(fields_); }

 private:
  Fields fields_;
};

std::string show(const FieldValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return "'" + *s + "'";
  std::ostringstream out;
  out.precision(15);  // enough to tell numbers apart beyond the 1e-9 tolerance
  if (const auto* i = std::get_if<int64_t>(&v))
    out << *i;
  else
    out << std::get<double>(v);
  return out.str();
}

bool same(const FieldValue& a, const FieldValue& b) {
  if (a.index() != b.index()) return false;
  if (const auto* x = std::get_if<double>(&a)) {
    double y = std::get<double>(b);
    return std::fabs(*x - y) <= 1e-9 * std::max({1.0, std::fabs(*x), std::fabs(y)});
  }
  return a == b;
}

// (seconds, milliseconds) pairs of docs/scenario-format.md "Time pairs".
constexpr const char* kTimePairs[][2] = {{"time", "time_msc"},
                                         {"time_update", "time_update_msc"},
                                         {"time_setup", "time_setup_msc"},
                                         {"time_done", "time_done_msc"}};

}  // namespace

Fields fields_of(const mt5b_account_info& r) {
  return Builder()
      .i("login", r.login)
      .i("trade_mode", r.trade_mode)
      .i("leverage", r.leverage)
      .i("limit_orders", r.limit_orders)
      .i("margin_so_mode", r.margin_so_mode)
      .i("trade_allowed", r.trade_allowed)
      .i("trade_expert", r.trade_expert)
      .i("margin_mode", r.margin_mode)
      .i("currency_digits", r.currency_digits)
      .i("fifo_close", r.fifo_close)
      .d("balance", r.balance)
      .d("credit", r.credit)
      .d("profit", r.profit)
      .d("equity", r.equity)
      .d("margin", r.margin)
      .d("margin_free", r.margin_free)
      .d("margin_level", r.margin_level)
      .d("margin_so_call", r.margin_so_call)
      .d("margin_so_so", r.margin_so_so)
      .d("margin_initial", r.margin_initial)
      .d("margin_maintenance", r.margin_maintenance)
      .d("assets", r.assets)
      .d("liabilities", r.liabilities)
      .d("commission_blocked", r.commission_blocked)
      .s("name", r.name)
      .s("server", r.server)
      .s("currency", r.currency)
      .s("company", r.company)
      .done();
}

Fields fields_of(const mt5b_trade_position& r) {
  return Builder()
      .i("ticket", r.ticket)
      .i("time", r.time)
      .i("time_msc", r.time_msc)
      .i("time_update", r.time_update)
      .i("time_update_msc", r.time_update_msc)
      .i("type", r.type)
      .i("magic", r.magic)
      .i("identifier", r.identifier)
      .i("reason", r.reason)
      .d("volume", r.volume)
      .d("price_open", r.price_open)
      .d("sl", r.sl)
      .d("tp", r.tp)
      .d("price_current", r.price_current)
      .d("swap", r.swap)
      .d("profit", r.profit)
      .s("symbol", r.symbol)
      .s("comment", r.comment)
      .s("external_id", r.external_id)
      .done();
}

Fields fields_of(const mt5b_trade_deal& r) {
  return Builder()
      .i("ticket", r.ticket)
      .i("order", r.order)
      .i("time", r.time)
      .i("time_msc", r.time_msc)
      .i("type", r.type)
      .i("entry", r.entry)
      .i("magic", r.magic)
      .i("position_id", r.position_id)
      .i("reason", r.reason)
      .d("volume", r.volume)
      .d("price", r.price)
      .d("commission", r.commission)
      .d("swap", r.swap)
      .d("profit", r.profit)
      .d("fee", r.fee)
      .s("symbol", r.symbol)
      .s("comment", r.comment)
      .s("external_id", r.external_id)
      .done();
}

Fields fields_of(const mt5b_trade_order& r) {
  return Builder()
      .i("ticket", r.ticket)
      .i("time_setup", r.time_setup)
      .i("time_setup_msc", r.time_setup_msc)
      .i("time_done", r.time_done)
      .i("time_done_msc", r.time_done_msc)
      .i("time_expiration", r.time_expiration)
      .i("type", r.type)
      .i("type_time", r.type_time)
      .i("type_filling", r.type_filling)
      .i("state", r.state)
      .i("reason", r.reason)
      .i("magic", r.magic)
      .i("position_id", r.position_id)
      .i("position_by_id", r.position_by_id)
      .d("volume_initial", r.volume_initial)
      .d("volume_current", r.volume_current)
      .d("price_open", r.price_open)
      .d("sl", r.sl)
      .d("tp", r.tp)
      .d("price_current", r.price_current)
      .d("price_stoplimit", r.price_stoplimit)
      .s("symbol", r.symbol)
      .s("comment", r.comment)
      .s("external_id", r.external_id)
      .done();
}

Fields fields_of(const mt5b_symbol_info& r) {
  return Builder()
      .s("name", r.name)
      .i("digits", r.digits)
      .i("trade_calc_mode", r.trade_calc_mode)
      .d("point", r.point)
      .d("trade_tick_size", r.trade_tick_size)
      .d("trade_tick_value", r.trade_tick_value)
      .d("trade_contract_size", r.trade_contract_size)
      .s("currency_base", r.currency_base)
      .s("currency_profit", r.currency_profit)
      .done();
}

Fields fields_of(const mt5b_tick& r) {
  return Builder()
      .i("time", r.time)
      .i("time_msc", r.time_msc)
      .d("bid", r.bid)
      .d("ask", r.ask)
      .d("last", r.last)
      .i("volume", static_cast<int64_t>(r.volume))
      .i("flags", r.flags)
      .d("volume_real", r.volume_real)
      .done();
}

Fields fields_from_json(const rapidjson::Value& object, const Fields& like) {
  Fields out;
  std::vector<std::string> present;
  for (const auto& f : like) {
    auto it = object.FindMember(f.name.c_str());
    bool has = it != object.MemberEnd() && !it->value.IsNull();
    if (has) present.push_back(f.name);
    FieldValue v = f.value;
    if (std::holds_alternative<int64_t>(f.value)) {
      int64_t x = 0;
      if (has && it->value.IsInt64()) x = it->value.GetInt64();
      if (has && it->value.IsBool()) x = it->value.GetBool() ? 1 : 0;
      v = x;
    } else if (std::holds_alternative<double>(f.value)) {
      v = has && it->value.IsNumber() ? it->value.GetDouble() : 0.0;
    } else {
      v = has && it->value.IsString()
              ? std::string(it->value.GetString(), it->value.GetStringLength())
              : std::string();
    }
    out.push_back({f.name, v});
  }
  auto given = [&](const char* name) {
    return std::find(present.begin(), present.end(), name) != present.end();
  };
  for (const auto& pair : kTimePairs) {
    bool has_s = given(pair[0]), has_ms = given(pair[1]);
    auto s_it =
        std::find_if(out.begin(), out.end(), [&](const Field& f) { return f.name == pair[0]; });
    auto ms_it =
        std::find_if(out.begin(), out.end(), [&](const Field& f) { return f.name == pair[1]; });
    if (s_it == out.end() || ms_it == out.end()) continue;
    if (has_s && !has_ms) ms_it->value = std::get<int64_t>(s_it->value) * 1000;
    if (has_ms && !has_s) {
      int64_t ms = std::get<int64_t>(ms_it->value);
      s_it->value = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    }
  }
  return out;
}

int64_t int_field(const Fields& fields, const std::string& name) {
  for (const auto& f : fields)
    if (f.name == name && std::holds_alternative<int64_t>(f.value))
      return std::get<int64_t>(f.value);
  return 0;
}

void set_field(Fields& fields, const std::string& name, FieldValue value) {
  for (auto& f : fields)
    if (f.name == name) f.value = std::move(value);
}

std::string differences(const Fields& expected, const Fields& actual) {
  std::string out;
  for (size_t i = 0; i < expected.size() && i < actual.size(); ++i) {
    if (same(expected[i].value, actual[i].value)) continue;
    out += (out.empty() ? "" : "; ") + expected[i].name + ": expected " + show(expected[i].value) +
           ", got " + show(actual[i].value);
  }
  return out;
}

}  // namespace mt5b::conformance::broker
