// AccountInfo in the seeds' JSON shapes (stories 3.2 and 3.3): the API's view of an MT5 account.
#pragma once

#include "api/json_response.hpp"
#include "normaliser/mt5_records.hpp"

namespace mt5b::host {

// Writes the members shared by both shapes: balance, equity, margin, free_margin, margin_level,
// currency, leverage, profit. Story 3.2 adds `server`; story 3.3 adds `credit` and
// `positions_count`.
void write_account_connect_shape(JsonWriter& w, const AccountInfo& info);
void write_account_info_shape(JsonWriter& w, const AccountInfo& info, int64_t positions_count);

}  // namespace mt5b::host
