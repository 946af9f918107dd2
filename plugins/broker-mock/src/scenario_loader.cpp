#include "scenario_loader.hpp"

#include "json_reader.hpp"
#include "records.hpp"

#include <rapidjson/error/en.h>
#include <mt5bridge/sdk.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

namespace mt5b::broker_mock {
namespace {

// Real offsets lie within UTC-12..UTC+14; a value beyond 14 h is a unit mistake (milliseconds).
constexpr int64_t kMaxUtcOffsetS = 14 * 3600;

std::string line_and_column(std::string_view text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

Server read_server(const ObjectReader& r) {
  r.refuse_unknown_keys({"name", "utc_offset_s"});
  Server server;
  server.name = r.required<std::string>("name");
  if (server.name.empty()) fail_at(r.path_of("name"), "must not be empty");
  server.utc_offset_s = r.required<int64_t>("utc_offset_s");
  if (server.utc_offset_s > kMaxUtcOffsetS || server.utc_offset_s < -kMaxUtcOffsetS)
    fail_at(r.path_of("utc_offset_s"),
            "must be seconds between -50400 and 50400 (UTC-14h..UTC+14h), e.g. 7200 for UTC+2");
  return server;
}

Failure read_failure(const ObjectReader& r, std::string_view key, bool login) {
  const auto* v = r.find(key);
  if (v == nullptr || v->IsNull()) return Failure::kNone;
  std::string_view allowed = login ? "null, \"auth\", \"timeout\", \"disconnect\" or \"hang\""
                                   : "null, \"timeout\", \"disconnect\" or \"hang\"";
  if (!v->IsString())
    fail_at(r.path_of(key),
            "must be " + std::string(allowed) + ", not " + std::string(json_type_phrase(*v)));
  std::string_view name(v->GetString(), v->GetStringLength());
  for (auto f : {Failure::kAuth, Failure::kTimeout, Failure::kDisconnect, Failure::kHang}) {
    if (f == Failure::kAuth && !login) continue;
    if (name == failure_name(f)) return f;
  }
  fail_at(r.path_of(key),
          "must be " + std::string(allowed) + ", not \"" + std::string(name) + "\"");
}

int64_t read_non_negative(const ObjectReader& r, std::string_view key) {
  int64_t value = 0;
  r.read(key, value);
  if (value < 0) fail_at(r.path_of(key), "must not be negative");
  return value;
}

Knobs read_knobs(const ObjectReader& r) {
  r.refuse_unknown_keys(
      {"login_latency_ms", "call_latency_ms", "fail", "fail_calls", "fail_after_calls"});
  Knobs knobs;
  knobs.login_latency_ms = read_non_negative(r, "login_latency_ms");
  knobs.call_latency_ms = read_non_negative(r, "call_latency_ms");
  knobs.fail = read_failure(r, "fail", true);
  knobs.fail_calls = read_failure(r, "fail_calls", false);
  knobs.fail_after_calls = read_non_negative(r, "fail_after_calls");
  if (knobs.fail_after_calls > 0 && knobs.fail_calls == Failure::kNone)
    fail_at(r.path_of("fail_after_calls"), "has no effect unless fail_calls is set");
  return knobs;
}

// Reads the array under `key` with `read_one`, refusing a ticket seen twice: MT5 tickets are
// unique per account, and the host de-duplicates on them.
template <class Record, class ReadOne>
std::vector<Record> read_tickets(const ObjectReader& account, std::string_view key,
                                 ReadOne read_one) {
  std::vector<Record> out;
  const auto* array = account.optional_array(key);
  if (array == nullptr) return out;
  std::set<int64_t> seen;
  std::string path = account.path_of(key);
  for (rapidjson::SizeType i = 0; i < array->Size(); ++i) {
    ObjectReader record((*array)[i], element_path(path, i));
    out.push_back(read_one(record));
    if (!seen.insert(out.back().ticket).second)
      fail_at(record.path_of("ticket"),
              "repeats ticket " + std::to_string(out.back().ticket) + " of an earlier entry");
  }
  return out;
}

void read_account_info_into(const ObjectReader& account_reader, Account& account,
                            StringPool& pool) {
  const auto* value = account_reader.find("account_info");
  if (value == nullptr) fail_at(account_reader.path_of("account_info"), "is required");
  ObjectReader r(*value, account_reader.path_of("account_info"));
  account.account_info = read_account_info(r, pool);
  auto& info = account.account_info;
  // AccountInfo repeats the login and server; keep them from contradicting the account's.
  if (r.find("login") == nullptr) info.login = account.login;
  if (info.login != account.login)
    fail_at(r.path_of("login"), "(" + std::to_string(info.login) +
                                    ") differs from the account's login " +
                                    std::to_string(account.login));
  if (r.find("server") == nullptr) info.server = pool.keep(account.server);
  if (sdk::view(info.server) != account.server)
    fail_at(r.path_of("server"), "(\"" + sdk::copy(info.server) +
                                     "\") differs from the account's server \"" + account.server +
                                     "\"");
}

void read_symbols_and_ticks(const ObjectReader& r, Account& account, StringPool& pool) {
  if (const auto* symbols = r.optional_array("symbols")) {
    std::string path = r.path_of("symbols");
    for (rapidjson::SizeType i = 0; i < symbols->Size(); ++i) {
      ObjectReader record((*symbols)[i], element_path(path, i));
      auto symbol = read_symbol(record, pool);
      if (!account.symbols.emplace(sdk::copy(symbol.name), symbol).second)
        fail_at(record.path_of("name"), "repeats symbol \"" + sdk::copy(symbol.name) + "\"");
    }
  }
  if (const auto* ticks = r.find("ticks")) {
    ObjectReader by_symbol(*ticks, r.path_of("ticks"));
    for (const auto& member : ticks->GetObject()) {
      std::string symbol(member.name.GetString(), member.name.GetStringLength());
      ObjectReader record(member.value, by_symbol.path_of(symbol));
      account.ticks.emplace(symbol, read_tick(record));
    }
  }
}

Account read_account(const ObjectReader& r, Scenario& scenario) {
  r.refuse_unknown_keys({"login", "password", "server", "account_info", "positions", "deals",
                         "orders", "symbols", "ticks", "knobs"});
  auto& pool = scenario.strings;
  Account account;
  account.login = r.required<int64_t>("login");
  if (account.login <= 0) fail_at(r.path_of("login"), "must be a positive account number");
  account.password = r.required<std::string>("password");
  if (account.password.empty()) fail_at(r.path_of("password"), "must not be empty");
  account.server = r.required<std::string>("server");
  if (scenario.find_server(account.server) == nullptr)
    fail_at(r.path_of("server"), "names \"" + account.server + "\", which $.servers lacks");
  if (scenario.find_account(account.login, account.server) != nullptr)
    fail_at(r.path_of("login"), "repeats login " + std::to_string(account.login) + " on server \"" +
                                    account.server + "\"");

  read_account_info_into(r, account, pool);
  account.positions = read_tickets<mt5b_trade_position>(
      r, "positions", [&](const ObjectReader& rec) { return read_position(rec, pool); });
  account.deals = read_tickets<mt5b_trade_deal>(
      r, "deals", [&](const ObjectReader& rec) { return read_deal(rec, pool); });
  account.orders = read_tickets<mt5b_trade_order>(
      r, "orders", [&](const ObjectReader& rec) { return read_order(rec, pool); });
  read_symbols_and_ticks(r, account, pool);
  if (const auto* knobs = r.find("knobs"))
    account.knobs = read_knobs(ObjectReader(*knobs, r.path_of("knobs")));

  // The terminal returns history in time order whatever order the file lists it in.
  auto by_time = [](auto time_of) {
    return [time_of](const auto& a, const auto& b) {
      return std::pair(time_of(a), a.ticket) < std::pair(time_of(b), b.ticket);
    };
  };
  std::sort(account.positions.begin(), account.positions.end(),
            by_time([](const mt5b_trade_position& p) { return p.time_msc; }));
  std::sort(account.deals.begin(), account.deals.end(),
            by_time([](const mt5b_trade_deal& d) { return d.time_msc; }));
  std::sort(account.orders.begin(), account.orders.end(),
            by_time([](const mt5b_trade_order& o) { return o.time_setup_msc; }));
  return account;
}

}  // namespace

std::unique_ptr<const Scenario> parse_scenario(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    std::string reason = rapidjson::GetParseError_En(doc.GetParseError());
    if (reason.ends_with('.')) reason.pop_back();
    throw sdk::Error(MT5B_INVALID_ARGUMENT, "the text is not valid JSON (" + reason + " at " +
                                                line_and_column(json, doc.GetErrorOffset()) + ")");
  }

