// Owning copies of the broker ABI's records, MetaTrader 5's own model field for field (MT5.md):
// AccountInfo, TradePosition, TradeDeal, TradeOrder, SymbolInfo, Tick and a backend's state.
// Each lists its fields once (record_fields.hpp), which gives the members, view(), from(), ==,
// printing and for_each_field: a visit by MT5 field name that works on the owning record and on
// the ABI struct alike, so a plugin reading a gateway's JSON or a scenario file, or a test
// comparing records, walks one list instead of naming every field again. Times are the broker
// clock; every instant comes as a pair of seconds and milliseconds (for_each_time_pair).
#ifndef MT5BRIDGE_BROKER_RECORDS_HPP
#define MT5BRIDGE_BROKER_RECORDS_HPP

#include <mt5bridge/record_fields.hpp>

#include <cstdint>
#include <string>

// clang-format off
#define MT5B_ACCOUNT_INFO_FIELDS(F)                                                          \
  F(int64_t, login, 0) F(int32_t, trade_mode, 0) F(int64_t, leverage, 0)                     \
  F(int32_t, limit_orders, 0) F(int32_t, margin_so_mode, 0) F(int32_t, trade_allowed, 0)     \
  F(int32_t, trade_expert, 0) F(int32_t, margin_mode, 0) /* 0 netting, 1 exchange, 2 hedging */ \
  F(int32_t, currency_digits, 0) F(int32_t, fifo_close, 0) F(double, balance, 0)            \
  F(double, credit, 0) F(double, profit, 0) F(double, equity, 0) F(double, margin, 0)       \
  F(double, margin_free, 0) F(double, margin_level, 0) F(double, margin_so_call, 0)         \
  F(double, margin_so_so, 0) F(double, margin_initial, 0) F(double, margin_maintenance, 0)  \
  F(double, assets, 0) F(double, liabilities, 0) F(double, commission_blocked, 0)           \
  F(std::string, name, {}) F(std::string, server, {}) F(std::string, currency, {})          \
  F(std::string, company, {})

#define MT5B_TRADE_POSITION_FIELDS(F)                                                        \
  F(int64_t, ticket, 0) F(int64_t, time, 0) F(int64_t, time_msc, 0)                          \
  F(int64_t, time_update, 0) F(int64_t, time_update_msc, 0)                                  \
  F(int32_t, type, 0) /* POSITION_TYPE: 0 buy, 1 sell */                                     \
  F(int64_t, magic, 0) F(int64_t, identifier, 0) F(int32_t, reason, 0) F(double, volume, 0)  \
  F(double, price_open, 0) F(double, sl, 0) F(double, tp, 0) F(double, price_current, 0)     \
  F(double, swap, 0) F(double, profit, 0) F(std::string, symbol, {})                         \
  F(std::string, comment, {}) F(std::string, external_id, {})

#define MT5B_TRADE_DEAL_FIELDS(F)                                                            \
  F(int64_t, ticket, 0) F(int64_t, order, 0) F(int64_t, time, 0) F(int64_t, time_msc, 0)     \
  F(int32_t, type, 0)   /* DEAL_TYPE */                                                      \
  F(int32_t, entry, 0)  /* DEAL_ENTRY: 0 in, 1 out, 2 inout, 3 out_by */                     \
  F(int64_t, magic, 0) F(int64_t, position_id, 0)                                            \
  F(int32_t, reason, 0) /* DEAL_REASON */                                                    \
  F(double, volume, 0) F(double, price, 0) F(double, commission, 0) F(double, swap, 0)       \
  F(double, profit, 0) F(double, fee, 0) F(std::string, symbol, {})                          \
  F(std::string, comment, {}) F(std::string, external_id, {})

#define MT5B_TRADE_ORDER_FIELDS(F)                                                           \
  F(int64_t, ticket, 0) F(int64_t, time_setup, 0) F(int64_t, time_setup_msc, 0)              \
  F(int64_t, time_done, 0) F(int64_t, time_done_msc, 0) F(int64_t, time_expiration, 0)       \
  F(int32_t, type, 0) F(int32_t, type_time, 0) F(int32_t, type_filling, 0)                   \
  F(int32_t, state, 0) F(int32_t, reason, 0) F(int64_t, magic, 0) F(int64_t, position_id, 0) \
  F(int64_t, position_by_id, 0) F(double, volume_initial, 0) F(double, volume_current, 0)    \
  F(double, price_open, 0) F(double, sl, 0) F(double, tp, 0) F(double, price_current, 0)     \
  F(double, price_stoplimit, 0) F(std::string, symbol, {}) F(std::string, comment, {})       \
  F(std::string, external_id, {})

