#include "record_fields.hpp"

#include <mt5bridge/broker_records.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <type_traits>

namespace mt5b::conformance::broker {

namespace {

// The record's fields under their MT5 names, from its one field list (broker_records.hpp).
template <class Record, class Abi>
Fields fields_of_record(const Abi& r) {
  Fields out;
  Record::for_each_field(r, [&](const char* name, const auto& field) {
    using T = std::decay_t<decltype(field)>;
    if constexpr (std::is_same_v<T, mt5b_str>)
      out.push_back({name, sdk::copy(field)});
    else if constexpr (std::is_same_v<T, double>)
      out.push_back({name, field});
    else
      out.push_back({name, static_cast<int64_t>(field)});
  });
  return out;
}

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
  return fields_of_record<sdk::records::AccountInfo>(r);
}
Fields fields_of(const mt5b_trade_position& r) {
  return fields_of_record<sdk::records::TradePosition>(r);
}
Fields fields_of(const mt5b_trade_deal& r) {
  return fields_of_record<sdk::records::TradeDeal>(r);
}
Fields fields_of(const mt5b_trade_order& r) {
  return fields_of_record<sdk::records::TradeOrder>(r);
}
Fields fields_of(const mt5b_symbol_info& r) {
  return fields_of_record<sdk::records::SymbolInfo>(r);
}
Fields fields_of(const mt5b_tick& r) {
  return fields_of_record<sdk::records::Tick>(r);
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
