// Concurrent sync applies written together (sync_store.cpp's group commit): each apply keeps
// its own outcome (inserted counts, CONFLICT, NOT_FOUND, a database error) whatever group it
// travelled in, and an account's data is still all or nothing.
#include "pg_test_support.hpp"
#include "record_copies.hpp"
#include "sync_batch.hpp"

#include <pqxx/pqxx>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <thread>
#include <vector>

namespace mt5b::storage_postgres::testing {
namespace {

constexpr const char* kOwner = "host-a:1234";

// What one apply of the test is and what came of it.
struct Case {
  std::string account;
  std::unique_ptr<SyncBatch> batch;
  mt5b_status status = MT5B_OK;
  mt5b_sync_apply_result result{};
};

class SyncApplyGroup : public PostgresTest {
 protected:
  void SetUp() override {
    PostgresTest::SetUp();
    host_.set_now_ms(kSyncNowMs);
    // One connection writes applies: while it waits, every other apply queues behind it.
    grouped_ = make_store("\"pool_size\": 4, \"apply_connections\": 1");
  }

  Case& add_case(const std::string& lease_owner = kOwner) {
    auto& c = cases_.emplace_back(std::make_unique<Case>());
    c->account = insert_account();
    lease_for(*grouped_, c->account, lease_owner, kSyncNowMs);
    c->batch = std::make_unique<SyncBatch>(c->account, kOwner);
    const int64_t base = 1000 * static_cast<int64_t>(cases_.size());
    c->batch->position(base + 1);
    c->batch->trade(base + 2);
    c->batch->deal(base + 3, kSyncNowMs - 60'000);
    c->batch->deal(base + 4, kSyncNowMs - 30'000);
    c->batch->transaction(base + 5, "deposit", 100, kSyncNowMs - 90'000);
    c->batch->log(new_uuid());
    c->batch->apply();  // built here, on this thread
    return *c;
  }

  // Applies the first case while a transaction of the test's holds its account row, starts
  // every other case while that apply waits (so they queue and go as groups), then lets go.
  void apply_all_behind_a_blocked_first() {
    pqxx::connection blocker(db().url());
    pqxx::work hold(blocker);
    hold.exec("SELECT 1 FROM trading_accounts WHERE id = '" + cases_[0]->account + "' FOR UPDATE");
    std::vector<std::thread> threads;
    auto run = [this](Case& c) {
      c.status = status_of([&] { c.result = grouped_->sync_apply(c.batch->apply()); });
    };
    threads.emplace_back(run, std::ref(*cases_[0]));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    for (size_t i = 1; i < cases_.size(); ++i) threads.emplace_back(run, std::ref(*cases_[i]));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    hold.commit();
    for (auto& t : threads) t.join();
  }

  int64_t rows_of(const std::string& account) {
    int64_t total = 0;
    for (const char* table : {"deals", "account_transactions", "trades", "sync_logs"}) {
      total += db().count(std::string("SELECT count(*) FROM ") + table + " WHERE account_id = '" +
                          account + "'");
    }
    return total;
  }

  void expect_written(const Case& c) {
    EXPECT_EQ(c.status, MT5B_OK) << c.account;
    EXPECT_EQ(c.result.deals_inserted, 2) << c.account;
    EXPECT_EQ(c.result.trades_inserted, 1) << c.account;
    EXPECT_EQ(c.result.transactions_inserted, 1) << c.account;
    // 2 deals, 1 transaction, the closed trade and the position, the log.
    EXPECT_EQ(rows_of(c.account), 6) << c.account;
    EXPECT_EQ(get_account(*grouped_, c.account).last_sync_at_ms, kSyncNowMs) << c.account;
  }

  void expect_nothing_written(const Case& c) {
    EXPECT_EQ(rows_of(c.account), 0) << c.account;
    EXPECT_EQ(db().count("SELECT count(*) FROM trading_accounts WHERE id = '" + c.account +
                         "' AND last_sync_at IS NOT NULL"),
              0)
        << c.account;
  }

  double groups() { return host_.metric("mt5bridge_storage_sync_apply_groups_total"); }
  double applies() { return host_.metric("mt5bridge_storage_sync_applies_total"); }

  std::unique_ptr<PostgresStorage> grouped_;
  std::vector<std::unique_ptr<Case>> cases_;
};

TEST_F(SyncApplyGroup, queued_applies_share_transactions_and_each_keeps_its_own_outcome) {
  for (int i = 0; i < 20; ++i) add_case();
  Case& lost_lease = add_case("host-b:999");  // another host holds it
  Case& deleted = add_case();
  Case& good_after = add_case();
  grouped_->account_delete(deleted.account);

  apply_all_behind_a_blocked_first();

  for (size_t i = 0; i < 20; ++i) expect_written(*cases_[i]);
  expect_written(good_after);
  EXPECT_EQ(lost_lease.status, MT5B_CONFLICT);
  expect_nothing_written(lost_lease);
  EXPECT_EQ(deleted.status, MT5B_NOT_FOUND);
  // 23 applies: the first alone, the other 22 queued behind it in groups of at most 16; the
  // deleted account's row is missing like a row locked elsewhere, so it goes again alone.
  EXPECT_EQ(applies(), 24);
  EXPECT_GE(groups(), 3);
  EXPECT_LT(groups(), 23) << "no apply was written together with another";
  EXPECT_EQ(host_.metric("mt5bridge_storage_sync_apply_group_failures_total"), 0);
}

TEST_F(SyncApplyGroup, a_database_error_in_one_apply_of_a_group_fails_that_apply_alone) {
  for (int i = 0; i < 8; ++i) add_case();
  Case& refused = add_case();
  for (int i = 0; i < 4; ++i) add_case();
  // The database refuses this one account's deals, as a failing constraint or trigger would.
  db().exec(
      "CREATE FUNCTION refuse_deals() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "IF NEW.account_id = '" +
      refused.account +
      "' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$;"
      "CREATE TRIGGER refuse_deals BEFORE INSERT ON deals FOR EACH ROW "
      "EXECUTE FUNCTION refuse_deals()");

  apply_all_behind_a_blocked_first();
  db().exec("DROP TRIGGER refuse_deals ON deals; DROP FUNCTION refuse_deals()");

  EXPECT_NE(refused.status, MT5B_OK);
  expect_nothing_written(refused);
  for (const auto& c : cases_) {
    if (c.get() != &refused) expect_written(*c);
  }
  EXPECT_GE(host_.metric("mt5bridge_storage_sync_apply_group_failures_total"), 1);
}

TEST_F(SyncApplyGroup, a_group_that_times_out_over_one_slow_apply_fails_only_that_one) {
  // Statements may run 1.5 s (more than the 0.7 s the first apply waits for its row); one
  // account's deals take the database 2.5 s to write.
  grouped_ =
      make_store("\"pool_size\": 4, \"apply_connections\": 1, \"statement_timeout_ms\": 1500");
  for (int i = 0; i < 3; ++i) add_case();
  Case& slow = add_case();
  for (int i = 0; i < 2; ++i) add_case();
  db().exec(
      "CREATE FUNCTION slow_deals() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "IF NEW.account_id = '" +
      slow.account +
      "' THEN PERFORM pg_sleep(2.5); END IF; RETURN NEW; END $$;"
      "CREATE TRIGGER slow_deals BEFORE INSERT ON deals FOR EACH ROW "
      "EXECUTE FUNCTION slow_deals()");

  apply_all_behind_a_blocked_first();
  db().exec("DROP TRIGGER slow_deals ON deals; DROP FUNCTION slow_deals()");

  EXPECT_EQ(slow.status, MT5B_TIMEOUT);
  expect_nothing_written(slow);
  for (const auto& c : cases_) {
    if (c.get() != &slow) expect_written(*c);
  }
  EXPECT_GE(host_.metric("mt5bridge_storage_sync_apply_group_failures_total"), 1);
}

TEST_F(SyncApplyGroup, the_same_account_twice_in_the_queue_is_written_by_two_transactions) {
  add_case();  // the blocked first apply
  Case& first = add_case();
  add_case();
  // A second apply of the same account's sync, queued with the first: the same deal and the
  // same closed trade again. In one statement, the trade's upsert would have to change one row
  // twice, which PostgreSQL refuses.
  auto twin = std::make_unique<Case>();
  twin->account = first.account;
  twin->batch = std::make_unique<SyncBatch>(first.account, kOwner);
  twin->batch->deal(2003, kSyncNowMs - 60'000);
  twin->batch->trade(2002);
  twin->batch->apply();
  Case& second = *cases_.emplace_back(std::move(twin));

  apply_all_behind_a_blocked_first();

  EXPECT_EQ(first.status, MT5B_OK);
  EXPECT_EQ(second.status, MT5B_OK);
  // Whichever came first inserted the shared deal and trade; the other found them there.
  EXPECT_EQ(first.result.deals_inserted + second.result.deals_inserted, 2);
  EXPECT_EQ(first.result.trades_inserted + second.result.trades_inserted, 1);
  EXPECT_EQ(db().count("SELECT count(*) FROM deals WHERE account_id = '" + first.account + "'"), 2);
  EXPECT_EQ(host_.metric("mt5bridge_storage_sync_apply_group_failures_total"), 0);
}

TEST_F(SyncApplyGroup, an_account_locked_elsewhere_does_not_hold_up_its_group) {
  for (int i = 0; i < 6; ++i) add_case();
  Case& locked = *cases_[3];
  // Another transaction (a manual sync's lease, a deletion) holds one account's row.
  pqxx::connection other(db().url());
  pqxx::work holding(other);
  holding.exec("SELECT 1 FROM trading_accounts WHERE id = '" + locked.account + "' FOR UPDATE");

  std::vector<std::thread> threads;
  std::atomic<int> finished{0};
  std::atomic<bool> locked_finished{false};
  {
    pqxx::connection blocker(db().url());
    pqxx::work hold(blocker);
    hold.exec("SELECT 1 FROM trading_accounts WHERE id = '" + cases_[0]->account + "' FOR UPDATE");
    auto run = [&](Case& c) {
      c.status = status_of([&] { c.result = grouped_->sync_apply(c.batch->apply()); });
      if (&c == &locked) {
        locked_finished = true;
      } else {
        ++finished;
      }
    };
    threads.emplace_back(run, std::ref(*cases_[0]));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    for (size_t i = 1; i < cases_.size(); ++i) threads.emplace_back(run, std::ref(*cases_[i]));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    hold.commit();  // the queued applies go as a group that includes the locked account
  }
  // The others are written while the account is still locked.
  for (int waited = 0; finished < 5 && waited < 200; ++waited)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(finished.load(), 5);
  EXPECT_FALSE(locked_finished.load());
  holding.commit();
  for (auto& t : threads) t.join();
  for (const auto& c : cases_) expect_written(*c);
}

TEST_F(SyncApplyGroup, each_member_keeps_its_own_snapshot_and_position_rules) {
  add_case();  // the blocked first apply
  // One with an open position left from before, which its replacing apply removes.
  Case& replacing = add_case();
  {
    SyncBatch earlier(replacing.account, kOwner);
    earlier.position(77);
    grouped_->sync_apply(earlier.apply());
  }
  replacing.batch->replace_positions = 1;
  // One with an old position that stays, as its apply does not replace.
  Case& keeping = add_case();
  {
    SyncBatch earlier(keeping.account, kOwner);
    earlier.position(78);
    grouped_->sync_apply(earlier.apply());
  }
  // One whose snapshot is not valid: its balance stays as inserted.
  Case& stale = add_case();
  stale.batch->snapshot_valid = 0;
  stale.batch->account().balance = 1;
  // One that names its account in capitals.
  auto upper = std::make_unique<Case>();
  upper->account = insert_account();
  lease_for(*grouped_, upper->account, kOwner, kSyncNowMs);
  std::string capitals = upper->account;
  for (char& ch : capitals) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  upper->batch = std::make_unique<SyncBatch>(capitals, kOwner);
  upper->batch->deal(9999, kSyncNowMs - 1000);
  upper->batch->apply();
  Case& capital = *cases_.emplace_back(std::move(upper));

  apply_all_behind_a_blocked_first();

  expect_written(replacing);
  auto open_tickets = [&](const std::string& account) {
    return db().count("SELECT count(*) FROM trades WHERE status = 'open' AND account_id = '" +
                      account + "'");
  };
  EXPECT_EQ(open_tickets(replacing.account), 1);  // 77 went, its new position stayed
  EXPECT_EQ(open_tickets(keeping.account), 2);
  EXPECT_EQ(stale.status, MT5B_OK);
  EXPECT_EQ(get_account(*grouped_, stale.account).balance, 10'000.5);
  EXPECT_NE(get_account(*grouped_, replacing.account).balance, 10'000.5);
  EXPECT_EQ(capital.status, MT5B_OK);
  EXPECT_EQ(capital.result.deals_inserted, 1);
  EXPECT_LT(groups(), applies()) << "no apply was written together with another";
}

TEST_F(SyncApplyGroup, a_snapshot_of_nan_or_infinity_is_stored_as_sent) {
  // JSON has no numbers for them; they travel as float8's words (was: as parameters).
  Case& c = add_case();
  c.batch->account().balance = std::numeric_limits<double>::quiet_NaN();
  c.batch->account().margin_level = std::numeric_limits<double>::infinity();
  c.batch->account().credit = -std::numeric_limits<double>::infinity();
  grouped_->sync_apply(c.batch->apply());
  AccountRow account = get_account(*grouped_, c.account);
  EXPECT_TRUE(std::isnan(account.balance));
  EXPECT_EQ(account.margin_level, std::numeric_limits<double>::infinity());
  EXPECT_EQ(account.credit, -std::numeric_limits<double>::infinity());
}

TEST(SyncApplyGroupOptions, apply_connections_beyond_the_pool_is_refused_with_what_to_do) {
  sdk::testing::FakeHost host;
  auto construct = [&](const char* config, std::string* message) {
    try {
      PostgresStorage store(host.host(), sdk::Config(config));
      return MT5B_OK;
    } catch (const sdk::Error& e) {
      *message = e.what();
      return e.status();
    }
  };
  std::string message;
  EXPECT_EQ(
      construct(R"({"url": "host=localhost", "pool_size": 2, "apply_connections": 3})", &message),
      MT5B_INVALID_ARGUMENT);
  EXPECT_NE(message.find("raise pool_size"), std::string::npos) << message;
  // Unset, it follows a small pool down instead of refusing it.
  EXPECT_EQ(construct(R"({"url": "host=localhost", "pool_size": 1})", &message), MT5B_OK)
      << message;
}

}  // namespace
}  // namespace mt5b::storage_postgres::testing
