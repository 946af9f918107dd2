// GDPR erasure: on_user_delete removes every row of one user, nothing of anyone else, and
// appends its audit record in the same call. The ABI has no slot that reads the audit log back,
// so the record is observed through its id: appending the same id again is CONFLICT.
#include "conformance_test.hpp"

namespace mt5b::conformance {
namespace {

class UserDelete : public StorageConformance {
 protected:
  void SetUp() override {
    StorageConformance::SetUp();
    if (HasFatalFailure()) return;
    MT5B_REQUIRE_SLOTS(MT5B_SLOT(on_user_delete));
  }
  bool can_sync() const {
    return missing_slots({MT5B_SLOT(on_lease_due), MT5B_SLOT(on_sync_apply),
                          MT5B_SLOT(on_position_list), MT5B_SLOT(on_trade_list),
                          MT5B_SLOT(on_deal_list), MT5B_SLOT(on_transaction_list),
                          MT5B_SLOT(on_sync_log_list)})
        .empty();
  }
  // Adds an account and, when the plugin can, synced data with a sync log of its own.
  void add_with_data(const Account& account, int log_n) {
    add(account);
    if (!can_sync()) return;
    SyncBatch batch = sample_batch(account, "host-a");
    batch.sync_log->id = sample_uuid(IdKind::sync_log, log_n);
    lease_and_apply(batch);
  }

  const std::string user_ = sample_uuid(IdKind::user, 1);
  const Account mine_1_ = sample_account(1, 1);
  const Account mine_2_ = sample_account(2, 1);
  const Account theirs_ = sample_account(3, 2);
};

TEST_F(UserDelete, removes_every_row_of_the_user_and_nothing_of_others) {
  add_with_data(mine_1_, 1);
  add_with_data(mine_2_, 2);
  add_with_data(theirs_, 3);
  const RowCounts theirs_before = can_sync() ? row_counts(theirs_.id) : RowCounts{};
  const std::optional<Account> theirs_stored = fetch(theirs_.id);

  int64_t accounts = -1;
  ASSERT_OK(store().delete_user(user_, sample_audit(1, user_), accounts));

  EXPECT_EQ(2, accounts);
  auto of_user = sdk::make<mt5b_account_query>();
  of_user.user_id = sdk::str(user_);
  EXPECT_EQ(std::vector<std::string>{}, list_ids(of_user));
  for (const Account* gone : {&mine_1_, &mine_2_}) {
    EXPECT_EQ(std::nullopt, fetch(gone->id));
    EXPECT_EQ(std::nullopt, fetch_credential(gone->id));
    if (can_sync()) {
      EXPECT_EQ(RowCounts{}, row_counts(gone->id));
    }
  }
  EXPECT_EQ(theirs_stored, fetch(theirs_.id)) << "another user's account must stay";
  EXPECT_EQ(sample_credential(theirs_), fetch_credential(theirs_.id));
  if (can_sync()) {
    EXPECT_EQ(theirs_before, row_counts(theirs_.id));
  }
}

TEST_F(UserDelete, appends_the_audit_record_in_the_same_call) {
  MT5B_REQUIRE_SLOTS(MT5B_SLOT(on_audit_append));
  add(mine_1_);
  int64_t accounts = -1;
  const Audit audit = sample_audit(1, user_);
  ASSERT_OK(store().delete_user(user_, audit, accounts));
  EXPECT_STATUS(MT5B_CONFLICT, store().append_audit(audit))
      << "the audit record of the erasure must be stored under its id";
}

TEST_F(UserDelete, a_user_without_accounts_deletes_nothing_and_is_still_audited) {
  add(theirs_);
  int64_t accounts = -1;
  const Audit audit = sample_audit(1, user_);
  ASSERT_OK(store().delete_user(user_, audit, accounts));
  EXPECT_EQ(0, accounts);
  EXPECT_EQ(theirs_, fetch(theirs_.id));
  if (plugin().vtable().on_audit_append != nullptr) {
    EXPECT_STATUS(MT5B_CONFLICT, store().append_audit(audit));
  }
}

TEST_F(UserDelete, audit_append_stores_a_record_once_per_id) {
  MT5B_REQUIRE_SLOTS(MT5B_SLOT(on_audit_append));
  const Audit audit = sample_audit(2, "key-2025");
  EXPECT_OK(store().append_audit(audit));
  EXPECT_STATUS(MT5B_CONFLICT, store().append_audit(audit));
  EXPECT_OK(store().append_audit(sample_audit(3, "key-2025")));
}

TEST_F(UserDelete, the_audit_record_outlives_the_deleted_accounts) {
  MT5B_REQUIRE_SLOTS(MT5B_SLOT(on_audit_append));
  add(mine_1_);
  const Audit earlier = sample_audit(4, mine_1_.id);  // about an account that will go
  ASSERT_OK(store().append_audit(earlier));
  int64_t accounts = -1;
  ASSERT_OK(store().delete_user(user_, sample_audit(1, user_), accounts));
  EXPECT_STATUS(MT5B_CONFLICT, store().append_audit(earlier))
      << "audit records must not be cascaded away with accounts";
}

}  // namespace
}  // namespace mt5b::conformance
