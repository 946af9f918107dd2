#include "scenario_expectations.hpp"

#include <mt5bridge/sdk.hpp>

#include <rapidjson/error/en.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <tuple>

namespace mt5b::conformance::broker {

namespace {

const rapidjson::Value* member(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  return it == obj.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

std::string text(const rapidjson::Value& obj, const char* key) {
  const auto* v = member(obj, key);
  return v != nullptr && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : "";
}

template <class Record>
std::vector<Fields> list_of(const rapidjson::Value& account, const char* key) {
  std::vector<Fields> out;
  const auto* list = member(account, key);
  if (list == nullptr || !list->IsArray()) return out;
  const Fields like = fields_of(sdk::make<Record>());
  for (const auto& item : list->GetArray())
    if (item.IsObject()) out.push_back(fields_from_json(item, like));
  return out;
}

std::vector<HistoryRecord> history(std::vector<Fields> rows, const char* time_key,
                                   const char* time_msc_key) {
  std::vector<HistoryRecord> out;
  for (auto& f : rows)
    out.push_back({int_field(f, "ticket"), int_field(f, time_key), int_field(f, time_msc_key),
                   int_field(f, "position_id"), std::move(f)});
  std::sort(out.begin(), out.end(), [](const HistoryRecord& a, const HistoryRecord& b) {
    return std::tie(a.time_msc, a.ticket) < std::tie(b.time_msc, b.ticket);
  });
  return out;
}

bool has_failure_knobs(const rapidjson::Value& account) {
  const auto* knobs = member(account, "knobs");
  if (knobs == nullptr || !knobs->IsObject()) return false;
  return member(*knobs, "fail") != nullptr || member(*knobs, "fail_calls") != nullptr;
}

ExpectedAccount read_account(const rapidjson::Value& a) {
  ExpectedAccount e;
  const auto* login = member(a, "login");
  e.login = login != nullptr && login->IsInt64() ? login->GetInt64() : 0;
  e.password = text(a, "password");
  e.server = text(a, "server");
  e.has_failure_knobs = has_failure_knobs(a);

  static const rapidjson::Value kEmpty(rapidjson::kObjectType);
  const auto* info = member(a, "account_info");
  e.account_info = fields_from_json(info != nullptr && info->IsObject() ? *info : kEmpty,
                                    fields_of(sdk::make<mt5b_account_info>()));
  // login and server default to the account's (docs/scenario-format.md "AccountInfo").
  if (int_field(e.account_info, "login") == 0) set_field(e.account_info, "login", e.login);
  if (info == nullptr || member(*info, "server") == nullptr)
    set_field(e.account_info, "server", e.server);

  e.positions = list_of<mt5b_trade_position>(a, "positions");
  for (auto& p : e.positions)
    if (int_field(p, "identifier") == 0) set_field(p, "identifier", int_field(p, "ticket"));
  std::sort(e.positions.begin(), e.positions.end(), [](const Fields& x, const Fields& y) {
    return std::make_tuple(int_field(x, "time_msc"), int_field(x, "ticket")) <
           std::make_tuple(int_field(y, "time_msc"), int_field(y, "ticket"));
  });
  e.deals = history(list_of<mt5b_trade_deal>(a, "deals"), "time", "time_msc");
  e.orders = history(list_of<mt5b_trade_order>(a, "orders"), "time_setup", "time_setup_msc");

  const Fields symbol_like = fields_of(sdk::make<mt5b_symbol_info>());
  if (const auto* symbols = member(a, "symbols"); symbols != nullptr && symbols->IsArray())
    for (const auto& s : symbols->GetArray())
      if (s.IsObject()) e.symbols[text(s, "name")] = fields_from_json(s, symbol_like);
  const Fields tick_like = fields_of(sdk::make<mt5b_tick>());
  if (const auto* ticks = member(a, "ticks"); ticks != nullptr && ticks->IsObject())
    for (const auto& t : ticks->GetObject())
      if (t.value.IsObject())
        e.ticks[std::string(t.name.GetString(), t.name.GetStringLength())] =
            fields_from_json(t.value, tick_like);
  return e;
}

}  // namespace

std::string ExpectedAccount::phrase() const {
  return "account " + std::to_string(login) + " on '" + server + "'";
}

ExpectedScenario load_expectations(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read scenario file '" + path + "'");
  std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject())
    throw std::runtime_error("scenario file '" + path + "' is not a JSON object (" +
                             rapidjson::GetParseError_En(doc.GetParseError()) + ")");
  ExpectedScenario s;
  if (const auto* servers = member(doc, "servers"); servers != nullptr && servers->IsArray())
    for (const auto& server : servers->GetArray())
      if (server.IsObject()) s.servers.push_back(text(server, "name"));
  if (const auto* accounts = member(doc, "accounts"); accounts != nullptr && accounts->IsArray())
    for (const auto& a : accounts->GetArray())
      if (a.IsObject()) s.accounts.push_back(read_account(a));
  if (s.accounts.empty())
    throw std::runtime_error("scenario file '" + path + "' has no accounts to check");
  return s;
}

}  // namespace mt5b::conformance::broker
