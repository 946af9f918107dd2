// Readers of the MT5 records in a scenario (AccountInfo, TradePosition, TradeDeal, TradeOrder,
// SymbolInfo, Tick). Keys are MT5's field names exactly (MT5.md); an absent field reads as 0 or
// "", and keys the ABI struct has no field for are ignored, so `x._asdict()` dumps from a real
// terminal load as they are.
#ifndef MT5B_BROKER_MOCK_RECORDS_HPP
#define MT5B_BROKER_MOCK_RECORDS_HPP

#include "json_reader.hpp"
#include "scenario.hpp"

namespace mt5b::broker_mock {

mt5b_account_info read_account_info(const ObjectReader& record, StringPool& pool);
mt5b_trade_position read_position(const ObjectReader& record, StringPool& pool);
mt5b_trade_deal read_deal(const ObjectReader& record, StringPool& pool);
mt5b_trade_order read_order(const ObjectReader& record, StringPool& pool);
mt5b_symbol_info read_symbol(const ObjectReader& record, StringPool& pool);
mt5b_tick read_tick(const ObjectReader& record);

}  // namespace mt5b::broker_mock

#endif  // MT5B_BROKER_MOCK_RECORDS_HPP
