// Builds one sync apply (mt5b_sync_apply) for tests: records with realistic values whose strings
// and arrays stay alive as long as the batch.
#ifndef MT5B_STORAGE_POSTGRES_TESTS_SYNC_BATCH_HPP
#define MT5B_STORAGE_POSTGRES_TESTS_SYNC_BATCH_HPP

#include "pg_test_support.hpp"

#include <deque>
#include <string>
#include <vector>

namespace mt5b::storage_postgres::testing {

// 2025-11-12T08:00:00.000Z, and the broker's clock at UTC+2 at that instant.
inline constexpr int64_t kSyncNowMs = 1'762'934'400'000;
inline constexpr int64_t kBrokerOffsetS = 7200;

class SyncBatch {
 public:
  SyncBatch(std::string account_id, std::string lease_owner);

  // The account's new sync state (and snapshot, unless snapshot_valid is cleared).
  mt5b_account_record& account() { return account_; }
  mt5b_position_record& position(int64_t ticket, const std::string& type = "buy");
  mt5b_trade_record& trade(int64_t position_id, int32_t segment = 0,
                           const std::string& type = "sell");
  // A BUY/SELL deal at `time_ms` UTC (broker clock = UTC+2).
  mt5b_deal_record& deal(int64_t ticket, int64_t time_ms);
  mt5b_trade_deal& deal_of(int64_t ticket);
  mt5b_transaction_record& transaction(int64_t ticket, const std::string& kind, double amount,
                                       int64_t time_ms);
  mt5b_sync_log_record& log(const std::string& id);

  uint32_t snapshot_valid = 1;
  uint32_t replace_positions = 0;

  // Valid until the batch changes or goes.
  const mt5b_sync_apply& apply();

 private:
  Strings s_;
  std::string account_id_;
  std::string owner_;
  mt5b_account_record account_;
  std::deque<mt5b_position_record> positions_;
  std::deque<mt5b_trade_record> trades_;
  std::deque<mt5b_trade_deal> trade_deals_;
  std::deque<mt5b_deal_record> deals_;
  std::deque<mt5b_transaction_record> transactions_;
  std::deque<mt5b_sync_log_record> logs_;
  // Contiguous copies handed to the store.
  std::vector<mt5b_position_record> position_array_;
  std::vector<mt5b_trade_record> trade_array_;
  std::vector<mt5b_deal_record> deal_array_;
  std::vector<mt5b_transaction_record> transaction_array_;
  mt5b_sync_apply apply_;
};

// Leases `account_id` for `owner` until now + 60 s (the host clock's now).
void lease_for(PostgresStorage& store, const std::string& account_id, const std::string& owner,
               int64_t now_ms);

}  // namespace mt5b::storage_postgres::testing

#endif  // MT5B_STORAGE_POSTGRES_TESTS_SYNC_BATCH_HPP
