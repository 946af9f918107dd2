// The fixture every conformance test derives from: an empty store of its own, one plugin
// instance on it (created with a FakeHost whose clock reads the wall clock at SetUp), migrated
// with on_migrate, and the helpers the specifications read with.
#ifndef MT5B_CONFORMANCE_CONFORMANCE_TEST_HPP
#define MT5B_CONFORMANCE_CONFORMANCE_TEST_HPP

#include "fresh_store.hpp"
#include "records.hpp"
#include "sample_data.hpp"
#include "store_instance.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mt5b::conformance {

::testing::AssertionResult is_ok(const CallResult& result);
::testing::AssertionResult has_status(mt5b_status expected, const CallResult& result);

#define EXPECT_OK(call) EXPECT_TRUE(::mt5b::conformance::is_ok(call))
#define ASSERT_OK(call) ASSERT_TRUE(::mt5b::conformance::is_ok(call))
#define EXPECT_STATUS(status, call) EXPECT_TRUE(::mt5b::conformance::has_status(status, call))

// Whether the plugin provides a slot, by the slot's name in mt5b_storage_vtable.
#define MT5B_SLOT(slot)                      \
  ::mt5b::conformance::SlotPresence {        \
#slot, plugin().vtable().slot != nullptr \
  }
// Skips the test, naming what is missing, when the plugin lacks any of the slots.
#define MT5B_REQUIRE_SLOTS(...)                                           \
  do {                                                                    \
    const std::string missing_slots_ = missing_slots({__VA_ARGS__});      \
    if (!missing_slots_.empty())                                          \
      GTEST_SKIP() << "the plugin does not provide " << missing_slots_    \
                   << " (optional in ABI 1.1), so this check cannot run"; \
  } while (0)

struct RowCounts {
  size_t positions = 0, trades = 0, deals = 0, transactions = 0, sync_logs = 0;
  bool operator==(const RowCounts&) const = default;
};
std::ostream& operator<<(std::ostream& out, const RowCounts& counts);

class StorageConformance : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  const PluginLibrary& plugin() const;
  StoreInstance& store() { return *store_; }
  const std::string& config() const { return fresh_->config(); }
  // Closes the test's own instance (e.g. before fork); store() is unusable afterwards.
  void destroy_main_instance() { store_.reset(); }
  // Another instance on this test's store, as another host process would open it.
  std::unique_ptr<StoreInstance> open_instance() const;
  // The wall clock at SetUp (the FakeHost's clock) in UTC epoch ms.
  int64_t now() const { return now_ms_; }
  std::string missing_slots(std::initializer_list<SlotPresence> slots) const;

  // ---- helpers that fail the test (ADD_FAILURE) when the plugin refuses ----
  void add(const Account& account);
  std::optional<Account> fetch(const std::string& id);
  std::optional<Credential> fetch_credential(const std::string& account_id);
  std::vector<std::string> list_ids(const mt5b_account_query& query);
  int64_t count(const mt5b_account_query& query);

  static mt5b_record_query records_of(const std::string& account_id);
  std::vector<Position> positions(const mt5b_record_query& query);
  std::vector<Trade> trades(const mt5b_record_query& query);
  std::vector<Deal> deals(const mt5b_record_query& query);
  std::vector<Transaction> transactions(const mt5b_record_query& query);
  std::vector<SyncLog> sync_logs(const mt5b_record_query& query);
  // Every synced row of an account, read through the list slots.
  RowCounts row_counts(const std::string& account_id);

  // Leases for `owner` at `now_ms`; `account_id` empty = due accounts. The emitted ids.
  CallResult lease(const std::string& owner, int64_t now_ms, int64_t limit,
                   std::vector<std::string>& ids, const std::string& account_id = {},
                   int64_t ttl_ms = 60'000);
  std::vector<std::string> leased_ids(const std::string& owner, int64_t now_ms, int64_t limit,
                                      int64_t ttl_ms = 60'000);
  // Leases `account` by id for `owner` and applies `batch`, failing the test on refusal.
  mt5b_sync_apply_result lease_and_apply(const SyncBatch& batch);

 private:
  std::unique_ptr<FreshStore> fresh_;
  std::unique_ptr<StoreInstance> store_;
  int64_t now_ms_ = 0;
};

}  // namespace mt5b::conformance

#endif  // MT5B_CONFORMANCE_CONFORMANCE_TEST_HPP
