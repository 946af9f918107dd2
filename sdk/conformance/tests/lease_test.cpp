// on_lease_due / on_lease_release: which accounts are due, in what order, and that a live
// lease of one owner keeps every other owner away.
#include "conformance_test.hpp"

namespace mt5b::conformance {
namespace {

using Ids = std::vector<std::string>;

class Leases : public StorageConformance {
 protected:
  void SetUp() override {
    StorageConformance::SetUp();
    if (HasFatalFailure()) return;
    MT5B_REQUIRE_SLOTS(MT5B_SLOT(on_lease_due));
  }
  // An active, due account; `last_sync_offset_ms` before now (0 = never synced).
  Account due_account(int n, int64_t last_sync_offset_ms = 0) {
    Account account = sample_account(n, 1);
    account.last_sync_at_ms = last_sync_offset_ms == 0 ? 0 : now() - last_sync_offset_ms;
    add(account);
    return account;
  }
  static std::string id(int n) { return sample_uuid(IdKind::account, n); }

  const std::string owner_a_ = "host-a:7f3c";
  const std::string owner_b_ = "host-b:11aa";
};

TEST_F(Leases, leases_never_synced_accounts_first_then_the_oldest_sync) {
  due_account(1, 3'600'000);  // synced an hour ago
  due_account(2);             // never
  due_account(3, 7'200'000);  // two hours ago
  due_account(4);             // never
  EXPECT_EQ((Ids{id(2), id(4)}), leased_ids(owner_a_, now(), 2));
  EXPECT_EQ((Ids{id(3), id(1)}), leased_ids(owner_b_, now(), 10));
}

TEST_F(Leases, emits_the_leased_accounts_with_their_fields) {
  const Account account = due_account(1);
  auto request = sdk::make<mt5b_lease_request>();
  request.owner = sdk::str(owner_a_);
  request.now_ms = now();
  request.lease_ttl_ms = 60'000;
  request.limit = 5;
  std::vector<Account> leased;
  ASSERT_OK(store().lease_due(request, leased));
  EXPECT_EQ(std::vector<Account>{account}, leased);
}

TEST_F(Leases, skips_accounts_whose_next_sync_is_still_ahead) {
  due_account(1);
  Account backing_off = sample_account(2, 1);
  backing_off.next_sync_at_ms = now() + 3'600'000;
  add(backing_off);
  Account due_now = sample_account(3, 1);
  due_now.next_sync_at_ms = now() - 1;
  add(due_now);
  EXPECT_EQ((Ids{id(1), id(3)}), leased_ids(owner_a_, now(), 10, /*ttl_ms=*/7'200'000));
  EXPECT_EQ((Ids{id(2)}), leased_ids(owner_b_, now() + 3'600'000, 10))
      << "due once next_sync_at has come";
}

TEST_F(Leases, skips_inactive_accounts) {
  due_account(1);
  Account inactive = sample_account(2, 1);
  inactive.is_active = false;
  add(inactive);
  EXPECT_EQ((Ids{id(1)}), leased_ids(owner_a_, now(), 10));
}

TEST_F(Leases, skips_accounts_another_owner_holds_a_live_lease_on) {
  due_account(1);
  due_account(2);
  EXPECT_EQ((Ids{id(1)}), leased_ids(owner_a_, now(), 1));
  EXPECT_EQ((Ids{id(2)}), leased_ids(owner_b_, now() + 1'000, 10));
  EXPECT_EQ(Ids{}, leased_ids("host-c:0000", now() + 2'000, 10));
}

TEST_F(Leases, an_owner_may_lease_its_own_accounts_again) {
  due_account(1);
  EXPECT_EQ((Ids{id(1)}), leased_ids(owner_a_, now(), 10));
  EXPECT_EQ((Ids{id(1)}), leased_ids(owner_a_, now() + 1'000, 10));
}

TEST_F(Leases, an_expired_lease_can_be_taken_by_another_owner) {
  due_account(1);
  EXPECT_EQ((Ids{id(1)}), leased_ids(owner_a_, now(), 10, /*ttl_ms=*/5'000));
  EXPECT_EQ(Ids{}, leased_ids(owner_b_, now() + 4'000, 10)) << "still live";
  EXPECT_EQ((Ids{id(1)}), leased_ids(owner_b_, now() + 6'000, 10)) << "expired";
  EXPECT_EQ(Ids{}, leased_ids(owner_a_, now() + 7'000, 10)) << "now owner B's";
}

TEST_F(Leases, honours_the_limit) {
  for (int n = 1; n <= 5; ++n) due_account(n);
  EXPECT_EQ(3u, leased_ids(owner_a_, now(), 3).size());
  EXPECT_EQ(2u, leased_ids(owner_b_, now(), 3).size());
}

TEST_F(Leases, leases_one_account_by_id_even_when_not_due_or_inactive) {
  Account inactive = sample_account(1, 1);
  inactive.is_active = false;
  inactive.next_sync_at_ms = now() + 86'400'000;
  add(inactive);
  Ids ids;
  ASSERT_OK(lease(owner_a_, now(), 1, ids, inactive.id));
  EXPECT_EQ((Ids{inactive.id}), ids);
}

TEST_F(Leases, lease_by_id_of_an_unknown_account_is_not_found) {
  Ids ids;
  EXPECT_STATUS(MT5B_NOT_FOUND, lease(owner_a_, now(), 1, ids, id(404)));
  EXPECT_EQ(Ids{}, ids);
}

TEST_F(Leases, lease_by_id_of_an_account_another_owner_holds_is_conflict) {
  due_account(1);
  Ids ids;
  ASSERT_OK(lease(owner_a_, now(), 1, ids, id(1)));
  EXPECT_STATUS(MT5B_CONFLICT, lease(owner_b_, now() + 1'000, 1, ids, id(1)));
  EXPECT_EQ(Ids{}, ids);
  EXPECT_OK(lease(owner_a_, now() + 1'000, 1, ids, id(1))) << "the holder may renew";
}

TEST_F(Leases, release_lets_another_owner_lease_at_once) {
  MT5B_REQUIRE_SLOTS(MT5B_SLOT(on_lease_release));
  due_account(1);
  EXPECT_EQ((Ids{id(1)}), leased_ids(owner_a_, now(), 10));
  ASSERT_OK(store().lease_release(id(1), owner_a_));
  EXPECT_EQ((Ids{id(1)}), leased_ids(owner_b_, now(), 10));
}

TEST_F(Leases, release_by_another_owner_has_no_effect) {
  MT5B_REQUIRE_SLOTS(MT5B_SLOT(on_lease_release));
  due_account(1);
  EXPECT_EQ((Ids{id(1)}), leased_ids(owner_a_, now(), 10));
  EXPECT_OK(store().lease_release(id(1), owner_b_));
  Ids ids;
  EXPECT_STATUS(MT5B_CONFLICT, lease(owner_b_, now(), 1, ids, id(1)));
  EXPECT_EQ(Ids{}, leased_ids("host-c:0000", now(), 10));
}

TEST_F(Leases, a_lease_is_seen_by_another_instance_on_the_same_store) {
  due_account(1);
  EXPECT_EQ((Ids{id(1)}), leased_ids(owner_a_, now(), 10));
  auto other_host = open_instance();
  ASSERT_OK(other_host->created());
  auto request = sdk::make<mt5b_lease_request>();
  request.owner = sdk::str(owner_b_);
  request.now_ms = now();
  request.lease_ttl_ms = 60'000;
  request.limit = 10;
  std::vector<Account> leased;
  EXPECT_OK(other_host->lease_due(request, leased));
  EXPECT_EQ(std::vector<Account>{}, leased);
}

}  // namespace
}  // namespace mt5b::conformance
