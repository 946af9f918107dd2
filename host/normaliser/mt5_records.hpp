// MetaTrader 5's records as the host holds them (field names as ../shared/MT5.md), copied out
// of the broker ABI's borrowed structs. Times are the broker clock (see MT5.md, "Time").
#pragma once

#include <cstdint>
#include <string>

namespace mt5b::host {

struct Mt5AccountInfo {
  int64_t login = 0;
  int32_t trade_mode = 0;
  int64_t leverage = 0;
  int32_t margin_mode = 0;  // 0 netting, 1 exchange, 2 hedging
  int32_t currency_digits = 2;
  double balance = 0, credit = 0, profit = 0, equity = 0, margin = 0, margin_free = 0,
         margin_level = 0;
  std::string name, server, currency, company;
};

struct Mt5Position {
  int64_t ticket = 0;
  int64_t time = 0, time_msc = 0, time_update = 0, time_update_msc = 0;
  int32_t type = 0;  // POSITION_TYPE: 0 buy, 1 sell
  int64_t magic = 0, identifier = 0;
  int32_t reason = 0;
  double volume = 0, price_open = 0, sl = 0, tp = 0, price_current = 0, swap = 0, profit = 0;
  std::string symbol, comment, external_id;
};

struct Mt5Deal {
  int64_t ticket = 0, order = 0;
  int64_t time = 0, time_msc = 0;
  int32_t type = 0;    // DEAL_TYPE
  int32_t entry = 0;   // DEAL_ENTRY: 0 in, 1 out, 2 inout, 3 out_by
  int32_t reason = 0;  // DEAL_REASON
  int64_t magic = 0, position_id = 0;
  double volume = 0, price = 0, commission = 0, swap = 0, profit = 0, fee = 0;
  std::string symbol, comment, external_id;
};

struct Mt5SymbolInfo {
  std::string name;
  int32_t digits = 5;
  int32_t trade_calc_mode = 0;  // SYMBOL_CALC_MODE: 0 FOREX, 5 FOREX_NO_LEVERAGE, ...
  double point = 0.00001;
  double trade_tick_size = 0, trade_tick_value = 0, trade_contract_size = 0;
  std::string currency_base, currency_profit;
};

struct Mt5Tick {
  int64_t time = 0, time_msc = 0;  // broker clock
  double bid = 0, ask = 0, last = 0;
};

// DEAL_TYPE, DEAL_ENTRY and DEAL_REASON values the normaliser branches on (MT5.md).
namespace deal_type {
inline constexpr int32_t kBuy = 0, kSell = 1, kBalance = 2, kCredit = 3, kCharge = 4,
                         kCorrection = 5, kBonus = 6, kCommission = 7, kCommissionDaily = 8,
                         kCommissionMonthly = 9, kCommissionAgentDaily = 10,
                         kCommissionAgentMonthly = 11, kInterest = 12, kBuyCanceled = 13,
                         kSellCanceled = 14, kDividend = 15, kDividendFranked = 16, kTax = 17;
}
namespace deal_entry {
inline constexpr int32_t kIn = 0, kOut = 1, kInOut = 2, kOutBy = 3;
}

}  // namespace mt5b::host
