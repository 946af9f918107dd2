// MT5 records as named field lists, so a scenario's JSON and a plugin's ABI struct compare
// field by field and a mismatch names the field ("balance: expected 1018.6, got 1018.5").
#ifndef MT5B_CONFORMANCE_BROKER_RECORD_FIELDS_HPP
#define MT5B_CONFORMANCE_BROKER_RECORD_FIELDS_HPP

#include <mt5bridge/abi.h>

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace mt5b::conformance::broker {

using FieldValue = std::variant<int64_t, double, std::string>;
struct Field {
  std::string name;
  FieldValue value;
};
using Fields = std::vector<Field>;

Fields fields_of(const mt5b_account_info& r);
Fields fields_of(const mt5b_trade_position& r);
Fields fields_of(const mt5b_trade_deal& r);
Fields fields_of(const mt5b_trade_order& r);
Fields fields_of(const mt5b_symbol_info& r);
Fields fields_of(const mt5b_tick& r);

// The same fields read from a scenario's JSON object (docs/scenario-format.md): `like` gives
// the names and types; a missing field is 0 or "", and time pairs are completed
// (time_msc = time * 1000, or time = floor(time_msc / 1000)).
Fields fields_from_json(const rapidjson::Value& object, const Fields& like);

int64_t int_field(const Fields& fields, const std::string& name);
void set_field(Fields& fields, const std::string& name, FieldValue value);

// Empty when equal (numbers within a relative 1e-9), else "name: expected X, got Y; ...".
std::string differences(const Fields& expected, const Fields& actual);

}  // namespace mt5b::conformance::broker

#endif  // MT5B_CONFORMANCE_BROKER_RECORD_FIELDS_HPP
