#include "records.hpp"

#include <mt5bridge/broker_records.hpp>

#include <limits>
#include <string>
#include <type_traits>

namespace mt5b::broker_mock {
namespace {

constexpr int64_t kMaxEpochSeconds = std::numeric_limits<int64_t>::max() / 1000;

// MT5 reports every instant twice, as seconds and as milliseconds. A scenario may give either
// or both; both must name the same second so a typo cannot make the two disagree.
void read_time_pair(const ObjectReader& record, std::string_view seconds_key,
                    std::string_view msc_key, int64_t& seconds, int64_t& msc) {
  bool has_seconds = record.read(seconds_key, seconds);
  bool has_msc = record.read(msc_key, msc);
  if (has_seconds && (seconds > kMaxEpochSeconds || seconds < -kMaxEpochSeconds))
    fail_at(record.path_of(seconds_key), "is not a plausible epoch time in seconds");
  if (has_seconds && !has_msc) {
    msc = seconds * 1000;
  } else if (!has_seconds && has_msc) {
    seconds = sdk::records::seconds_of_msc(msc);
  } else if (has_seconds && has_msc && sdk::records::seconds_of_msc(msc) != seconds) {
    fail_at(record.path_of(msc_key), "(" + std::to_string(msc) +
                                         ") does not fall in the second given by " +
                                         std::string(seconds_key) + " (" + std::to_string(seconds) +
                                         "); give both for the same instant, or only one of them");
  }
}

int64_t required_ticket(const ObjectReader& record) {
  auto ticket = record.required<int64_t>("ticket");
  if (ticket <= 0) fail_at(record.path_of("ticket"), "must be a positive ticket number");
  return ticket;
}

// Reads every field of the record's list under its MT5 name, then completes its time pairs.
// `pool` keeps the strings (may be null for records without any).
template <class Record, class Abi>
Abi read_record(const ObjectReader& r, StringPool* pool) {
  auto out = sdk::make<Abi>();
  Record::for_each_field(out, [&](const char* key, auto& field) {
    if constexpr (std::is_same_v<std::decay_t<decltype(field)>, mt5b_str>)
      r.read(key, field, *pool);
    else
      r.read(key, field);
  });
  sdk::records::for_each_time_pair(
      out, [&](const char* seconds_key, const char* msc_key, int64_t& seconds, int64_t& msc) {
        read_time_pair(r, seconds_key, msc_key, seconds, msc);
      });
  return out;
}

}  // namespace

mt5b_account_info read_account_info(const ObjectReader& r, StringPool& pool) {
  return read_record<sdk::records::AccountInfo, mt5b_account_info>(r, &pool);
}

mt5b_trade_position read_position(const ObjectReader& r, StringPool& pool) {
  required_ticket(r);
  auto out = read_record<sdk::records::TradePosition, mt5b_trade_position>(r, &pool);
  // MT5 sets the identifier to the ticket of the opening order, which is the position's ticket
  // unless the position was reversed on a netting account; default to that.
  if (!r.read("identifier", out.identifier)) out.identifier = out.ticket;
  return out;
}

mt5b_trade_deal read_deal(const ObjectReader& r, StringPool& pool) {
  required_ticket(r);
  return read_record<sdk::records::TradeDeal, mt5b_trade_deal>(r, &pool);
}

mt5b_trade_order read_order(const ObjectReader& r, StringPool& pool) {
  required_ticket(r);
  return read_record<sdk::records::TradeOrder, mt5b_trade_order>(r, &pool);
}

mt5b_symbol_info read_symbol(const ObjectReader& r, StringPool& pool) {
  if (r.required<std::string>("name").empty()) fail_at(r.path_of("name"), "must not be empty");
  return read_record<sdk::records::SymbolInfo, mt5b_symbol_info>(r, &pool);
}

mt5b_tick read_tick(const ObjectReader& r) {
  return read_record<sdk::records::Tick, mt5b_tick>(r, nullptr);
}

}  // namespace mt5b::broker_mock
