// What a sync writes and what the store gives back about syncs: the SDK's owning storage records
// (SyncApply, SyncLog, Deal, Audit: mt5bridge/records.hpp) and the host's queries of them.
#pragma once

#include "normaliser/deal_grouper.hpp"
#include "normaliser/mt5_records.hpp"
#include "normaliser/position_view.hpp"
#include "runtime/storage_client.hpp"

#include <mt5bridge/records.hpp>

#include <string>

namespace mt5b::host {

struct SyncApplyResult {
  int64_t deals_inserted = 0;
  int64_t trades_inserted = 0;
  int64_t transactions_inserted = 0;
};

struct RecordQuery {
  std::string account_id;
  std::string symbol;
  int64_t from_ms = 0, to_ms = 0, limit = 0, offset = 0;
};

}  // namespace mt5b::host
