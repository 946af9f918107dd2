// Listing and counting accounts: filters, order, paging.
#include "test_support.hpp"

#include <vector>

namespace mt5b::storage_sqlite::testing {
namespace {

class AccountListing : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_store(host_, dir_.file("listing.db"));
    store_->migrate();
    // Inserted out of order; created_at ties (b, a) are broken by id.
    add("c", "user-1", 3, 3000, true);
    add("b", "user-1", 2, 1000, false);
    add("a", "user-1", 1, 1000, true);
    add("d", "user-2", 4, 2000, true);
  }

  void add(const std::string& id, const std::string& user, int64_t login, int64_t created_ms,
           bool active) {
    AccountRow account = sample_account(id, user, login);
    account.created_at_ms = created_ms;
    account.is_active = active;
    insert(*store_, account);
  }

  std::vector<std::string> ids(const mt5b_account_query& query) {
    std::vector<std::string> out;
    store_->account_list(query,
                         [&](const mt5b_account_record& r) { out.push_back(sdk::copy(r.id)); });
    return out;
  }

  TempDir dir_;
  sdk::testing::FakeHost host_;
  std::unique_ptr<SqliteStorage> store_;
};

using Ids = std::vector<std::string>;

TEST_F(AccountListing, lists_everything_ordered_by_created_at_then_id) {
  EXPECT_EQ((Ids{"a", "b", "d", "c"}), ids(sdk::make<mt5b_account_query>()));
}

TEST_F(AccountListing, filters_by_user) {
  auto query = sdk::make<mt5b_account_query>();
  query.user_id = sdk::str("user-1");
  EXPECT_EQ((Ids{"a", "b", "c"}), ids(query));
  EXPECT_EQ(3, store_->account_count(query));
}

TEST_F(AccountListing, filters_by_active_only) {
  auto query = sdk::make<mt5b_account_query>();
  query.active_only = 1;
  EXPECT_EQ((Ids{"a", "d", "c"}), ids(query));
  EXPECT_EQ(3, store_->account_count(query));
}

TEST_F(AccountListing, combines_user_and_active_filters) {
  auto query = sdk::make<mt5b_account_query>();
  query.user_id = sdk::str("user-1");
  query.active_only = 1;
  EXPECT_EQ((Ids{"a", "c"}), ids(query));
  EXPECT_EQ(2, store_->account_count(query));
}

TEST_F(AccountListing, pages_with_limit_and_offset) {
  auto query = sdk::make<mt5b_account_query>();
  query.limit = 2;
  EXPECT_EQ((Ids{"a", "b"}), ids(query));
  query.offset = 2;
  EXPECT_EQ((Ids{"d", "c"}), ids(query));
  query.offset = 4;
  EXPECT_EQ(Ids{}, ids(query));
}

TEST_F(AccountListing, offset_without_limit_returns_the_rest) {
  auto query = sdk::make<mt5b_account_query>();
  query.offset = 3;
  EXPECT_EQ((Ids{"c"}), ids(query));
}

TEST_F(AccountListing, count_ignores_limit_and_offset) {
  auto query = sdk::make<mt5b_account_query>();
  query.limit = 1;
  query.offset = 1;
  EXPECT_EQ(4, store_->account_count(query));
}

TEST_F(AccountListing, unknown_user_lists_nothing) {
  auto query = sdk::make<mt5b_account_query>();
  query.user_id = sdk::str("nobody");
  EXPECT_EQ(Ids{}, ids(query));
  EXPECT_EQ(0, store_->account_count(query));
}

TEST_F(AccountListing, refuses_negative_limit_or_offset) {
  auto query = sdk::make<mt5b_account_query>();
  query.limit = -1;
  EXPECT_EQ(MT5B_INVALID_ARGUMENT, status_of([&] { ids(query); }));
  query.limit = 0;
  query.offset = -5;
  EXPECT_EQ(MT5B_INVALID_ARGUMENT, status_of([&] { ids(query); }));
}

TEST(AccountListingReentry, emit_may_call_back_into_the_store) {
  // In memory every call shares the one writer connection; it is released before emit runs,
  // so a nested call from emit does not deadlock.
  sdk::testing::FakeHost host;
  auto store = open_store(host, ":memory:");
  store->migrate();
  insert(*store, sample_account("a", "user-1", 1));
  insert(*store, sample_account("b", "user-1", 2));
  std::vector<int64_t> logins;
  store->account_list(sdk::make<mt5b_account_query>(), [&](const mt5b_account_record& r) {
    auto again = find_account(*store, sdk::copy(r.id));
    logins.push_back(again ? again->login : -1);
  });
  EXPECT_EQ((std::vector<int64_t>{1, 2}), logins);
}

}  // namespace
}  // namespace mt5b::storage_sqlite::testing
