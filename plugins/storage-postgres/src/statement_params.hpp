// Values as statement parameters: what becomes NULL, and times as timestamptz text.
#ifndef MT5B_STORAGE_POSTGRES_STATEMENT_PARAMS_HPP
#define MT5B_STORAGE_POSTGRES_STATEMENT_PARAMS_HPP

#include <mt5bridge/abi.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mt5b::storage_postgres {

// An epoch-ms time as timestamptz text ("...Z"); 0 = NULL (nullopt).
// Errors: INVALID_ARGUMENT naming `field` outside the years 0001-9999.
std::optional<std::string> time_param(int64_t epoch_ms, std::string_view field);

// Empty text is NULL, as storage-sqlite stores it.
std::optional<std::string> optional_text(mt5b_str value);

// A limit of 0 ("no limit") is NULL, which LIMIT reads as "all".
std::optional<int64_t> limit_param(int64_t limit);

}  // namespace mt5b::storage_postgres

#endif  // MT5B_STORAGE_POSTGRES_STATEMENT_PARAMS_HPP
