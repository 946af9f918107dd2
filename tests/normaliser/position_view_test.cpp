// Open positions and closed trades in the seeds' JSON shapes (stories 3.4 and 3.5).
#include "normaliser/position_view.hpp"
#include "api/views/trade_json.hpp"

#include "deal_grouper_fixture.hpp"

#include <rapidjson/document.h>

namespace mt5b::host {
namespace {

using testing::DealSpec;
using testing::epoch_s;

std::vector<std::string> keys_of(const rapidjson::Value& object) {
  std::vector<std::string> keys;
  for (const auto& member : object.GetObject()) keys.emplace_back(member.name.GetString());
  return keys;
}

template <typename WriteFn>
rapidjson::Document written(WriteFn write) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  write(writer);
  rapidjson::Document doc;
  doc.Parse(buffer.GetString());
  EXPECT_FALSE(doc.HasParseError()) << buffer.GetString();
  return doc;
}

// Story 3.4's example position, opened at 11:00 on a UTC+3 server.
TradePosition seed_position() {
  TradePosition p;
  p.ticket = 123456789;
  p.symbol = "EURUSD";
  p.type = 0;
  p.volume = 1.0;
  p.price_open = 1.0850;
  p.price_current = 1.0855;
  p.sl = 1.0800;
  p.tp = 1.0900;
  p.profit = 50.0;
  p.swap = -2.5;
  p.comment = "Manual trade";
  p.time = epoch_s(2025, 11, 12, 11);
  p.time_msc = p.time * 1000;
  return p;
}

TEST(PositionView, normalises_a_position_with_utc_and_broker_open_times) {
  const ServerClock clock = ServerClock::from_offset(10800, OffsetSource::configured_offset);
  TradePosition p = seed_position();
  p.type = 1;
  p.symbol = "EURUSD.r";
  const Position o = normalise_position(p, clock, -5.0);
  EXPECT_EQ(o.type, "sell");
  EXPECT_EQ(o.canonical_symbol, "EURUSD");
  EXPECT_DOUBLE_EQ(o.commission, -5.0);  // from the IN deals: positions carry none
  EXPECT_EQ(o.open_time_broker_ms, epoch_s(2025, 11, 12, 11) * 1000);
  EXPECT_EQ(o.open_time_ms, epoch_s(2025, 11, 12, 8) * 1000);
  EXPECT_EQ(o.broker_offset_s, 10800);
}

TEST(PositionView, writes_story_3_4_shape_plus_canonical_symbol) {
  const ServerClock clock = ServerClock::from_offset(10800, OffsetSource::configured_offset);
  const Position o = normalise_position(seed_position(), clock, -5.0);
  const auto doc = written([&](JsonWriter& w) { write_position_json(w, o); });
  EXPECT_EQ(keys_of(doc), (std::vector<std::string>{"ticket", "symbol", "canonical_symbol", "type",
                                                    "volume", "open_price", "current_price", "sl",
                                                    "tp", "profit", "swap", "commission", "magic",
                                                    "comment", "open_time", "open_time_broker"}));
  EXPECT_EQ(doc["ticket"].GetInt64(), 123456789);
  EXPECT_STREQ(doc["type"].GetString(), "buy");
  EXPECT_DOUBLE_EQ(doc["open_price"].GetDouble(), 1.0850);
  EXPECT_DOUBLE_EQ(doc["current_price"].GetDouble(), 1.0855);
  EXPECT_DOUBLE_EQ(doc["swap"].GetDouble(), -2.5);
  EXPECT_DOUBLE_EQ(doc["commission"].GetDouble(), -5.0);
  EXPECT_EQ(doc["magic"].GetInt64(), 0);
  EXPECT_STREQ(doc["comment"].GetString(), "Manual trade");
  EXPECT_STREQ(doc["open_time"].GetString(), "2025-11-12T08:00:00Z");
  EXPECT_STREQ(doc["open_time_broker"].GetString(), "2025-11-12T11:00:00+03:00");
}

TEST(PositionView, broker_offset_follows_the_zone_at_the_open_time) {
  std::string error;
  const auto zone = TimeZone::load("Europe/Nicosia", &error);
  ASSERT_TRUE(zone) << error;
  const ServerClock clock = ServerClock::from_zone(*zone);
  TradePosition summer = seed_position();
  summer.time_msc = 0;  // only seconds given
  summer.time = epoch_s(2025, 7, 1, 11);
  const auto doc =
      written([&](JsonWriter& w) { write_position_json(w, normalise_position(summer, clock, 0)); });
  EXPECT_STREQ(doc["open_time"].GetString(), "2025-07-01T08:00:00Z");
  EXPECT_STREQ(doc["open_time_broker"].GetString(), "2025-07-01T11:00:00+03:00");
}

// Story 3.5's example trade: sell 0.5 GBPUSD 1.2700 → 1.2680, opened 2025-11-10 14:00 UTC and
// closed 2025-11-11 16:30 UTC, on a UTC+2 server.
class TradeJsonTest : public testing::DealGrouperTest {
 protected:
  ClosedTrade seed_trade() {
    symbols_["GBPUSD"] = testing::fx_symbol("GBPUSD", 5);
    const auto history = normalise({
        DealSpec(987654321, 987654321)
            .symbol("GBPUSD")
            .sell()
            .in()
            .lots(0.5)
            .price(1.2700)
            .commission(-5)
            .at(epoch_s(2025, 11, 10, 16)),
        DealSpec(987654400, 987654321)
            .symbol("GBPUSD")
            .buy()
            .out()
            .lots(0.5)
            .price(1.2680)
            .commission(-5)
            .swap(-1.5)
            .profit(100)
            .at(epoch_s(2025, 11, 11, 18, 30)),
    });
    EXPECT_EQ(history.closed_trades.size(), 1u);
    return history.closed_trades.empty() ? ClosedTrade{} : history.closed_trades[0];
  }
};

TEST_F(TradeJsonTest, writes_story_3_5_shape_with_broker_times_and_extras) {
  const ClosedTrade trade = seed_trade();
  const auto doc = written([&](JsonWriter& w) { write_trade_json(w, trade, clock_); });
  EXPECT_EQ(keys_of(doc), (std::vector<std::string>{"ticket",
                                                    "position_id",
                                                    "segment",
                                                    "symbol",
                                                    "canonical_symbol",
                                                    "type",
                                                    "volume",
                                                    "open_price",
                                                    "close_price",
                                                    "open_time",
                                                    "open_time_broker",
                                                    "close_time",
                                                    "close_time_broker",
                                                    "profit",
                                                    "swap",
                                                    "commission",
                                                    "fee",
                                                    "net_profit",
                                                    "duration_hours",
                                                    "pips",
                                                    "points",
                                                    "close_reason"}));
  EXPECT_EQ(doc["ticket"].GetInt64(), 987654321);
  EXPECT_EQ(doc["segment"].GetInt(), 0);
  EXPECT_STREQ(doc["symbol"].GetString(), "GBPUSD");
  EXPECT_STREQ(doc["type"].GetString(), "sell");
  EXPECT_DOUBLE_EQ(doc["volume"].GetDouble(), 0.5);
  EXPECT_DOUBLE_EQ(doc["open_price"].GetDouble(), 1.2700);
  EXPECT_DOUBLE_EQ(doc["close_price"].GetDouble(), 1.2680);
  EXPECT_STREQ(doc["open_time"].GetString(), "2025-11-10T14:00:00Z");
  EXPECT_STREQ(doc["close_time"].GetString(), "2025-11-11T16:30:00Z");
  EXPECT_STREQ(doc["open_time_broker"].GetString(), "2025-11-10T16:00:00+02:00");
  EXPECT_STREQ(doc["close_time_broker"].GetString(), "2025-11-11T18:30:00+02:00");
  EXPECT_DOUBLE_EQ(doc["profit"].GetDouble(), 100.0);
  EXPECT_DOUBLE_EQ(doc["swap"].GetDouble(), -1.5);
  EXPECT_DOUBLE_EQ(doc["commission"].GetDouble(), -10.0);  // −5 entry − 5 exit
  EXPECT_DOUBLE_EQ(doc["net_profit"].GetDouble(), 88.5);   // 100 − 1.5 − 10
  EXPECT_DOUBLE_EQ(doc["duration_hours"].GetDouble(), 26.5);
  EXPECT_DOUBLE_EQ(doc["pips"].GetDouble(), 20.0);     // (1.2680 − 1.2700) / 0.0001 × −1
  EXPECT_DOUBLE_EQ(doc["points"].GetDouble(), 200.0);  // / 0.00001
  EXPECT_STREQ(doc["close_reason"].GetString(), "client");
}

TEST_F(TradeJsonTest, rounds_pips_to_one_decimal_and_duration_to_two) {
  ClosedTrade trade = seed_trade();
  trade.pips = 24.56;
  trade.duration_hours = 1.23456;
  trade.points = 245.6;
  trade.profit = 12.345678;  // money is emitted as given
  auto doc = written([&](JsonWriter& w) { write_trade_json(w, trade, clock_); });
  EXPECT_DOUBLE_EQ(doc["pips"].GetDouble(), 24.6);
  EXPECT_DOUBLE_EQ(doc["duration_hours"].GetDouble(), 1.23);
  EXPECT_DOUBLE_EQ(doc["profit"].GetDouble(), 12.345678);
  // A tiny loss rounds to 0, never to −0.
  trade.pips = -0.04;
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  write_trade_json(writer, trade, clock_);
  EXPECT_NE(std::string(buffer.GetString()).find("\"pips\":0.0"), std::string::npos)
      << buffer.GetString();
}

TEST_F(TradeJsonTest, broker_times_carry_the_offset_in_force_at_each_end) {
  std::string error;
  const auto zone = TimeZone::load("Europe/Nicosia", &error);
  ASSERT_TRUE(zone) << error;
  clock_ = ServerClock::from_zone(*zone);
  const auto history = normalise({
      DealSpec(1, 55).buy().in().lots(1.0).price(1.1).at(epoch_s(2025, 10, 24, 12)),
      DealSpec(2, 55).sell().out().lots(1.0).price(1.1).at(epoch_s(2025, 10, 27, 12)),
  });
  ASSERT_EQ(history.closed_trades.size(), 1u);
  const auto doc =
      written([&](JsonWriter& w) { write_trade_json(w, history.closed_trades[0], clock_); });
  EXPECT_STREQ(doc["open_time"].GetString(), "2025-10-24T09:00:00Z");
  EXPECT_STREQ(doc["open_time_broker"].GetString(), "2025-10-24T12:00:00+03:00");
  EXPECT_STREQ(doc["close_time"].GetString(), "2025-10-27T10:00:00Z");
  EXPECT_STREQ(doc["close_time_broker"].GetString(), "2025-10-27T12:00:00+02:00");
  EXPECT_DOUBLE_EQ(doc["duration_hours"].GetDouble(), 73.0);
}

}  // namespace
}  // namespace mt5b::host