  auto scenario = std::make_unique<Scenario>();
  ObjectReader root(doc, "$");
  root.refuse_unknown_keys({"servers", "accounts"});

  const auto* servers = root.optional_array("servers");
  if (servers == nullptr || servers->Empty())
    fail_at(root.path_of("servers"), "must list at least one server");
  for (rapidjson::SizeType i = 0; i < servers->Size(); ++i) {
    ObjectReader r((*servers)[i], element_path("$.servers", i));
    auto server = read_server(r);
    if (scenario->find_server(server.name) != nullptr)
      fail_at(r.path_of("name"), "repeats server \"" + server.name + "\"");
    scenario->servers.push_back(std::move(server));
  }

  const auto* accounts = root.optional_array("accounts");
  if (accounts == nullptr) fail_at(root.path_of("accounts"), "is required");
  for (rapidjson::SizeType i = 0; i < accounts->Size(); ++i) {
    ObjectReader r((*accounts)[i], element_path("$.accounts", i));
    scenario->accounts.push_back(read_account(r, *scenario));
  }
  return scenario;
}

std::unique_ptr<const Scenario> load_scenario_file(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw sdk::Error(MT5B_FAILED, "cannot read scenario file '" + file +
                                      "': " + std::strerror(errno) +
                                      "; check the broker-mock option `scenario`");
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return parse_scenario(text.str());
  } catch (const sdk::Error& e) {
    throw sdk::Error(e.status(), "scenario file '" + file + "' is invalid: " + e.what() +
                                     "; fix the file (see docs/scenario-format.md) and restart");
  }
}

}  // namespace mt5b::broker_mock
