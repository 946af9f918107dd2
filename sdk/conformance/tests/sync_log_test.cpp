// Sync logs outside an apply: put (insert or replace by id), get, and the account's list,
// newest first.
#include "conformance_test.hpp"

namespace mt5b::conformance {
namespace {

class SyncLogs : public StorageConformance {
 protected:
  void SetUp() override {
    StorageConformance::SetUp();
    if (HasFatalFailure()) return;
    MT5B_REQUIRE_SLOTS(MT5B_SLOT(on_sync_log_put), MT5B_SLOT(on_sync_log_get),
                       MT5B_SLOT(on_sync_log_list));
    add(account_);
  }
  std::optional<SyncLog> get(const std::string& id) {
    std::optional<SyncLog> log;
    EXPECT_OK(store().get_sync_log(id, log));
    return log;
  }
  const Account account_ = sample_account(1, 1);
};

TEST_F(SyncLogs, put_then_get_round_trips_every_field) {
  SyncLog log = sample_sync_log(account_.id, 1);
  log.sync_type = "manual";
  log.status = "partial";
  log.error_message = "2 of 5 positions could not be read — retrying ✓";
  log.trades_synced = 7;
  log.deals_synced = 19;
  log.duration_ms = 2'345;
  ASSERT_OK(store().put_sync_log(log));
  EXPECT_EQ(log, get(log.id));
}

TEST_F(SyncLogs, a_processing_log_has_no_completion_time_until_it_is_replaced) {
  SyncLog log = sample_sync_log(account_.id, 1);
  log.status = "processing";
  log.completed_at_ms = 0;
  log.trades_synced = 0;
  log.deals_synced = 0;
  log.duration_ms = 0;
  ASSERT_OK(store().put_sync_log(log));
  EXPECT_EQ(log, get(log.id));

  SyncLog done = sample_sync_log(account_.id, 1);
  ASSERT_OK(store().put_sync_log(done));
  EXPECT_EQ(done, get(log.id));
  EXPECT_EQ(1u, sync_logs(records_of(account_.id)).size()) << "replaced, not added";
}

TEST_F(SyncLogs, get_of_an_unknown_log_is_not_found) {
  std::optional<SyncLog> log;
  EXPECT_STATUS(MT5B_NOT_FOUND, store().get_sync_log(sample_uuid(IdKind::sync_log, 404), log));
}

TEST_F(SyncLogs, list_is_newest_first_and_filters_by_an_inclusive_start_range) {
  std::vector<SyncLog> logs;
  for (int n : {2, 0, 3, 1}) {
    logs.push_back(sample_sync_log(account_.id, n));
    ASSERT_OK(store().put_sync_log(logs.back()));
  }
  const Account other = sample_account(2, 1);
  add(other);
  ASSERT_OK(store().put_sync_log(sample_sync_log(other.id, 9)));
  auto by_n = [&](int n) { return sample_sync_log(account_.id, n); };

  auto query = records_of(account_.id);
  EXPECT_EQ((std::vector<SyncLog>{by_n(3), by_n(2), by_n(1), by_n(0)}), sync_logs(query));
  query.from_ms = by_n(1).started_at_ms;
  query.to_ms = by_n(2).started_at_ms;
  EXPECT_EQ((std::vector<SyncLog>{by_n(2), by_n(1)}), sync_logs(query));
  query.from_ms = 0;
  query.to_ms = 0;
  query.limit = 2;
  query.offset = 1;
  EXPECT_EQ((std::vector<SyncLog>{by_n(2), by_n(1)}), sync_logs(query));
}

}  // namespace
}  // namespace mt5b::conformance
