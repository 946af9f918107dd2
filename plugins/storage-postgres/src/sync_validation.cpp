#include "sync_validation.hpp"

#include <mt5bridge/sdk.hpp>

#include <set>
#include <utility>

namespace mt5b::storage_postgres {
namespace {

using sdk::view;

[[noreturn]] void refuse(const std::string& sentence) {
  throw sdk::Error(MT5B_INVALID_ARGUMENT, sentence + "; nothing of this sync was written");
}

// Copies an array the caller built with its own struct size (the first element's struct_size
// is the stride), so a producer built against an older or newer ABI minor reads correctly.
template <class T>
std::vector<T> read_array(const T* first, uint32_t count, const char* what) {
  std::vector<T> out;
  if (count == 0) return out;
  if (first == nullptr) refuse(std::string(what) + " has a count but no records");
  const uint32_t stride = first->struct_size;
  if (stride < sizeof(uint32_t)) refuse(std::string(what) + " has records without struct_size");
  out.reserve(count);
  const auto* bytes = reinterpret_cast<const unsigned char*>(first);
  for (uint32_t i = 0; i < count; ++i) {
    T element;
    sdk::read_struct(reinterpret_cast<const T*>(bytes + static_cast<size_t>(i) * stride), element);
    out.push_back(element);
  }
  return out;
}

void check_account_id(mt5b_str record_account, const std::string& account_id,
                      const std::string& what) {
  if (record_account.size != 0 && view(record_account) != account_id) {
    refuse(what + " names account '" + sdk::copy(record_account) + "' but the sync is for '" +
           account_id + "'; send each account's records in its own apply");
  }
}

void check_side(mt5b_str type, const std::string& what) {
  const std::string_view side = view(type);
  if (side != "buy" && side != "sell") {
    refuse(what + " has type '" + std::string(side) + "'; it must be \"buy\" or \"sell\"");
  }
}

}  // namespace

bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

CheckedApply check_apply(const mt5b_sync_apply& apply) {
  CheckedApply out;
  if (!sdk::read_struct(apply.account, out.account)) {
    refuse("the sync apply carries no account; set apply.account to the account's new state");
  }
  out.account_id = sdk::copy(out.account.id);
  if (!is_uuid(out.account_id)) {
    refuse("the sync apply's account id '" + out.account_id + "' is not a UUID");
  }

  out.positions = read_array(apply.positions, apply.position_count, "positions");
  std::set<int64_t> tickets;
  for (const mt5b_position_record& p : out.positions) {
    const std::string what = "position " + std::to_string(p.ticket);
    check_account_id(p.account_id, out.account_id, what);
    check_side(p.type, what);
    if (!tickets.insert(p.ticket).second) refuse(what + " appears twice; send it once");
  }

  out.trades = read_array(apply.trades, apply.trade_count, "trades");
  std::set<std::pair<int64_t, int32_t>> trade_keys;
  for (const mt5b_trade_record& t : out.trades) {
    const std::string what =
        "trade " + std::to_string(t.position_id) + " segment " + std::to_string(t.segment);
    check_account_id(t.account_id, out.account_id, what);
    check_side(t.type, what);
    if (!trade_keys.insert({t.position_id, t.segment}).second) {
      refuse(what + " appears twice; send it once");
    }
  }

  for (const mt5b_deal_record& record : read_array(apply.deals, apply.deal_count, "deals")) {
    DealInput input;
    if (!sdk::read_struct(record.deal, input.deal)) {
      refuse("a deal record has no deal (deal == NULL); attach the TradeDeal it stands for");
    }
    input.time_ms = record.time_ms;
    check_account_id(record.account_id, out.account_id,
                     "deal " + std::to_string(input.deal.ticket));
    out.deals.push_back(input);
  }

  out.transactions = read_array(apply.transactions, apply.transaction_count, "transactions");
  for (const mt5b_transaction_record& t : out.transactions) {
    const std::string what = "transaction " + std::to_string(t.ticket);
    check_account_id(t.account_id, out.account_id, what);
    if (t.kind.size == 0) {
      refuse(what + " has an empty kind; name it (deposit, withdrawal, credit, ...)");
    }
  }

  if (apply.sync_log != nullptr) {
    mt5b_sync_log_record log;
    sdk::read_struct(apply.sync_log, log);
    check_account_id(log.account_id, out.account_id, "the sync log");
    if (!is_uuid(view(log.id)))
      refuse("the sync log's id '" + sdk::copy(log.id) + "' is not a UUID");
    if (log.sync_type.size == 0 || log.status.size == 0) {
      refuse("the sync log needs a sync_type (scheduled, manual, realtime) and a status");
    }
    out.sync_log = log;
  }
  return out;
}

}  // namespace mt5b::storage_postgres
