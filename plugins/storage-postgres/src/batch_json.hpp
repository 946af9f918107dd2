// One sync's records as JSON arrays, expanded in SQL with json_to_recordset (statements.cpp),
// so a batch of any size is one statement. Field names are the record columns of those
// statements. Times become ISO text (time_text.hpp); empty optional strings become null.
#ifndef MT5B_STORAGE_POSTGRES_BATCH_JSON_HPP
#define MT5B_STORAGE_POSTGRES_BATCH_JSON_HPP

#include "sync_validation.hpp"

#include <cstdint>
#include <span>
#include <string>

namespace mt5b::storage_postgres {

// Each throws sdk::Error(INVALID_ARGUMENT) for a time outside the years 0001-9999 or a number
// that is not finite, naming the record.
std::string deals_json(std::span<const DealInput> deals);
std::string transactions_json(std::span<const mt5b_transaction_record> transactions);
std::string trades_json(std::span<const mt5b_trade_record> trades);
std::string positions_json(std::span<const mt5b_position_record> positions, int64_t now_ms);

// The positions' tickets as a PostgreSQL array literal, "{1,2,3}".
std::string tickets_array(std::span<const mt5b_position_record> positions);

}  // namespace mt5b::storage_postgres

#endif  // MT5B_STORAGE_POSTGRES_BATCH_JSON_HPP
