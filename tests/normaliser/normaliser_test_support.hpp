// Small builders that keep the normaliser's tests readable: calendar times and MT5 deals.
#pragma once

#include "normaliser/mt5_records.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace mt5b::host::testing {

// Seconds since the epoch of a calendar time read as UTC. MT5 times are broker wall clock
// encoded the same way, so this also builds broker times.
inline int64_t epoch_s(int year, unsigned month, unsigned day, int hour = 0, int minute = 0,
                       int second = 0) {
  using namespace std::chrono;
  const sys_days date = std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day};
  return duration_cast<seconds>(date.time_since_epoch()).count() + hour * 3600 + minute * 60 +
         second;
}

// A trade deal in one line: DealSpec(101, 7001).buy().in().lots(1.0).price(1.1).at(t).
class DealSpec {
 public:
  DealSpec(int64_t ticket, int64_t position_id) {
    deal_.ticket = ticket;
    deal_.order = ticket;
    deal_.position_id = position_id;
    deal_.symbol = "EURUSD";
  }
  DealSpec& buy() { return type(deal_type::kBuy); }
  DealSpec& sell() { return type(deal_type::kSell); }
  DealSpec& type(int32_t value) {
    deal_.type = value;
    return *this;
  }
  DealSpec& in() { return entry(deal_entry::kIn); }
  DealSpec& out() { return entry(deal_entry::kOut); }
  DealSpec& inout() { return entry(deal_entry::kInOut); }
  DealSpec& out_by() { return entry(deal_entry::kOutBy); }
  DealSpec& entry(int32_t value) {
    deal_.entry = value;
    return *this;
  }
  // Broker wall-clock seconds; time_msc follows.
  DealSpec& at(int64_t broker_s, int64_t extra_ms = 0) {
    deal_.time = broker_s;
    deal_.time_msc = broker_s * 1000 + extra_ms;
    return *this;
  }
  DealSpec& lots(double value) {
    deal_.volume = value;
    return *this;
  }
  DealSpec& price(double value) {
    deal_.price = value;
    return *this;
  }
  DealSpec& profit(double value) {
    deal_.profit = value;
    return *this;
  }
  DealSpec& commission(double value) {
    deal_.commission = value;
    return *this;
  }
  DealSpec& swap(double value) {
    deal_.swap = value;
    return *this;
  }
  DealSpec& fee(double value) {
    deal_.fee = value;
    return *this;
  }
  DealSpec& reason(int32_t value) {
    deal_.reason = value;
    return *this;
  }
  DealSpec& symbol(std::string value) {
    deal_.symbol = std::move(value);
    return *this;
  }
  DealSpec& comment(std::string value) {
    deal_.comment = std::move(value);
    return *this;
  }
  operator TradeDeal() const { return deal_; }

 private:
  TradeDeal deal_;
};

inline SymbolInfo fx_symbol(std::string name, int32_t digits) {
  SymbolInfo info;
  info.name = std::move(name);
  info.digits = digits;
  info.point = digits == 5 ? 0.00001 : digits == 4 ? 0.0001 : digits == 3 ? 0.001 : 0.01;
  info.trade_calc_mode = 0;  // FOREX
  return info;
}

inline SymbolInfo cfd_symbol(std::string name, int32_t digits, int32_t calc_mode) {
  SymbolInfo info;
  info.name = std::move(name);
  info.digits = digits;
  info.point = digits == 1 ? 0.1 : digits == 2 ? 0.01 : 0.001;
  info.trade_calc_mode = calc_mode;
  return info;
}

inline constexpr int32_t kReasonClient = 0, kReasonExpert = 3, kReasonSl = 4, kReasonTp = 5;

}  // namespace mt5b::host::testing
