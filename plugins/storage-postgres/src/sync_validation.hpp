// Checks one sync apply before anything is written (storage contract: an invalid record
// anywhere fails the whole apply with INVALID_ARGUMENT and nothing is written), and copies the
// caller's arrays into structs of this plugin's own size.
#ifndef MT5B_STORAGE_POSTGRES_SYNC_VALIDATION_HPP
#define MT5B_STORAGE_POSTGRES_SYNC_VALIDATION_HPP

#include <mt5bridge/abi.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mt5b::storage_postgres {

struct DealInput {
  mt5b_trade_deal deal;  // the record's deal, copied
  int64_t time_ms = 0;   // the record's UTC time
};

struct CheckedApply {
  std::string account_id;
  mt5b_account_record account;
  std::vector<mt5b_position_record> positions;
  std::vector<mt5b_trade_record> trades;
  std::vector<DealInput> deals;
  std::vector<mt5b_transaction_record> transactions;
  std::optional<mt5b_sync_log_record> sync_log;
};

// Errors: INVALID_ARGUMENT naming the first offending record: no account or an account id that
// is not a UUID; a record whose non-empty account_id differs from the account's; a trade or
// position whose type is not "buy"/"sell"; a deal record without its deal; a transaction without
// a kind; the same position ticket or trade (position_id, segment) twice; a sync log without id,
// type or status.
CheckedApply check_apply(const mt5b_sync_apply& apply);

// Lowercase or uppercase 8-4-4-4-12 hex: what PostgreSQL's uuid type reads.
bool is_uuid(std::string_view text);

}  // namespace mt5b::storage_postgres

#endif  // MT5B_STORAGE_POSTGRES_SYNC_VALIDATION_HPP
