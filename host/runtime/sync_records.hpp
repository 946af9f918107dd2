// What one sync writes and what the store gives back about syncs, as host C++ types. The
// StorageClient turns them into the ABI 1.1 records (mt5b_sync_apply and friends).
#pragma once

#include "normaliser/deal_grouper.hpp"
#include "normaliser/mt5_records.hpp"
#include "normaliser/position_view.hpp"
#include "runtime/storage_client.hpp"

#include <optional>
#include <string>
#include <vector>

namespace mt5b::host {

struct SyncLog {
  std::string id;
  std::string account_id;
  std::string sync_type = "scheduled";  // scheduled | manual | realtime
  std::string status = "processing";    // processing | success | failed | partial
  int64_t started_at_ms = 0;
  int64_t completed_at_ms = 0;
  int64_t trades_synced = 0;
  int64_t deals_synced = 0;
  int64_t duration_ms = 0;
  std::string error_message;
};

struct StoredDeal {
  Mt5Deal deal;
  int64_t time_ms = 0;  // UTC
};

struct SyncApply {
  std::string lease_owner;
  Account account;  // sync state, and the snapshot when snapshot_valid
  bool snapshot_valid = false;
  std::vector<OpenPosition> positions;
  bool replace_positions = false;
  std::vector<ClosedTrade> trades;
  std::vector<StoredDeal> deals;
  std::vector<AccountTransaction> transactions;
  std::optional<SyncLog> log;
};

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

struct AuditEvent {
  std::string id;
  int64_t at_ms = 0;
  std::string actor, action, subject, details_json;
};

}  // namespace mt5b::host
