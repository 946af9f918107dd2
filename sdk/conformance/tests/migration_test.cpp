// on_migrate_to: moving the schema up and down. Down steps undo exactly what their up step did,
// so data in the tables of older versions survives down and up again.
#include "conformance_test.hpp"

namespace mt5b::conformance {
namespace {

class Migrations : public StorageConformance {
 protected:
  void SetUp() override {
    StorageConformance::SetUp();
    if (HasFatalFailure()) return;
    MT5B_REQUIRE_SLOTS(MT5B_SLOT(on_migrate_to));
    ASSERT_OK(store().migrate_to(-1, latest_));
    ASSERT_GE(latest_, 1) << "-1 must report the latest version the plugin knows";
  }
  int64_t latest_ = -1;
};

TEST_F(Migrations, migrate_to_latest_is_idempotent) {
  const Account account = sample_account(1, 1);
  add(account);
  int64_t version = -1;
  EXPECT_OK(store().migrate_to(-1, version));
  EXPECT_EQ(latest_, version);
  EXPECT_OK(store().migrate_to(latest_, version));
  EXPECT_EQ(latest_, version);
  EXPECT_OK(store().migrate());
  EXPECT_EQ(account, fetch(account.id));
}

TEST_F(Migrations, an_unknown_version_is_invalid_argument) {
  int64_t version = -1;
  EXPECT_STATUS(MT5B_INVALID_ARGUMENT, store().migrate_to(latest_ + 1, version));
  EXPECT_STATUS(MT5B_INVALID_ARGUMENT, store().migrate_to(-3, version));
  const Account account = sample_account(1, 1);
  add(account);
  EXPECT_EQ(account, fetch(account.id)) << "a refused migration leaves the schema working";
}

TEST_F(Migrations, minus_two_reports_the_current_version_without_changing_it) {
  int64_t version = -1;
  EXPECT_STATUS(MT5B_OK, store().migrate_to(-2, version));
  EXPECT_EQ(version, latest_);
  if (latest_ < 2) return;
  EXPECT_STATUS(MT5B_OK, store().migrate_to(latest_ - 1, version));
  EXPECT_STATUS(MT5B_OK, store().migrate_to(-2, version));
  EXPECT_EQ(version, latest_ - 1);
  EXPECT_STATUS(MT5B_OK, store().migrate_to(-1, version));
}

TEST_F(Migrations, one_version_down_and_up_again_keeps_accounts_and_credentials) {
  if (latest_ < 2) GTEST_SKIP() << "the plugin knows one schema version only";
  Account account = sample_account(1, 1);
  add(account);
  int64_t version = -1;
  ASSERT_OK(store().migrate_to(latest_ - 1, version));
  EXPECT_EQ(latest_ - 1, version);
  ASSERT_OK(store().migrate_to(-1, version));
  EXPECT_EQ(latest_, version);
  // Columns the newest version added come back empty; the older ones keep their values.
  auto stored = fetch(account.id);
  ASSERT_TRUE(stored.has_value());
  stored->next_sync_at_ms = account.next_sync_at_ms;
  EXPECT_EQ(account, stored);
  EXPECT_EQ(sample_credential(account), fetch_credential(account.id));
}

TEST_F(Migrations, down_to_zero_and_up_again_leaves_an_empty_working_store) {
  add(sample_account(1, 1));
  int64_t version = -1;
  ASSERT_OK(store().migrate_to(0, version));
  EXPECT_EQ(0, version);
  ASSERT_OK(store().migrate_to(-1, version));
  EXPECT_EQ(latest_, version);
  EXPECT_EQ(0, count(sdk::make<mt5b_account_query>()));
  const Account fresh = sample_account(1, 1);
  add(fresh);
  EXPECT_EQ(fresh, fetch(fresh.id));
}

}  // namespace
}  // namespace mt5b::conformance
