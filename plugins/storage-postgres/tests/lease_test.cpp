// on_lease_due / on_lease_release: several hosts share the sync work and never overlap.
#include "pg_test_support.hpp"
#include "record_copies.hpp"
#include "sync_batch.hpp"

#include <algorithm>
#include <iterator>
#include <set>
#include <thread>

namespace mt5b::storage_postgres::testing {
namespace {

constexpr int64_t kNow = kSyncNowMs;
constexpr int64_t kMinute = 60'000;

class Leases : public PostgresTest {
 protected:
  void SetUp() override {
    PostgresTest::SetUp();
    // Each test leases from a database of its own making: clear what earlier tests of the
    // suite left (the suite shares one database).
    db().exec("DELETE FROM trading_accounts");
  }

  std::string add(int64_t last_sync_at_ms, int64_t next_sync_at_ms = 0, bool active = true) {
    const std::string id = new_uuid();
    const std::string user = new_uuid();
    mt5b_account_record account = account_record(id, user, ++login_);
    account.last_sync_at_ms = last_sync_at_ms;
    account.next_sync_at_ms = next_sync_at_ms;
    account.is_active = active ? 1 : 0;
    store().account_insert(account, credential_record(id, user));
    return id;
  }

  mt5b_lease_request request(const std::string& owner, int64_t limit = 0,
                             const std::string& account_id = "") {
    auto r = sdk::make<mt5b_lease_request>();
    r.owner = s_(owner);
    r.account_id = s_(account_id);
    r.now_ms = kNow;
    r.lease_ttl_ms = kMinute;
    r.limit = limit;
    return r;
  }

  static std::vector<std::string> ids(const std::vector<AccountRow>& rows) {
    std::vector<std::string> out;
    for (const AccountRow& row : rows) out.push_back(row.id);
    return out;
  }