#define MT5B_SYMBOL_INFO_FIELDS(F)                                                           \
  F(std::string, name, {}) F(int32_t, digits, 0)                                             \
  F(int32_t, trade_calc_mode, 0) /* SYMBOL_CALC_MODE: 0 FOREX, 5 FOREX_NO_LEVERAGE, ... */   \
  F(double, point, 0) F(double, trade_tick_size, 0) F(double, trade_tick_value, 0)           \
  F(double, trade_contract_size, 0) F(std::string, currency_base, {})                        \
  F(std::string, currency_profit, {})

#define MT5B_TICK_FIELDS(F)                                                                  \
  F(int64_t, time, 0) F(int64_t, time_msc, 0) F(double, bid, 0) F(double, ask, 0)            \
  F(double, last, 0) F(uint64_t, volume, 0) F(uint32_t, flags, 0) F(double, volume_real, 0)

#define MT5B_BACKEND_STATE_FIELDS(F)                                                         \
  F(std::string, name, {}) F(uint32_t, state, MT5B_BACKEND_CONNECTED)                        \
  F(std::string, last_error, {}) F(int64_t, sessions, 0)
// clang-format on

namespace mt5b::sdk::records {

struct AccountInfo {
  MT5B_RECORD(AccountInfo, mt5b_account_info, MT5B_ACCOUNT_INFO_FIELDS)
  bool operator==(const AccountInfo&) const = default;
};

struct TradePosition {
  MT5B_RECORD(TradePosition, mt5b_trade_position, MT5B_TRADE_POSITION_FIELDS)
  bool operator==(const TradePosition&) const = default;
};

struct TradeDeal {
  MT5B_RECORD(TradeDeal, mt5b_trade_deal, MT5B_TRADE_DEAL_FIELDS)
  bool operator==(const TradeDeal&) const = default;
};

struct TradeOrder {
  MT5B_RECORD(TradeOrder, mt5b_trade_order, MT5B_TRADE_ORDER_FIELDS)
  bool operator==(const TradeOrder&) const = default;
};

struct SymbolInfo {
  MT5B_RECORD(SymbolInfo, mt5b_symbol_info, MT5B_SYMBOL_INFO_FIELDS)
  bool operator==(const SymbolInfo&) const = default;
};

struct Tick {
  MT5B_RECORD(Tick, mt5b_tick, MT5B_TICK_FIELDS)
  bool operator==(const Tick&) const = default;
};

struct BackendState {
  MT5B_RECORD(BackendState, mt5b_backend_state, MT5B_BACKEND_STATE_FIELDS)
  bool operator==(const BackendState&) const = default;
};

// The (seconds, milliseconds) pairs in which MT5 reports an instant, by field name; `visit`
// gets (seconds name, milliseconds name, seconds field, milliseconds field) for each pair the
// record (owning or ABI) has.
template <class Record, class Visit>
void for_each_time_pair(Record& r, Visit&& visit) {
  if constexpr (requires { r.time_msc; }) visit("time", "time_msc", r.time, r.time_msc);
  if constexpr (requires { r.time_update_msc; })
    visit("time_update", "time_update_msc", r.time_update, r.time_update_msc);
  if constexpr (requires { r.time_setup_msc; })
    visit("time_setup", "time_setup_msc", r.time_setup, r.time_setup_msc);
  if constexpr (requires { r.time_done_msc; })
    visit("time_done", "time_done_msc", r.time_done, r.time_done_msc);
}

// floor(msc / 1000): the second a millisecond instant falls in, before the epoch too.
constexpr int64_t seconds_of_msc(int64_t msc) noexcept {
  return msc >= 0 ? msc / 1000 : -((-msc + 999) / 1000);
}

}  // namespace mt5b::sdk::records

#endif  // MT5BRIDGE_BROKER_RECORDS_HPP
