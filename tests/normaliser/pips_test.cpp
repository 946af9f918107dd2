// Points and pips of a price move, and broker symbols without their suffixes (MT5.md, "Pips").
#include "normaliser/pips.hpp"

#include "normaliser_test_support.hpp"

#include <gtest/gtest.h>

namespace mt5b::host {
namespace {

using testing::cfd_symbol;
using testing::fx_symbol;

constexpr int kBuy = 1, kSell = -1;
constexpr int32_t kCalcCfd = 2, kCalcCfdIndex = 3, kCalcFutures = 1, kCalcForexNoLeverage = 5;

PriceMove move(const SymbolInfo& symbol, double open, double close, int direction,
               const PipRules& rules = {}) {
  return price_move(symbol, canonical_symbol(symbol.name), open, close, direction, rules);
}

// --- FX: decided by calc mode --------------------------------------------------------------

TEST(PriceMove, five_digit_fx_pip_is_ten_points_and_sign_follows_direction) {
  const SymbolInfo eurusd = fx_symbol("EURUSD", 5);
  // (1.1050 − 1.1000) / 0.00001 = 500 points; / 0.0001 = 50 pips.
  const PriceMove buy = move(eurusd, 1.1000, 1.1050, kBuy);
  EXPECT_DOUBLE_EQ(buy.points, 500);
  EXPECT_DOUBLE_EQ(buy.pips, 50);
  EXPECT_DOUBLE_EQ(buy.pip_size, 0.0001);
  // The same move on a sell lost 50 pips.
  EXPECT_DOUBLE_EQ(move(eurusd, 1.1000, 1.1050, kSell).pips, -50);
}

TEST(PriceMove, three_digit_jpy_pip_is_one_hundredth) {
  // Sell 152.340 → 151.800: (151.800 − 152.340) / 0.01 × −1 = 54 pips; / 0.001 × −1 = 540 points.
  const PriceMove m = move(fx_symbol("USDJPY", 3), 152.340, 151.800, kSell);
  EXPECT_DOUBLE_EQ(m.pips, 54);
  EXPECT_DOUBLE_EQ(m.points, 540);
  EXPECT_DOUBLE_EQ(m.pip_size, 0.01);
}

TEST(PriceMove, four_and_two_digit_fx_pip_is_the_point) {
  // 4 digits: (1.1050 − 1.1000) / 0.0001 = 50 pips = 50 points.
  const PriceMove four = move(fx_symbol("EURUSD", 4), 1.1000, 1.1050, kBuy);
  EXPECT_DOUBLE_EQ(four.pips, 50);
  EXPECT_DOUBLE_EQ(four.points, 50);
  // 2 digits: (151.80 − 152.34) / 0.01 × −1 = 54 pips = 54 points.
  const PriceMove two = move(fx_symbol("USDJPY", 2), 152.34, 151.80, kSell);
  EXPECT_DOUBLE_EQ(two.pips, 54);
  EXPECT_DOUBLE_EQ(two.points, 54);
}

TEST(PriceMove, fx_with_a_suffix_is_fx_because_of_its_calc_mode) {
  SymbolInfo suffixed = fx_symbol("EURUSD.r", 5);
  suffixed.trade_calc_mode = kCalcForexNoLeverage;
  EXPECT_DOUBLE_EQ(move(suffixed, 1.1000, 1.1050, kBuy).pips, 50);
}

TEST(PriceMove, a_fx_looking_name_with_a_cfd_calc_mode_is_not_fx) {
  // The name is never used to decide FX: a CFD named EURUSD gets pip = point.
  // (1.1050 − 1.1000) / 0.00001 = 500.
  SymbolInfo cfd = fx_symbol("EURUSD", 5);
  cfd.trade_calc_mode = kCalcCfd;
  EXPECT_DOUBLE_EQ(move(cfd, 1.1000, 1.1050, kBuy).pips, 500);
}

TEST(PriceMove, falls_back_to_ten_to_the_minus_digits_when_point_is_missing) {
  SymbolInfo eurusd = fx_symbol("EURUSD", 5);
  eurusd.point = 0;
  EXPECT_DOUBLE_EQ(move(eurusd, 1.1000, 1.1050, kBuy).points, 500);
}

// --- Metals, indices, crypto: by PipRules ----------------------------------------------------

TEST(PriceMove, gold_pip_is_a_tenth_whatever_its_calc_mode) {
  // Buy 3985.40 → 3962.10: (3962.10 − 3985.40) / 0.01 = −2330 points; / 0.1 = −233 pips.
  const PriceMove cfd = move(cfd_symbol("XAUUSD", 2, kCalcCfd), 3985.40, 3962.10, kBuy);
  EXPECT_DOUBLE_EQ(cfd.points, -2330);
  EXPECT_DOUBLE_EQ(cfd.pips, -233);
  // Brokers often give gold the FOREX calc mode; a gold pip is still 0.1.
  SymbolInfo forex_gold = fx_symbol("XAUUSD.s", 2);
  EXPECT_DOUBLE_EQ(move(forex_gold, 3985.40, 3962.10, kBuy).pips, -233);
}

TEST(PriceMove, silver_pip_is_a_hundredth) {
  // Buy 30.000 → 30.250: 0.25 / 0.001 = 250 points; / 0.01 = 25 pips.
  const PriceMove m = move(cfd_symbol("XAGUSD", 3, kCalcCfd), 30.000, 30.250, kBuy);
  EXPECT_DOUBLE_EQ(m.points, 250);
  EXPECT_DOUBLE_EQ(m.pips, 25);
}

TEST(PriceMove, index_by_calc_mode_pip_is_one_point_of_the_index) {
  // Sell US30 47210.50 → 47050.25: −160.25 × −1 = 160.25 index points → 16025 points (0.01),
  // 160.25 pips (1.0).
  const PriceMove m = move(cfd_symbol("US30", 2, kCalcCfdIndex), 47210.50, 47050.25, kSell);
  EXPECT_DOUBLE_EQ(m.points, 16025);
  EXPECT_DOUBLE_EQ(m.pips, 160.25);
  // An index the list does not know is still an index by its calc mode: 12 / 1.0 = 12 pips.
  EXPECT_DOUBLE_EQ(move(cfd_symbol("SWI20", 1, kCalcCfdIndex), 12000.0, 12012.0, kBuy).pips, 12);
}

TEST(PriceMove, known_index_names_are_indices_under_other_calc_modes) {
  // NAS100 as a plain CFD: (18050.5 − 18000.0) / 1.0 = 50.5 pips.
  EXPECT_DOUBLE_EQ(move(cfd_symbol("NAS100", 1, kCalcCfd), 18000.0, 18050.5, kBuy).pips, 50.5);
  EXPECT_DOUBLE_EQ(move(cfd_symbol("GER40.cash", 1, kCalcFutures), 18000.0, 17990.0, kBuy).pips,
                   -10);
}

TEST(PriceMove, crypto_pip_is_one_unit) {
  // Buy BTCUSD 65000.00 → 65250.50: 250.5 / 0.01 = 25050 points; / 1.0 = 250.5 pips.
  const PriceMove m = move(cfd_symbol("BTCUSD", 2, kCalcCfd), 65000.00, 65250.50, kBuy);
  EXPECT_DOUBLE_EQ(m.points, 25050);
  EXPECT_DOUBLE_EQ(m.pips, 250.5);
  // Even when the broker files it under FOREX: 250.5 pips, not 25050.
  EXPECT_DOUBLE_EQ(move(fx_symbol("BTCUSDm", 2), 65000.00, 65250.50, kBuy).pips, 250.5);
  EXPECT_DOUBLE_EQ(move(cfd_symbol("ETHUSD", 2, kCalcCfd), 3000.00, 2990.00, kSell).pips, 10);
}

TEST(PriceMove, per_symbol_rule_overrides_the_class_and_is_keyed_by_canonical_name) {
  PipRules rules;
  rules.per_symbol["US30"] = 0.1;
  // US30.cash → US30: 160.25 / 0.1 = 1602.5 pips.
  const PriceMove m =
      move(cfd_symbol("US30.cash", 2, kCalcCfdIndex), 47210.50, 47050.25, kSell, rules);
  EXPECT_DOUBLE_EQ(m.pips, 1602.5);
  EXPECT_DOUBLE_EQ(m.pip_size, 0.1);
  EXPECT_DOUBLE_EQ(m.points, 16025);  // points never depend on the rules
}

TEST(PriceMove, class_rules_are_configurable) {
  PipRules rules;
  rules.xau = 0.01;
  // Gold with 0.01 pips: −23.30 / 0.01 = −2330.
  EXPECT_DOUBLE_EQ(move(cfd_symbol("XAUUSD", 2, kCalcCfd), 3985.40, 3962.10, kBuy, rules).pips,
                   -2330);
}

TEST(PriceMove, anything_else_uses_the_point) {
  // A future on corn, 2 digits: 0.50 / 0.01 = 50.
  EXPECT_DOUBLE_EQ(move(cfd_symbol("CORN", 2, kCalcFutures), 450.00, 450.50, kBuy).pips, 50);
}

TEST(PriceMove, removes_floating_point_noise) {
  // 1.1032 − 1.1000 is 0.0031999999999998696 in doubles; the result is exactly 32 pips.
  const PriceMove m = move(fx_symbol("EURUSD", 5), 1.1000, 1.1032, kBuy);
  EXPECT_EQ(m.pips, 32.0);
  EXPECT_EQ(m.points, 320.0);
}

// --- canonical_symbol --------------------------------------------------------------------------

TEST(CanonicalSymbol, strips_broker_suffixes_and_prefixes) {
  for (const char* broker : {"EURUSD.r", "EURUSDm", "EURUSD-pro", "EURUSD_i", "#EURUSD", "EURUSD.a",
                             "EURUSD+", "EURUSD.ecn", "EURUSDmicro", "EURUSD"}) {
    EXPECT_EQ(canonical_symbol(broker), "EURUSD") << broker;
  }
  EXPECT_EQ(canonical_symbol("XAUUSD.s"), "XAUUSD");
  EXPECT_EQ(canonical_symbol("US30.cash"), "US30");
  EXPECT_EQ(canonical_symbol("US30Cash"), "US30");
  EXPECT_EQ(canonical_symbol("BTCUSDm"), "BTCUSD");
}

TEST(CanonicalSymbol, leaves_plain_names_alone) {
  for (const char* name : {"US30", "XAUUSD", "BTCUSD", "NAS100", "GER40", "JPN225", "SPX500"}) {
    EXPECT_EQ(canonical_symbol(name), name);
  }
}

TEST(CanonicalSymbol, upper_cases_without_dropping_an_all_lower_case_name) {
  EXPECT_EQ(canonical_symbol("eurusd"), "EURUSD");
  EXPECT_EQ(canonical_symbol("Ger40"), "GER40");
  EXPECT_EQ(canonical_symbol(""), "");
}

}  // namespace
}  // namespace mt5b::host
