// Which accounts a user owns: listing by user, counting, active_only, and paging in the order
// abi.h gives (created_at, then id).
#include "conformance_test.hpp"

namespace mt5b::conformance {
namespace {

using Ids = std::vector<std::string>;

class AccountOwnership : public StorageConformance {
 protected:
  void SetUp() override {
    StorageConformance::SetUp();
    if (HasFatalFailure()) return;
    // Inserted out of order; accounts 2 and 3 share a created_at, so their ids decide.
    add_account(4, 1, 3000, true);
    add_account(3, 1, 1000, false);
    add_account(2, 1, 1000, true);
    add_account(5, 2, 2000, true);
  }
  void add_account(int n, int user, int64_t created_offset_ms, bool active) {
    Account account = sample_account(n, user);
    account.created_at_ms = kSampleBaseMs + created_offset_ms;
    account.is_active = active;
    add(account);
  }
  static std::string id(int n) { return sample_uuid(IdKind::account, n); }
  static mt5b_account_query of_user(const std::string& user_id) {
    auto query = sdk::make<mt5b_account_query>();
    query.user_id = sdk::str(user_id);
    return query;
  }
  const std::string user1_ = sample_uuid(IdKind::user, 1);
  const std::string user2_ = sample_uuid(IdKind::user, 2);
};

TEST_F(AccountOwnership, lists_every_account_by_created_at_then_id) {
  EXPECT_EQ((Ids{id(2), id(3), id(5), id(4)}), list_ids(sdk::make<mt5b_account_query>()));
}

TEST_F(AccountOwnership, lists_only_the_accounts_of_the_given_user) {
  EXPECT_EQ((Ids{id(2), id(3), id(4)}), list_ids(of_user(user1_)));
  EXPECT_EQ((Ids{id(5)}), list_ids(of_user(user2_)));
  EXPECT_EQ(Ids{}, list_ids(of_user(sample_uuid(IdKind::user, 99))));
}

TEST_F(AccountOwnership, counts_the_accounts_of_a_user) {
  EXPECT_EQ(3, count(of_user(user1_)));
  EXPECT_EQ(1, count(of_user(user2_)));
  EXPECT_EQ(0, count(of_user(sample_uuid(IdKind::user, 99))));
  EXPECT_EQ(4, count(sdk::make<mt5b_account_query>()));
}

TEST_F(AccountOwnership, active_only_leaves_out_inactive_accounts) {
  auto query = of_user(user1_);
  query.active_only = 1;
  EXPECT_EQ((Ids{id(2), id(4)}), list_ids(query));
  EXPECT_EQ(2, count(query));
  auto everyone = sdk::make<mt5b_account_query>();
  everyone.active_only = 1;
  EXPECT_EQ(3, count(everyone));
}

TEST_F(AccountOwnership, pages_with_limit_and_offset_in_the_same_order) {
  auto query = sdk::make<mt5b_account_query>();
  query.limit = 2;
  EXPECT_EQ((Ids{id(2), id(3)}), list_ids(query));
  query.offset = 2;
  EXPECT_EQ((Ids{id(5), id(4)}), list_ids(query));
  query.offset = 4;
  EXPECT_EQ(Ids{}, list_ids(query));
  query.limit = 0;  // no limit
  query.offset = 3;
  EXPECT_EQ((Ids{id(4)}), list_ids(query));
}

TEST_F(AccountOwnership, count_ignores_limit_and_offset) {
  auto query = of_user(user1_);
  query.limit = 1;
  query.offset = 1;
  EXPECT_EQ(3, count(query));
}

}  // namespace
}  // namespace mt5b::conformance
