// MT5 records as the gateway sends them (named tuples' _asdict(), field names as MT5.md) into
// the broker ABI's structs. Strings point into the JSON value, so a record is valid while the
// answer it came from is. Unknown fields are ignored (newer terminal builds add some); missing
// ones read as 0 or "".
#ifndef MT5B_BROKER_MT5_RECORD_DECODER_HPP
#define MT5B_BROKER_MT5_RECORD_DECODER_HPP

#include <mt5bridge/abi.h>

#include <rapidjson/document.h>

#include <functional>

namespace mt5b::broker_mt5 {

// Each throws sdk::Error(MT5B_FAILED) when the value is not an object (or a list of them).
mt5b_account_info decode_account_info(const rapidjson::Value& v);
mt5b_trade_position decode_position(const rapidjson::Value& v);
mt5b_trade_deal decode_deal(const rapidjson::Value& v);
mt5b_trade_order decode_order(const rapidjson::Value& v);
mt5b_symbol_info decode_symbol_info(const rapidjson::Value& v);
mt5b_tick decode_tick(const rapidjson::Value& v);

// Calls `each` for every element of a JSON list (`null` reads as an empty list).
void for_each_record(const rapidjson::Value& list, const char* what,
                     const std::function<void(const rapidjson::Value&)>& each);

}  // namespace mt5b::broker_mt5

#endif  // MT5B_BROKER_MT5_RECORD_DECODER_HPP
