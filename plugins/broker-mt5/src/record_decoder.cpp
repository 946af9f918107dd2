#include "record_decoder.hpp"

#include <mt5bridge/broker_records.hpp>

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
  // Reads every field of the record's list under its MT5 name, then completes its time pairs
  // (either half of a pair may be missing).
  template <class Record, class Abi>
  Abi decode() const {
    auto r = sdk::make<Abi>();
    Record::for_each_field(r, [this](const char* key, auto& field) { read(key, field); });
    sdk::records::for_each_time_pair(r,
                                     [](const char*, const char*, int64_t& seconds, int64_t& msc) {
                                       if (msc == 0 && seconds != 0) msc = seconds * 1000;
                                       if (seconds == 0 && msc != 0)
                                         seconds = sdk::records::seconds_of_msc(msc);
                                     });
    return r;
  }

 private:
  const rapidjson::Value* find(const char* key) const {
    auto it = v_.FindMember(key);
    return it == v_.MemberEnd() ? nullptr : &it->value;
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
  template <class Integer>
  void read(const char* key, Integer& out) const {
    out = static_cast<Integer>(i64(key));
  }
  void read(const char* key, double& out) const {
    const auto* f = find(key);
    out = f != nullptr && f->IsNumber() ? f->GetDouble() : 0.0;
  }
  void read(const char* key, mt5b_str& out) const {
    const auto* f = find(key);
    out = f == nullptr || !f->IsString() ? mt5b_str{nullptr, 0}
                                         : mt5b_str{f->GetString(), f->GetStringLength()};
  }

  const rapidjson::Value& v_;
};

}  // namespace

mt5b_account_info decode_account_info(const rapidjson::Value& v) {
  return Fields(v, "AccountInfo").decode<sdk::records::AccountInfo, mt5b_account_info>();
}

mt5b_trade_position decode_position(const rapidjson::Value& v) {
  return Fields(v, "TradePosition").decode<sdk::records::TradePosition, mt5b_trade_position>();
}

mt5b_trade_deal decode_deal(const rapidjson::Value& v) {
  return Fields(v, "TradeDeal").decode<sdk::records::TradeDeal, mt5b_trade_deal>();
}

mt5b_trade_order decode_order(const rapidjson::Value& v) {
  return Fields(v, "TradeOrder").decode<sdk::records::TradeOrder, mt5b_trade_order>();
}

mt5b_symbol_info decode_symbol_info(const rapidjson::Value& v) {
  return Fields(v, "SymbolInfo").decode<sdk::records::SymbolInfo, mt5b_symbol_info>();
}

mt5b_tick decode_tick(const rapidjson::Value& v) {
  return Fields(v, "Tick").decode<sdk::records::Tick, mt5b_tick>();
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
