// MetaTrader 5's records as the host holds them: the SDK's owning broker records (field names as
// ../shared/MT5.md, copied out of the broker ABI's borrowed structs). Times are the broker clock
// (see MT5.md, "Time").
#pragma once

#include <mt5bridge/broker_records.hpp>

#include <cstdint>

namespace mt5b::host {

using sdk::records::AccountInfo;
using sdk::records::SymbolInfo;
using sdk::records::Tick;
using sdk::records::TradeDeal;
using sdk::records::TradePosition;

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
