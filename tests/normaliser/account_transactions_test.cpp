// Non-trade deals become account transactions (MT5.md, "Deals → closed trades", rule 1).
#include "deal_grouper_fixture.hpp"

namespace mt5b::host {
namespace {

using testing::DealGrouperTest;
using testing::DealSpec;

using AccountTransactionTest = DealGrouperTest;

// A balance-type deal as MT5 reports it: no symbol, no position, the money in `profit`.
TradeDeal money_deal(int64_t ticket, int32_t type, double profit, double hours) {
  TradeDeal d = DealSpec(ticket, 0).type(type).profit(profit).at(DealGrouperTest::broker_s(hours));
  d.symbol.clear();
  return d;
}

TEST_F(AccountTransactionTest, balance_deals_are_deposits_or_withdrawals_by_sign) {
  TradeDeal deposit = money_deal(1, deal_type::kBalance, 10000, 0);
  deposit.comment = "Deposit";
  const auto history = normalise({
      deposit, money_deal(2, deal_type::kBalance, -500, 1),
      money_deal(3, deal_type::kBalance, 0, 2),  // zero counts as a deposit (amount ≥ 0)
  });
  ASSERT_EQ(history.transactions.size(), 3u);
  EXPECT_EQ(history.transactions[0].kind, "deposit");
  EXPECT_DOUBLE_EQ(history.transactions[0].amount, 10000);
  EXPECT_EQ(history.transactions[0].comment, "Deposit");
  EXPECT_EQ(history.transactions[0].deal_type, deal_type::kBalance);
  EXPECT_EQ(history.transactions[1].kind, "withdrawal");
  EXPECT_DOUBLE_EQ(history.transactions[1].amount, -500);
  EXPECT_EQ(history.transactions[2].kind, "deposit");
  EXPECT_TRUE(history.closed_trades.empty());
}

TEST_F(AccountTransactionTest, names_every_other_money_deal_type) {
  using namespace deal_type;
  const std::vector<std::pair<int32_t, std::string>> expected = {
      {kCredit, "credit"},
      {kCharge, "charge"},
      {kCorrection, "correction"},
      {kBonus, "bonus"},
      {kCommission, "commission"},
      {kCommissionDaily, "commission"},
      {kCommissionMonthly, "commission"},
      {kCommissionAgentDaily, "commission"},
      {kCommissionAgentMonthly, "commission"},
      {kInterest, "interest"},
      {kDividend, "dividend"},
      {kDividendFranked, "dividend"},
      {kTax, "tax"},
      {99, "other"},  // a type newer than MT5.md is kept, so balances still add up
  };
  std::vector<TradeDeal> deals;
  for (size_t i = 0; i < expected.size(); ++i) {
    deals.push_back(
        money_deal(static_cast<int64_t>(100 + i), expected[i].first, -1.0, static_cast<double>(i)));
  }
  const auto history = normalise(deals);
  ASSERT_EQ(history.transactions.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(history.transactions[i].deal_type, expected[i].first);
    EXPECT_EQ(history.transactions[i].kind, expected[i].second)
        << "deal type " << expected[i].first;
  }
}

TEST_F(AccountTransactionTest, amount_is_profit_plus_commission_swap_and_fee) {
  TradeDeal d = money_deal(200, deal_type::kCommissionDaily, -1.25, 0);
  d.commission = -2.5;
  d.swap = -0.5;
  d.fee = -0.25;
  const auto history = normalise({d});
  ASSERT_EQ(history.transactions.size(), 1u);
  EXPECT_DOUBLE_EQ(history.transactions[0].amount, -4.5);  // −1.25 − 2.5 − 0.5 − 0.25
}

TEST_F(AccountTransactionTest, carries_utc_and_broker_times_and_is_ordered_by_time_then_ticket) {
  const auto history = normalise({
      money_deal(303, deal_type::kBalance, 100, 5), money_deal(302, deal_type::kBalance, 100, 1),
      money_deal(301, deal_type::kBalance, 100, 5),
      money_deal(301, deal_type::kBalance, 100, 5),  // the same deal twice counts once
  });
  ASSERT_EQ(history.transactions.size(), 3u);
  EXPECT_EQ(history.transactions[0].ticket, 302);
  EXPECT_EQ(history.transactions[1].ticket, 301);
  EXPECT_EQ(history.transactions[2].ticket, 303);
  EXPECT_EQ(history.transactions[0].time_broker_ms, broker_s(1) * 1000);
  EXPECT_EQ(history.transactions[0].time_ms, utc_ms(1));  // two hours earlier on a +2 server
}

TEST_F(AccountTransactionTest, trade_deals_never_become_transactions) {
  const auto history = normalise({
      money_deal(401, deal_type::kBalance, 1000, 0),
      DealSpec(402, 8001).buy().in().lots(1.0).price(1.1).commission(-3.5).at(broker_s(1)),
  });
  ASSERT_EQ(history.transactions.size(), 1u);
  EXPECT_EQ(history.transactions[0].ticket, 401);
}

}  // namespace
}  // namespace mt5b::host
