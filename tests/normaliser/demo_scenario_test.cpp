// The bundled demo scenario (config/scenarios/demo.json) through the normaliser: its accounts'
// balances equal the sum of their deals, so every rule has to hold at once for the sum to match.
#include "normaliser/deal_grouper.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fstream>
#include <iterator>
#include <map>
#include <numeric>
#include <string>
#include <type_traits>

namespace mt5b::host {
namespace {

rapidjson::Document load_demo_scenario() {
  std::ifstream in(MT5BRIDGE_SOURCE_DIR "/config/scenarios/demo.json");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  EXPECT_FALSE(doc.HasParseError()) << "config/scenarios/demo.json does not parse";
  return doc;
}

// Scenario records leave fields out to mean 0 or "" (docs/scenario-format.md); each field of
// the record's list is read under its MT5 name.
int64_t integer(const rapidjson::Value& record, const char* key) {
  const auto it = record.FindMember(key);
  return it != record.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
}
std::string text(const rapidjson::Value& record, const char* key) {
  const auto it = record.FindMember(key);
  return it != record.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}
template <class Record>
Record record_from(const rapidjson::Value& r) {
  Record out;
  Record::for_each_field(out, [&](const char* key, auto& field) {
    using T = std::decay_t<decltype(field)>;
    const auto it = r.FindMember(key);
    if (it == r.MemberEnd()) return;
    if constexpr (std::is_same_v<T, std::string>) {
      if (it->value.IsString()) field = it->value.GetString();
    } else if constexpr (std::is_floating_point_v<T>) {
      if (it->value.IsNumber()) field = it->value.GetDouble();
    } else {
      if (it->value.IsInt64()) field = static_cast<T>(it->value.GetInt64());
    }
  });
  return out;
}

struct DemoAccount {
  double balance = 0;
  NormalisedHistory history;
};

// Normalises one account of the scenario with its server's configured UTC offset.
DemoAccount normalise_demo_account(size_t index) {
  const rapidjson::Document doc = load_demo_scenario();
  const rapidjson::Value& account = doc["accounts"][static_cast<rapidjson::SizeType>(index)];
  int64_t offset_s = 0;
  for (const auto& server : doc["servers"].GetArray()) {
    if (text(server, "name") == text(account, "server")) offset_s = integer(server, "utc_offset_s");
  }
  const ServerClock clock = ServerClock::from_offset(offset_s, OffsetSource::configured_offset);
  const PipRules rules;
  std::map<std::string, SymbolInfo> symbols;
  for (const auto& s : account["symbols"].GetArray()) {
    SymbolInfo info = record_from<SymbolInfo>(s);
    symbols[info.name] = info;
  }
  std::vector<TradeDeal> deals;
  for (const auto& d : account["deals"].GetArray()) deals.push_back(record_from<TradeDeal>(d));

  NormaliseContext ctx;
  ctx.clock = &clock;
  ctx.pip_rules = &rules;
  ctx.symbol_info = [&](const std::string& name) -> std::optional<SymbolInfo> {
    const auto it = symbols.find(name);
    return it == symbols.end() ? std::nullopt : std::optional(it->second);
  };
  return {record_from<AccountInfo>(account["account_info"]).balance, normalise_deals(deals, ctx)};
}

// Balance = closed trades' net profit + transactions + what open positions were charged on entry.
double balance_from(const NormalisedHistory& h) {
  double sum = 0;
  for (const auto& t : h.closed_trades) sum += t.net_profit;
  for (const auto& t : h.transactions) sum += t.amount;
  for (const auto& [position_id, commission] : h.open_position_commission) sum += commission;
  return sum;
}

const ClosedTrade* trade_of(const NormalisedHistory& h, int64_t position_id, int32_t segment) {
  for (const auto& t : h.closed_trades) {
    if (t.position_id == position_id && t.segment == segment) return &t;
  }
  return nullptr;
}

TEST(DemoScenario, hedging_account_history_adds_up_to_its_balance) {
  const DemoAccount demo = normalise_demo_account(0);
  // EURUSD (partial close), USDJPY (TP), XAUUSD (SL), US30 (EA); two positions still open.
  EXPECT_EQ(demo.history.closed_trades.size(), 4u);
  EXPECT_EQ(demo.history.transactions.size(), 2u);  // a deposit and a withdrawal
  EXPECT_EQ(demo.history.open_position_commission.size(), 2u);
  // 10000 − 500 + 237.88 + 173.42 − 235.88 + 320.5 − 1.05 − 0.35 = 9994.52
  EXPECT_NEAR(balance_from(demo.history), demo.balance, 1e-6);
  EXPECT_DOUBLE_EQ(demo.balance, 9994.52);
}

TEST(DemoScenario, partial_close_is_one_trade_with_the_volume_weighted_close) {
  const DemoAccount demo = normalise_demo_account(0);
  const ClosedTrade* t = trade_of(demo.history, 70001, 0);
  ASSERT_NE(t, nullptr);
  EXPECT_DOUBLE_EQ(t->volume, 1.0);
  EXPECT_DOUBLE_EQ(t->open_price, 1.1523);
  // (0.4 × 1.1541 + 0.6 × 1.1552) / 1.0 = 0.46164 + 0.69312 = 1.15476
  EXPECT_DOUBLE_EQ(t->close_price, 1.15476);
  EXPECT_DOUBLE_EQ(t->pips, 24.6);          // (1.15476 − 1.1523) / 0.0001
  EXPECT_DOUBLE_EQ(t->commission, -7.0);    // −3.5 − 1.4 − 2.1
  EXPECT_DOUBLE_EQ(t->net_profit, 237.88);  // 72 + 174 − 0.28 − 0.84 − 7
}

TEST(DemoScenario, exits_keep_their_reasons_and_instrument_pips) {
  const DemoAccount demo = normalise_demo_account(0);
  const ClosedTrade* jpy = trade_of(demo.history, 70004, 0);
  const ClosedTrade* gold = trade_of(demo.history, 70006, 0);
  const ClosedTrade* dow = trade_of(demo.history, 70008, 0);
  ASSERT_TRUE(jpy && gold && dow);
  EXPECT_EQ(jpy->close_reason, "tp");
  EXPECT_DOUBLE_EQ(jpy->pips, 54);  // sell 152.34 → 151.80 at 0.01
  EXPECT_EQ(gold->close_reason, "sl");
  EXPECT_DOUBLE_EQ(gold->pips, -233);  // buy 3985.4 → 3962.1 at 0.1
  EXPECT_EQ(dow->close_reason, "expert");
  EXPECT_DOUBLE_EQ(dow->pips, 160.25);  // sell 47210.5 → 47050.25 at 1.0
  // MetaQuotes-Demo is UTC+2: the US30 entry at 16:35:00 server time is 14:35:00 UTC.
  EXPECT_EQ(dow->open_time_ms, (1762792500 - 7200) * int64_t{1000});
}

TEST(DemoScenario, netting_account_with_a_reversal_adds_up_to_its_balance) {
  const DemoAccount demo = normalise_demo_account(1);
  ASSERT_EQ(demo.history.closed_trades.size(), 2u);
  const ClosedTrade* reversed = trade_of(demo.history, 8800101, 1);
  ASSERT_NE(reversed, nullptr);
  EXPECT_EQ(reversed->type, "sell");
  EXPECT_DOUBLE_EQ(reversed->volume, 0.5);
  // 5000 + 262.88 (segment 0) + 161.2 (segment 1) − 2.4 (open) = 5421.68
  EXPECT_NEAR(balance_from(demo.history), demo.balance, 1e-6);
  EXPECT_DOUBLE_EQ(demo.balance, 5421.68);
}

}  // namespace
}  // namespace mt5b::host
