#include "api/views/account_json.hpp"

namespace mt5b::host {

namespace {
void write_common(JsonWriter& w, const AccountInfo& i) {
  w.Key("balance");
  w.Double(i.balance);
  w.Key("equity");
  w.Double(i.equity);
  w.Key("margin");
  w.Double(i.margin);
  w.Key("free_margin");
  w.Double(i.margin_free);
  w.Key("margin_level");
  w.Double(i.margin_level);
  w.Key("currency");
  w.String(i.currency);
  w.Key("leverage");
  w.Int64(i.leverage);
  w.Key("profit");
  w.Double(i.profit);
}
}  // namespace

void write_account_connect_shape(JsonWriter& w, const AccountInfo& info) {
  w.StartObject();
  write_common(w, info);
  w.Key("server");
  w.String(info.server);
  w.EndObject();
}

void write_account_info_shape(JsonWriter& w, const AccountInfo& info, int64_t positions_count) {
  w.StartObject();
  write_common(w, info);
  w.Key("credit");
  w.Double(info.credit);
  w.Key("positions_count");
  w.Int64(positions_count);
  w.EndObject();
}

}  // namespace mt5b::host
