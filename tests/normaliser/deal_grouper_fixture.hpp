// A NormaliseContext over a fixed UTC+2 server, a few known symbols, and a recorded
// fetch_position_deals, shared by the deal grouper's tests.
#pragma once

#include "normaliser/deal_grouper.hpp"

#include "normaliser_test_support.hpp"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace mt5b::host::testing {

class DealGrouperTest : public ::testing::Test {
 public:
  // Broker wall-clock seconds of `hours` after Monday 2025-11-03 10:00 on the server.
  static int64_t broker_s(double hours) {
    return epoch_s(2025, 11, 3, 10) + static_cast<int64_t>(hours * 3600);
  }
  // The same instant in UTC milliseconds on this UTC+2 server.
  static int64_t utc_ms(double hours) { return (broker_s(hours) - 7200) * 1000; }

 protected:
  NormalisedHistory normalise(const std::vector<TradeDeal>& deals) {
    NormaliseContext ctx;
    ctx.clock = &clock_;
    ctx.pip_rules = &rules_;
    ctx.symbol_info = [this](const std::string& name) -> std::optional<SymbolInfo> {
      const auto it = symbols_.find(name);
      if (it == symbols_.end()) return std::nullopt;
      return it->second;
    };
    if (fetch_enabled_) {
      ctx.fetch_position_deals = [this](int64_t position_id) {
        fetched_positions_.push_back(position_id);
        const auto it = fetchable_.find(position_id);
        return it == fetchable_.end() ? std::vector<TradeDeal>{} : it->second;
      };
    }
    return normalise_deals(deals, ctx);
  }

  ServerClock clock_ = ServerClock::from_offset(7200, OffsetSource::configured_offset);
  PipRules rules_;
  std::map<std::string, SymbolInfo> symbols_ = {
      {"EURUSD", fx_symbol("EURUSD", 5)}, {"GBPUSD.r", fx_symbol("GBPUSD.r", 5)},
      {"USDJPY", fx_symbol("USDJPY", 3)}, {"XAUUSD", cfd_symbol("XAUUSD", 2, 2)},
      {"US30", cfd_symbol("US30", 2, 3)},
  };
  // position_id → what history_deals_get(position=) returns.
  std::map<int64_t, std::vector<TradeDeal>> fetchable_;
  bool fetch_enabled_ = true;
  std::vector<int64_t> fetched_positions_;
};

}  // namespace mt5b::host::testing
