// DealGrouper: deals of one position → one closed trade (MT5.md, "Deals → closed trades").
// Expected numbers are worked out by hand in the comments.
#include "deal_grouper_fixture.hpp"

namespace mt5b::host {
namespace {

using testing::DealGrouperTest;
using testing::DealSpec;
using testing::kReasonClient;
using testing::kReasonExpert;
using testing::kReasonSl;
using testing::kReasonTp;

using ClosedTradeTest = DealGrouperTest;

TEST_F(ClosedTradeTest, buy_closed_higher_is_a_winning_trade_with_positive_pips) {
  const auto history = normalise({
      DealSpec(101, 7001).buy().in().lots(1.0).price(1.1000).commission(-3.5).at(broker_s(0)),
      DealSpec(102, 7001).sell().out().lots(1.0).price(1.1050).commission(-3.5).profit(500).at(
          broker_s(2.5)),
  });
  ASSERT_EQ(history.closed_trades.size(), 1u);
  const ClosedTrade& t = history.closed_trades[0];
  EXPECT_EQ(t.ticket, 7001);  // segment 0 is keyed by the position id
  EXPECT_EQ(t.position_id, 7001);
  EXPECT_EQ(t.segment, 0);
  EXPECT_EQ(t.symbol, "EURUSD");
  EXPECT_EQ(t.canonical_symbol, "EURUSD");
  EXPECT_EQ(t.type, "buy");
  EXPECT_DOUBLE_EQ(t.volume, 1.0);
  EXPECT_DOUBLE_EQ(t.open_price, 1.1000);
  EXPECT_DOUBLE_EQ(t.close_price, 1.1050);
  EXPECT_DOUBLE_EQ(t.profit, 500);
  EXPECT_DOUBLE_EQ(t.commission, -7.0);  // −3.5 on entry + −3.5 on exit
  EXPECT_DOUBLE_EQ(t.net_profit, 493);   // 500 − 7
  EXPECT_DOUBLE_EQ(t.pips, 50);          // (1.1050 − 1.1000) / 0.0001 × +1
  EXPECT_DOUBLE_EQ(t.points, 500);       // (1.1050 − 1.1000) / 0.00001 × +1
  EXPECT_DOUBLE_EQ(t.duration_hours, 2.5);
  EXPECT_EQ(t.close_reason, "client");
  EXPECT_EQ(t.open_time_broker_ms, broker_s(0) * 1000);
  EXPECT_EQ(t.open_time_ms, utc_ms(0));  // broker 10:00 on a UTC+2 server = 08:00 UTC
  EXPECT_EQ(t.close_time_ms, utc_ms(2.5));
  EXPECT_EQ(t.deal_tickets, (std::vector<int64_t>{101, 102}));
  EXPECT_TRUE(history.transactions.empty());
  EXPECT_TRUE(history.open_position_commission.empty());
}

TEST_F(ClosedTradeTest, sell_pips_are_positive_when_price_falls) {
  const auto history = normalise({
      DealSpec(201, 7002).sell().in().lots(0.5).price(1.2700).at(broker_s(0)),
      DealSpec(202, 7002).buy().out().lots(0.5).price(1.2680).profit(100).at(broker_s(26.5)),
      DealSpec(203, 7003).sell().in().lots(0.5).price(1.2700).at(broker_s(1)),
      DealSpec(204, 7003).buy().out().lots(0.5).price(1.2720).profit(-100).at(broker_s(27)),
  });
  ASSERT_EQ(history.closed_trades.size(), 2u);
  EXPECT_EQ(history.closed_trades[0].type, "sell");
  EXPECT_DOUBLE_EQ(history.closed_trades[0].pips, 20);   // (1.2680 − 1.2700) / 0.0001 × −1
  EXPECT_DOUBLE_EQ(history.closed_trades[1].pips, -20);  // (1.2720 − 1.2700) / 0.0001 × −1
  EXPECT_DOUBLE_EQ(history.closed_trades[0].duration_hours, 26.5);
}

TEST_F(ClosedTradeTest, partial_closes_make_one_trade_with_a_volume_weighted_close) {
  const auto history = normalise({
      DealSpec(301, 7004).buy().in().lots(1.0).price(1.1000).at(broker_s(0)),
      DealSpec(302, 7004).sell().out().lots(0.4).price(1.1050).profit(200).at(broker_s(1)),
      DealSpec(303, 7004).sell().out().lots(0.6).price(1.1020).profit(120).at(broker_s(3)),
  });
  ASSERT_EQ(history.closed_trades.size(), 1u);
  const ClosedTrade& t = history.closed_trades[0];
  EXPECT_DOUBLE_EQ(t.volume, 1.0);
  // (0.4 × 1.1050 + 0.6 × 1.1020) / 1.0 = 0.4420 + 0.6612 = 1.1032
  EXPECT_DOUBLE_EQ(t.close_price, 1.1032);
  EXPECT_DOUBLE_EQ(t.pips, 32);  // (1.1032 − 1.1000) / 0.0001
  EXPECT_DOUBLE_EQ(t.profit, 320);
  EXPECT_EQ(t.close_time_ms, utc_ms(3));  // the last exit closes the trade
  EXPECT_EQ(t.deal_tickets, (std::vector<int64_t>{301, 302, 303}));
}

TEST_F(ClosedTradeTest, scaling_in_averages_the_open_price_by_volume) {
  const auto history = normalise({
      DealSpec(401, 7005).buy().in().lots(1.0).price(1.1000).at(broker_s(0)),
      DealSpec(402, 7005).buy().in().lots(1.0).price(1.1100).at(broker_s(1)),
      DealSpec(403, 7005).sell().out().lots(2.0).price(1.1200).at(broker_s(2)),
  });
  ASSERT_EQ(history.closed_trades.size(), 1u);
  EXPECT_DOUBLE_EQ(history.closed_trades[0].volume, 2.0);
  EXPECT_DOUBLE_EQ(history.closed_trades[0].open_price, 1.1050);  // (1.1000 + 1.1100) / 2
  EXPECT_DOUBLE_EQ(history.closed_trades[0].pips, 150);           // (1.1200 − 1.1050) / 0.0001
  EXPECT_EQ(history.closed_trades[0].open_time_ms, utc_ms(0));    // the first entry opens it
}

TEST_F(ClosedTradeTest, volumes_that_do_not_add_up_exactly_in_doubles_still_close) {
  // 0.1 + 0.2 = 0.30000000000000004 ≠ 0.3: the tolerance closes the trade anyway.
  const auto history = normalise({
      DealSpec(501, 7006).buy().in().lots(0.1).price(1.1000).at(broker_s(0)),
      DealSpec(502, 7006).buy().in().lots(0.2).price(1.1000).at(broker_s(1)),
      DealSpec(503, 7006).sell().out().lots(0.3).price(1.1010).at(broker_s(2)),
  });
  ASSERT_EQ(history.closed_trades.size(), 1u);
  EXPECT_TRUE(history.open_position_commission.empty());
}

TEST_F(ClosedTradeTest, sums_commission_swap_and_fee_over_every_deal) {
  const auto history = normalise({
      DealSpec(601, 7007).buy().in().lots(1.0).price(1.1000).commission(-3.5).fee(-0.1).at(
          broker_s(0)),
      DealSpec(602, 7007)
          .sell()
          .out()
          .lots(0.4)
          .price(1.1050)
          .commission(-1.4)
          .swap(-0.28)
          .profit(200)
          .at(broker_s(30)),
      DealSpec(603, 7007)
          .sell()
          .out()
          .lots(0.6)
          .price(1.1020)
          .commission(-2.1)
          .swap(-0.84)
          .fee(-0.2)
          .profit(120)
          .at(broker_s(50)),
  });
  ASSERT_EQ(history.closed_trades.size(), 1u);
  const ClosedTrade& t = history.closed_trades[0];
  EXPECT_DOUBLE_EQ(t.commission, -7.0);    // −3.5 − 1.4 − 2.1
  EXPECT_DOUBLE_EQ(t.swap, -1.12);         // −0.28 − 0.84
  EXPECT_DOUBLE_EQ(t.fee, -0.3);           // −0.1 − 0.2
  EXPECT_DOUBLE_EQ(t.profit, 320);         // 200 + 120
  EXPECT_DOUBLE_EQ(t.net_profit, 311.58);  // 320 − 1.12 − 7 − 0.3
}

TEST_F(ClosedTradeTest, close_reason_comes_from_the_last_exit_deal) {
  const auto history = normalise({
      DealSpec(701, 7008).buy().in().lots(1.0).price(1.1000).at(broker_s(0)),
      DealSpec(702, 7008)
          .sell()
          .out()
          .lots(0.5)
          .price(1.1050)
          .reason(kReasonClient)
          .at(broker_s(1)),
      DealSpec(703, 7008).sell().out().lots(0.5).price(1.1100).reason(kReasonTp).at(broker_s(2)),
      DealSpec(704, 7009).symbol("XAUUSD").buy().in().lots(0.1).price(3985.40).at(broker_s(3)),
      DealSpec(705, 7009)
          .symbol("XAUUSD")
          .sell()
          .out()
          .lots(0.1)
          .price(3962.10)
          .profit(-233)
          .reason(kReasonSl)
          .at(broker_s(4)),
      DealSpec(706, 7010)
          .symbol("US30")
          .sell()
          .in()
          .lots(2.0)
          .price(47210.50)
          .reason(kReasonExpert)
          .at(broker_s(5)),
      DealSpec(707, 7010)
          .symbol("US30")
          .buy()
          .out()
          .lots(2.0)
          .price(47050.25)
          .profit(320.5)
          .reason(kReasonExpert)
          .at(broker_s(6)),
  });
  ASSERT_EQ(history.closed_trades.size(), 3u);
  EXPECT_EQ(history.closed_trades[0].close_reason, "tp");
  EXPECT_EQ(history.closed_trades[1].close_reason, "sl");
  EXPECT_DOUBLE_EQ(history.closed_trades[1].pips, -233);  // (3962.10 − 3985.40) / 0.1
  EXPECT_EQ(history.closed_trades[2].close_reason, "expert");
  EXPECT_DOUBLE_EQ(history.closed_trades[2].pips, 160.25);  // (47050.25 − 47210.50) / 1.0 × −1
  EXPECT_DOUBLE_EQ(history.closed_trades[2].points, 16025);
}

TEST(DealReasonName, names_every_deal_reason) {
  const char* expected[] = {"client", "mobile", "web",      "expert",  "sl",
                            "tp",     "so",     "rollover", "vmargin", "split"};
  for (int32_t reason = 0; reason < 10; ++reason) {
    EXPECT_EQ(deal_reason_name(reason), expected[reason]);
  }
  EXPECT_EQ(deal_reason_name(42), "unknown");
}

TEST_F(ClosedTradeTest, cancelled_deals_are_neither_trades_nor_transactions) {
  const auto history = normalise({
      DealSpec(801, 7011).buy().in().lots(1.0).price(1.1000).at(broker_s(0)),
      // A retyped earlier deal of the same position would otherwise double the volume.
      DealSpec(802, 7011)
          .type(deal_type::kBuyCanceled)
          .in()
          .lots(1.0)
          .price(1.1000)
          .at(broker_s(0.5)),
      DealSpec(803, 7011).sell().out().lots(1.0).price(1.1050).at(broker_s(1)),
      DealSpec(804, 7012)
          .type(deal_type::kSellCanceled)
          .in()
          .lots(0.3)
          .price(1.1000)
          .at(broker_s(2)),
  });
  ASSERT_EQ(history.closed_trades.size(), 1u);
  EXPECT_DOUBLE_EQ(history.closed_trades[0].volume, 1.0);
  EXPECT_EQ(history.closed_trades[0].deal_tickets, (std::vector<int64_t>{801, 803}));
  EXPECT_TRUE(history.transactions.empty());
  EXPECT_TRUE(history.open_position_commission.empty());  // 7012 never existed
}

TEST_F(ClosedTradeTest, deals_seen_twice_count_once) {
  const TradeDeal in =
      DealSpec(901, 7013).buy().in().lots(1.0).price(1.1000).commission(-3.5).at(broker_s(0));
  const TradeDeal out =
      DealSpec(902, 7013).sell().out().lots(1.0).price(1.1050).commission(-3.5).profit(500).at(
          broker_s(1));
  // The padded window (from − 1 day, to + 1 day) returns overlapping pages.
  const auto history = normalise({in, out, out, in});
  ASSERT_EQ(history.closed_trades.size(), 1u);
  EXPECT_DOUBLE_EQ(history.closed_trades[0].volume, 1.0);
  EXPECT_DOUBLE_EQ(history.closed_trades[0].commission, -7.0);
  EXPECT_DOUBLE_EQ(history.closed_trades[0].profit, 500);
}

TEST_F(ClosedTradeTest, unsorted_input_gives_the_same_trade) {
  const auto history = normalise({
      DealSpec(1003, 7014).sell().out().lots(0.6).price(1.1020).at(broker_s(3)),
      DealSpec(1001, 7014).buy().in().lots(1.0).price(1.1000).at(broker_s(0)),
      DealSpec(1002, 7014).sell().out().lots(0.4).price(1.1050).at(broker_s(1)),
  });
  ASSERT_EQ(history.closed_trades.size(), 1u);
  EXPECT_DOUBLE_EQ(history.closed_trades[0].close_price, 1.1032);
  EXPECT_EQ(history.closed_trades[0].deal_tickets, (std::vector<int64_t>{1001, 1002, 1003}));
}

TEST_F(ClosedTradeTest, deals_in_the_same_millisecond_are_ordered_by_ticket) {
  // Entry and exit share a millisecond; the lower ticket (the entry) comes first.
  const auto history = normalise({
      DealSpec(1102, 7015).sell().out().lots(1.0).price(1.1001).at(broker_s(0), 5),
      DealSpec(1101, 7015).buy().in().lots(1.0).price(1.1000).at(broker_s(0), 5),
  });
  ASSERT_EQ(history.closed_trades.size(), 1u);
  EXPECT_DOUBLE_EQ(history.closed_trades[0].open_price, 1.1000);
  EXPECT_DOUBLE_EQ(history.closed_trades[0].duration_hours, 0);
}

TEST_F(ClosedTradeTest, trades_are_ordered_by_close_time_then_ticket) {
  const auto history = normalise({
      DealSpec(1201, 7030).buy().in().lots(1.0).price(1.1).at(broker_s(0)),
      DealSpec(1202, 7030).sell().out().lots(1.0).price(1.1).at(broker_s(5)),
      DealSpec(1203, 7020).buy().in().lots(1.0).price(1.1).at(broker_s(1)),
      DealSpec(1204, 7020).sell().out().lots(1.0).price(1.1).at(broker_s(5)),
      DealSpec(1205, 7040).buy().in().lots(1.0).price(1.1).at(broker_s(2)),
      DealSpec(1206, 7040).sell().out().lots(1.0).price(1.1).at(broker_s(3)),
  });
  ASSERT_EQ(history.closed_trades.size(), 3u);
  EXPECT_EQ(history.closed_trades[0].ticket, 7040);  // closed first
  EXPECT_EQ(history.closed_trades[1].ticket, 7020);  // same close time: lower ticket first
  EXPECT_EQ(history.closed_trades[2].ticket, 7030);
}

TEST_F(ClosedTradeTest, open_positions_report_the_commission_charged_so_far) {
  const auto history = normalise({
      DealSpec(1301, 7050).sell().in().lots(0.3).price(1.1578).commission(-1.05).at(broker_s(0)),
      DealSpec(1302, 7051).buy().in().lots(1.0).price(1.1000).commission(-3.5).at(broker_s(1)),
      DealSpec(1303, 7051).sell().out().lots(0.4).price(1.1050).commission(-1.4).at(broker_s(2)),
  });
  EXPECT_TRUE(history.closed_trades.empty());  // 7051 still holds 0.6 lots
  ASSERT_EQ(history.open_position_commission.size(), 2u);
  EXPECT_EQ(history.open_position_commission[0].first, 7050);
  EXPECT_DOUBLE_EQ(history.open_position_commission[0].second, -1.05);
  EXPECT_EQ(history.open_position_commission[1].first, 7051);
  EXPECT_DOUBLE_EQ(history.open_position_commission[1].second, -4.9);  // −3.5 − 1.4
}

TEST_F(ClosedTradeTest, jpy_pair_pips_use_a_hundredth) {
  const auto history = normalise({
      DealSpec(1401, 7060).symbol("USDJPY").sell().in().lots(0.5).price(152.340).at(broker_s(0)),
      DealSpec(1402, 7060)
          .symbol("USDJPY")
          .buy()
          .out()
          .lots(0.5)
          .price(151.800)
          .profit(177.87)
          .reason(kReasonTp)
          .at(broker_s(28.7)),
  });
  ASSERT_EQ(history.closed_trades.size(), 1u);
  EXPECT_DOUBLE_EQ(history.closed_trades[0].pips, 54);  // (151.800 − 152.340) / 0.01 × −1
}

TEST_F(ClosedTradeTest, unknown_symbol_is_read_as_a_five_digit_quote) {
  const auto history = normalise({
      DealSpec(1501, 7070).symbol("ABCXYZ").buy().in().lots(1.0).price(1.2000).at(broker_s(0)),
      DealSpec(1502, 7070).symbol("ABCXYZ").sell().out().lots(1.0).price(1.2050).at(broker_s(1)),
  });
  ASSERT_EQ(history.closed_trades.size(), 1u);
  EXPECT_DOUBLE_EQ(history.closed_trades[0].points, 500);  // 0.0050 / 0.00001
  EXPECT_DOUBLE_EQ(history.closed_trades[0].pips, 50);     // 0.0050 / 0.0001
}

TEST_F(ClosedTradeTest, times_follow_the_servers_zone_across_a_dst_switch) {
  std::string error;
  const auto zone = TimeZone::load("Europe/Nicosia", &error);
  ASSERT_TRUE(zone) << error;
  clock_ = ServerClock::from_zone(*zone);
  const int64_t open_broker = testing::epoch_s(2025, 10, 24, 12);   // +3: 09:00 UTC
  const int64_t close_broker = testing::epoch_s(2025, 10, 27, 12);  // +2: 10:00 UTC
  TradeDeal in = DealSpec(1601, 7080).buy().in().lots(1.0).price(1.1).at(open_broker);
  in.time_msc = 0;  // only seconds given: time × 1000 is used
  const auto history = normalise({
      in,
      DealSpec(1602, 7080).sell().out().lots(1.0).price(1.1).at(close_broker),
  });
  ASSERT_EQ(history.closed_trades.size(), 1u);
  const ClosedTrade& t = history.closed_trades[0];
  EXPECT_EQ(t.open_time_ms, testing::epoch_s(2025, 10, 24, 9) * 1000);
  EXPECT_EQ(t.close_time_ms, testing::epoch_s(2025, 10, 27, 10) * 1000);
  EXPECT_EQ(t.open_time_broker_ms, open_broker * 1000);
  EXPECT_DOUBLE_EQ(t.duration_hours, 73);  // 3 days + the hour given back in the fall-back
}

}  // namespace
}  // namespace mt5b::host
