// One sync's records as JSON arrays, expanded in SQL with json_to_recordset (statements.cpp),
// so a batch of any size is one statement. Field names are the record columns of those
// statements. Times become ISO text (time_text.hpp); empty optional strings become null.
#ifndef MT5B_STORAGE_POSTGRES_BATCH_JSON_HPP
#define MT5B_STORAGE_POSTGRES_BATCH_JSON_HPP

#include "sync_validation.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace mt5b::storage_postgres {

// The rows of one account's records, each naming `account_id` first, as JSON objects joined
// by commas without the array's brackets ("" for none), so the rows of several accounts join
// into one array (append_rows). Each throws sdk::Error(INVALID_ARGUMENT) for a time outside
// the years 0001-9999 or a number that is not finite, naming the record.
std::string deals_json(std::string_view account_id, std::span<const DealInput> deals);
std::string transactions_json(std::string_view account_id,
                              std::span<const mt5b_transaction_record> transactions);
std::string trades_json(std::string_view account_id, std::span<const mt5b_trade_record> trades);
std::string positions_json(std::string_view account_id,
                           std::span<const mt5b_position_record> positions, int64_t now_ms);

// One whole apply, encoded for statements.cpp's kSyncWrite and kSyncPositions, which write a
// group of applies at once.
struct ApplyRows {
  // The account's id and sync state, its snapshot when snapshot_valid, whether its other open
  // positions go (replace_positions) and its sync log, as one JSON object. Not its user_id,
  // which comes from the locked row (append_account).
  std::string account;
  std::string deals, transactions, trades, positions;  // as the functions above
};
// A snapshot value that is NaN or infinite is stored as such. Errors: as above.
ApplyRows apply_rows(const CheckedApply& checked, bool snapshot_valid, bool replace_positions,
                     int64_t now_ms);

// Adds `account` (ApplyRows::account) with "user_id" to the JSON array being built in `array`
// ("[" so far, or "[" and earlier elements; the caller closes it with "]").
void append_account(std::string& array, std::string_view account, std::string_view user_id);
// Adds rows (the functions above) to the JSON array being built in `array`.
void append_rows(std::string& array, std::string_view rows);

}  // namespace mt5b::storage_postgres

#endif  // MT5B_STORAGE_POSTGRES_BATCH_JSON_HPP
