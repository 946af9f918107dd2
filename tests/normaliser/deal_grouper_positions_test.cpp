// DealGrouper across positions: netting reversals (INOUT), hedging close-by (OUT_BY), and
// positions whose opening deal lies before the fetched window.
#include "deal_grouper_fixture.hpp"

namespace mt5b::host {
namespace {

using testing::DealGrouperTest;
using testing::DealSpec;
using testing::kReasonTp;

using NettingReversalTest = DealGrouperTest;
using CloseByTest = DealGrouperTest;
using OpeningOutsideWindowTest = DealGrouperTest;

// --- Netting: INOUT --------------------------------------------------------------------------

// Buy 1.0, then sell 1.5 in one deal: closes the 1.0 buy and opens a 0.5 sell.
std::vector<TradeDeal> reversal_deals() {
  return {
      DealSpec(5502, 8801)
          .symbol("GBPUSD.r")
          .buy()
          .in()
          .lots(1.0)
          .price(1.3385)
          .commission(-3.0)
          .at(DealGrouperTest::broker_s(0)),
      DealSpec(5503, 8801)
          .symbol("GBPUSD.r")
          .sell()
          .inout()
          .lots(1.5)
          .price(1.3412)
          .commission(-4.5)
          .swap(-1.12)
          .profit(270)
          .at(DealGrouperTest::broker_s(28)),
  };
}

TEST_F(NettingReversalTest, closes_the_held_volume_as_segment_0) {
  const auto history = normalise(reversal_deals());
  ASSERT_EQ(history.closed_trades.size(), 1u);
  const ClosedTrade& t = history.closed_trades[0];
  EXPECT_EQ(t.ticket, 8801);
  EXPECT_EQ(t.segment, 0);
  EXPECT_EQ(t.type, "buy");
  EXPECT_DOUBLE_EQ(t.volume, 1.0);
  EXPECT_DOUBLE_EQ(t.open_price, 1.3385);
  EXPECT_DOUBLE_EQ(t.close_price, 1.3412);
  EXPECT_DOUBLE_EQ(t.pips, 27);  // (1.3412 − 1.3385) / 0.0001
  // The reversal's profit and swap belong to the closed volume; its commission is split by
  // volume: −4.5 × 1.0 / 1.5 = −3.0 here, −1.5 to the new segment.
  EXPECT_DOUBLE_EQ(t.profit, 270);
  EXPECT_DOUBLE_EQ(t.swap, -1.12);
  EXPECT_DOUBLE_EQ(t.commission, -6.0);    // −3.0 entry − 3.0 share
  EXPECT_DOUBLE_EQ(t.net_profit, 262.88);  // 270 − 1.12 − 6
  EXPECT_EQ(t.deal_tickets, (std::vector<int64_t>{5502, 5503}));
}

TEST_F(NettingReversalTest, the_remainder_is_an_open_sell_segment_until_closed) {
  const auto history = normalise(reversal_deals());
  ASSERT_EQ(history.open_position_commission.size(), 1u);
  EXPECT_EQ(history.open_position_commission[0].first, 8801);
  EXPECT_DOUBLE_EQ(history.open_position_commission[0].second, -1.5);  // −4.5 × 0.5 / 1.5
}

TEST_F(NettingReversalTest, closing_the_remainder_makes_segment_1_keyed_by_the_reversal_deal) {
  auto deals = reversal_deals();
  deals.push_back(DealSpec(5504, 8801)
                      .symbol("GBPUSD.r")
                      .buy()
                      .out()
                      .lots(0.5)
                      .price(1.3379)
                      .commission(-1.5)
                      .swap(-0.8)
                      .profit(165)
                      .reason(kReasonTp)
                      .at(broker_s(70)));
  const auto history = normalise(deals);
  ASSERT_EQ(history.closed_trades.size(), 2u);
  const ClosedTrade& t = history.closed_trades[1];
  EXPECT_EQ(t.ticket, 5503);  // the INOUT deal's ticket
  EXPECT_EQ(t.position_id, 8801);
  EXPECT_EQ(t.segment, 1);
  EXPECT_EQ(t.type, "sell");
  EXPECT_DOUBLE_EQ(t.volume, 0.5);  // 1.5 − 1.0
  EXPECT_DOUBLE_EQ(t.open_price, 1.3412);
  EXPECT_DOUBLE_EQ(t.close_price, 1.3379);
  EXPECT_DOUBLE_EQ(t.pips, 33);  // (1.3379 − 1.3412) / 0.0001 × −1
  EXPECT_DOUBLE_EQ(t.profit, 165);
  EXPECT_DOUBLE_EQ(t.swap, -0.8);
  EXPECT_DOUBLE_EQ(t.commission, -3.0);   // −1.5 share of the reversal − 1.5 exit
  EXPECT_DOUBLE_EQ(t.net_profit, 161.2);  // 165 − 0.8 − 3.0
  EXPECT_EQ(t.open_time_ms, utc_ms(28));
  EXPECT_EQ(t.close_reason, "tp");
  EXPECT_EQ(t.deal_tickets, (std::vector<int64_t>{5503, 5504}));
  EXPECT_TRUE(history.open_position_commission.empty());
}

TEST_F(NettingReversalTest, splits_the_reversal_fee_by_volume_too) {
  auto deals = reversal_deals();
  deals[1].fee = -0.3;
  deals.push_back(
      DealSpec(5504, 8801).symbol("GBPUSD.r").buy().out().lots(0.5).price(1.3379).at(broker_s(70)));
  const auto history = normalise(deals);
  ASSERT_EQ(history.closed_trades.size(), 2u);
  EXPECT_DOUBLE_EQ(history.closed_trades[0].fee, -0.2);  // −0.3 × 1.0 / 1.5
  EXPECT_DOUBLE_EQ(history.closed_trades[1].fee, -0.1);  // −0.3 × 0.5 / 1.5
}

TEST_F(NettingReversalTest, an_inout_no_larger_than_the_position_just_closes_it) {
  const auto history = normalise({
      DealSpec(5601, 8802).buy().in().lots(1.0).price(1.1000).at(broker_s(0)),
      DealSpec(5602, 8802).sell().inout().lots(1.0).price(1.1010).commission(-3).at(broker_s(1)),
  });
  ASSERT_EQ(history.closed_trades.size(), 1u);
  EXPECT_DOUBLE_EQ(history.closed_trades[0].commission, -3);
  EXPECT_TRUE(history.open_position_commission.empty());
}

// --- Hedging: OUT_BY ---------------------------------------------------------------------------

TEST_F(CloseByTest, closes_both_opposite_positions_with_profit_as_each_deal_reports_it) {
  const auto history = normalise({
      DealSpec(6001, 9101).buy().in().lots(1.0).price(1.1000).at(broker_s(0)),
      DealSpec(6002, 9102).sell().in().lots(1.0).price(1.1040).at(broker_s(1)),
      // Close-by: both deals trade at the sell's open price; the pair's whole profit
      // ((1.1040 − 1.1000) × 100 000 = 400) sits on the buy's deal.
      DealSpec(6003, 9101).sell().out_by().lots(1.0).price(1.1040).profit(400).at(broker_s(2)),
      DealSpec(6004, 9102).buy().out_by().lots(1.0).price(1.1040).profit(0).at(broker_s(2)),
  });
  ASSERT_EQ(history.closed_trades.size(), 2u);
  const ClosedTrade& buy = history.closed_trades[0];
  const ClosedTrade& sell = history.closed_trades[1];
  EXPECT_EQ(buy.ticket, 9101);
  EXPECT_DOUBLE_EQ(buy.profit, 400);
  EXPECT_DOUBLE_EQ(buy.pips, 40);  // (1.1040 − 1.1000) / 0.0001
  EXPECT_EQ(sell.ticket, 9102);
  EXPECT_DOUBLE_EQ(sell.profit, 0);
  EXPECT_DOUBLE_EQ(sell.pips, 0);  // closed at its own open price
  EXPECT_EQ(buy.close_time_ms, sell.close_time_ms);
  EXPECT_TRUE(history.open_position_commission.empty());
}

TEST_F(CloseByTest, a_smaller_opposite_position_closes_only_part_of_the_larger) {
  const auto history = normalise({
      DealSpec(6101, 9201).buy().in().lots(1.0).price(1.1000).commission(-3.5).at(broker_s(0)),
      DealSpec(6102, 9202).sell().in().lots(0.6).price(1.1040).commission(-2.1).at(broker_s(1)),
      DealSpec(6103, 9201).sell().out_by().lots(0.6).price(1.1040).profit(240).at(broker_s(2)),
      DealSpec(6104, 9202).buy().out_by().lots(0.6).price(1.1040).at(broker_s(2)),
  });
  ASSERT_EQ(history.closed_trades.size(), 1u);
  EXPECT_EQ(history.closed_trades[0].ticket, 9202);
  ASSERT_EQ(history.open_position_commission.size(), 1u);  // 0.4 of 9201 is still open
  EXPECT_EQ(history.open_position_commission[0].first, 9201);
  EXPECT_DOUBLE_EQ(history.open_position_commission[0].second, -3.5);
}

// --- Opening deal before the window (MT5.md, rule 6) ------------------------------------------

TEST_F(OpeningOutsideWindowTest, fetches_the_positions_deals_and_merges_them_once) {
  const TradeDeal in =
      DealSpec(7001, 9301).buy().in().lots(1.0).price(1.1000).commission(-3.5).at(broker_s(-48));
  const TradeDeal out = DealSpec(7002, 9301)
                          .sell()
                          .out()
                          .lots(1.0)
                          .price(1.1050)
                          .commission(-3.5)
                          .profit(500)
                          .reason(testing::kReasonSl)
                          .at(broker_s(1));
  // history_deals_get(position=) returns the exit again, plus a cancelled retyped deal.
  fetchable_[9301] = {
      in, out, DealSpec(7003, 9301).type(deal_type::kBuyCanceled).in().lots(1.0).at(broker_s(-47))};
  const auto history = normalise({out});
  EXPECT_EQ(fetched_positions_, (std::vector<int64_t>{9301}));
  ASSERT_EQ(history.closed_trades.size(), 1u);
  const ClosedTrade& t = history.closed_trades[0];
  EXPECT_DOUBLE_EQ(t.open_price, 1.1000);
  EXPECT_DOUBLE_EQ(t.volume, 1.0);
  EXPECT_DOUBLE_EQ(t.commission, -7.0);  // each deal once: −3.5 − 3.5
  EXPECT_DOUBLE_EQ(t.duration_hours, 49);
  EXPECT_EQ(t.open_time_ms, utc_ms(-48));
  EXPECT_EQ(t.close_reason, "sl");
  EXPECT_EQ(t.deal_tickets, (std::vector<int64_t>{7001, 7002}));
}

TEST_F(OpeningOutsideWindowTest, skips_the_position_when_its_opening_cannot_be_found) {
  const auto history = normalise({
      DealSpec(7102, 9302).sell().out().lots(1.0).price(1.1050).profit(500).at(broker_s(1)),
  });
  EXPECT_EQ(fetched_positions_, (std::vector<int64_t>{9302}));
  EXPECT_TRUE(history.closed_trades.empty());
  EXPECT_TRUE(history.open_position_commission.empty());
}

TEST_F(OpeningOutsideWindowTest, skips_the_position_when_no_fetch_is_available) {
  fetch_enabled_ = false;
  const auto history = normalise({
      DealSpec(7202, 9303).sell().out().lots(1.0).price(1.1050).at(broker_s(1)),
  });
  EXPECT_TRUE(history.closed_trades.empty());
}

TEST_F(OpeningOutsideWindowTest, never_fetches_a_position_whose_opening_is_in_the_window) {
  const auto history = normalise({
      DealSpec(7301, 9304).buy().in().lots(1.0).price(1.1000).at(broker_s(0)),
      DealSpec(7302, 9304).sell().out().lots(1.0).price(1.1050).at(broker_s(1)),
      DealSpec(7303, 9305).buy().in().lots(1.0).price(1.1000).at(broker_s(2)),
  });
  EXPECT_TRUE(fetched_positions_.empty());
  EXPECT_EQ(history.closed_trades.size(), 1u);
}

}  // namespace
}  // namespace mt5b::host
