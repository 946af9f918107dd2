#include "statement_params.hpp"

#include "time_text.hpp"

#include <mt5bridge/sdk.hpp>

namespace mt5b::storage_postgres {

std::optional<std::string> time_param(int64_t epoch_ms, std::string_view field) {
  if (epoch_ms == 0) return std::nullopt;
  auto text = format_utc_ms(epoch_ms);
  if (!text) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT, std::string(field) + " is " + std::to_string(epoch_ms) +
                                                " ms, outside the years 0001-9999; send Unix "
                                                "epoch milliseconds, or 0 for none");
  }
  return text;
}

std::optional<std::string> optional_text(mt5b_str value) {
  if (value.size == 0) return std::nullopt;
  return sdk::copy(value);
}

std::optional<int64_t> limit_param(int64_t limit) {
  if (limit == 0) return std::nullopt;
  return limit;
}

}  // namespace mt5b::storage_postgres