  int64_t login_ = 60'000'000;
};

TEST_F(Leases, leases_only_active_accounts_that_are_due) {
  const std::string due = add(kNow - 10 * kMinute);
  const std::string due_exactly_now = add(kNow - kMinute, kNow);
  add(kNow - kMinute, kNow + 1);       // backed off until later
  add(kNow - 10 * kMinute, 0, false);  // inactive
  std::vector<std::string> leased = ids(lease(store(), request("host-a")));
  std::sort(leased.begin(), leased.end());
  std::vector<std::string> expected{due, due_exactly_now};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(leased, expected);
  EXPECT_EQ(db().count("SELECT count(*) FROM trading_accounts WHERE lease_owner = 'host-a' AND "
                       "lease_expires_at = '2025-11-12T08:01:00Z'"),
            2);
}

TEST_F(Leases, never_synced_accounts_come_first_then_the_oldest_sync_then_by_id) {
  const std::string old_sync = add(kNow - 30 * kMinute);
  const std::string never_a = add(0);
  const std::string recent_sync = add(kNow - 5 * kMinute);
  const std::string never_b = add(0);
  std::vector<std::string> never{never_a, never_b};
  std::sort(never.begin(), never.end());
  EXPECT_EQ(ids(lease(store(), request("host-a"))),
            (std::vector<std::string>{never[0], never[1], old_sync, recent_sync}));
}

TEST_F(Leases, limit_caps_how_many_are_leased) {
  for (int i = 0; i < 5; ++i) add(0);
  EXPECT_EQ(lease(store(), request("host-a", 2)).size(), 2u);
  EXPECT_EQ(lease(store(), request("host-b", 10)).size(), 3u);
}

TEST_F(Leases, another_owners_live_lease_keeps_the_account_until_it_expires) {
  const std::string id = add(0);
  ASSERT_EQ(lease(store(), request("host-a")).size(), 1u);
  EXPECT_TRUE(lease(store(), request("host-b")).empty());
  mt5b_lease_request later = request("host-b");
  later.now_ms = kNow + kMinute + 1;  // host-a's lease ran out
  EXPECT_EQ(ids(lease(store(), later)), std::vector<std::string>{id});
}

TEST_F(Leases, the_owner_renews_its_own_lease) {
  const std::string id = add(0);
  lease(store(), request("host-a"));
  mt5b_lease_request renew = request("host-a");
  renew.now_ms = kNow + 30'000;
  EXPECT_EQ(ids(lease(store(), renew)), std::vector<std::string>{id});
  EXPECT_EQ(db().count("SELECT count(*) FROM trading_accounts WHERE lease_expires_at = "
                       "'2025-11-12T08:01:30Z'"),
            1);
}

TEST_F(Leases, leasing_one_account_takes_it_whether_due_or_active_or_not) {
  const std::string later = add(kNow, kNow + 60 * kMinute);
  const std::string inactive = add(0, 0, false);
  EXPECT_EQ(ids(lease(store(), request("host-a", 0, later))), std::vector<std::string>{later});
  EXPECT_EQ(ids(lease(store(), request("host-a", 0, inactive))),
            std::vector<std::string>{inactive});
}

TEST_F(Leases, leasing_one_account_held_by_another_owner_is_a_conflict) {
  const std::string id = add(0);
  lease(store(), request("host-a", 0, id));
  EXPECT_EQ(status_of([&] { lease(store(), request("host-b", 0, id)); }), MT5B_CONFLICT);
  EXPECT_EQ(ids(lease(store(), request("host-a", 0, id))), std::vector<std::string>{id});
}

TEST_F(Leases, leasing_an_unknown_account_is_not_found) {
  EXPECT_EQ(status_of([&] { lease(store(), request("host-a", 0, new_uuid())); }), MT5B_NOT_FOUND);
  EXPECT_EQ(status_of([&] { lease(store(), request("host-a", 0, "acc-1")); }), MT5B_NOT_FOUND);
}

TEST_F(Leases, a_lease_needs_an_owner_and_a_duration) {
  EXPECT_EQ(status_of([&] { lease(store(), request("")); }), MT5B_INVALID_ARGUMENT);
  mt5b_lease_request no_ttl = request("host-a");
  no_ttl.lease_ttl_ms = 0;
  EXPECT_EQ(status_of([&] { lease(store(), no_ttl); }), MT5B_INVALID_ARGUMENT);
}

TEST_F(Leases, release_frees_only_the_owners_own_lease) {
  const std::string id = add(0);
  lease(store(), request("host-a"));
  store().lease_release(id, "host-b");  // not host-b's: no effect
  EXPECT_TRUE(lease(store(), request("host-b")).empty());
  store().lease_release(id, "host-a");
  EXPECT_EQ(ids(lease(store(), request("host-b"))), std::vector<std::string>{id});
  store().lease_release(new_uuid(), "host-b");  // unknown account: nothing to do
}

TEST_F(Leases, concurrent_leasers_never_take_the_same_account) {
  constexpr int kAccounts = 60;
  for (int i = 0; i < kAccounts; ++i) add(kNow - i * 1000);
  // Separate instances: separate pools, separate connections, like separate hosts.
  std::unique_ptr<PostgresStorage> a = make_store();
  std::unique_ptr<PostgresStorage> b = make_store();
  std::vector<std::string> taken_a, taken_b;
  auto worker = [&](PostgresStorage& store, const std::string& owner,
                    std::vector<std::string>& taken) {
    // A new owner each round (like a new sync cycle), so no round renews an earlier lease.
    for (int round = 0; round < 40; ++round) {
      // Built here, not with request(): the fixture's string store is not shared across threads.
      const std::string cycle = owner + "#" + std::to_string(round);
      auto r = sdk::make<mt5b_lease_request>();
      r.owner = sdk::str(cycle);
      r.now_ms = kNow;
      r.lease_ttl_ms = kMinute;
      r.limit = 3;
      for (const AccountRow& row : lease(store, r)) taken.push_back(row.id);
    }
  };
  std::thread first(worker, std::ref(*a), "host-a", std::ref(taken_a));
  std::thread second(worker, std::ref(*b), "host-b", std::ref(taken_b));
  first.join();
  second.join();
  const std::set<std::string> set_a(taken_a.begin(), taken_a.end());
  const std::set<std::string> set_b(taken_b.begin(), taken_b.end());
  EXPECT_EQ(set_a.size(), taken_a.size()) << "host-a leased an account twice";
  EXPECT_EQ(set_b.size(), taken_b.size()) << "host-b leased an account twice";
  std::vector<std::string> both;
  std::set_intersection(set_a.begin(), set_a.end(), set_b.begin(), set_b.end(),
                        std::back_inserter(both));
  EXPECT_TRUE(both.empty()) << both.size() << " accounts were leased by both hosts";
  EXPECT_EQ(set_a.size() + set_b.size(), static_cast<size_t>(kAccounts));
}

}  // namespace
}  // namespace mt5b::storage_postgres::testing
