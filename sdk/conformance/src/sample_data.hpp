// Records the tests store: every field set to something distinct, ids as lowercase UUIDs (a
// PostgreSQL store keeps ids in uuid columns), numbers within what every SQL type holds.
#ifndef MT5B_CONFORMANCE_SAMPLE_DATA_HPP
#define MT5B_CONFORMANCE_SAMPLE_DATA_HPP

#include "records.hpp"
#include "store_instance.hpp"

#include <optional>
#include <string>
#include <vector>

namespace mt5b::conformance {

// 2025-11-12T10:30:00.000Z: the sample records' times are around it.
inline constexpr int64_t kSampleBaseMs = 1'762'943'400'000;
// The broker offset of the samples: UTC+02:00.
inline constexpr int64_t kSampleOffsetS = 7200;

// Kinds of id, the first group of the UUID, so a failure message shows what an id names.
enum class IdKind : unsigned { account = 0xacc, user = 0x05e4, sync_log = 0x10c, audit = 0xa0d };
std::string sample_uuid(IdKind kind, int n);

Account sample_account(int n, int user);
Credential sample_credential(const Account& account);
Position sample_position(const std::string& account_id, int n);
Trade sample_trade(const std::string& account_id, int n);
Deal sample_deal(const std::string& account_id, int n);
Transaction sample_transaction(const std::string& account_id, int n);
SyncLog sample_sync_log(const std::string& account_id, int n);
Audit sample_audit(int n, const std::string& subject);

// Everything one sync writes, owning its data; apply() lays it out as an mt5b_sync_apply.
struct SyncBatch {
  std::string lease_owner;
  Account account;  // its sync state and (snapshot_valid) snapshot are applied
  bool snapshot_valid = true;
  bool replace_positions = false;
  std::vector<Position> positions;
  std::vector<Trade> trades;
  std::vector<Deal> deals;
  std::vector<Transaction> transactions;
  std::optional<SyncLog> sync_log;
  bool null_deal_last = false;  // appends a deal record with no TradeDeal (invalid)
};

// A batch for `account` with 2 positions, 2 closed trades, 3 deals, 2 transactions, a sync
// log, a new snapshot and new sync state.
SyncBatch sample_batch(const Account& account, const std::string& lease_owner);

CallResult apply(StoreInstance& store, const SyncBatch& batch, mt5b_sync_apply_result& result);

}  // namespace mt5b::conformance

#endif  // MT5B_CONFORMANCE_SAMPLE_DATA_HPP
