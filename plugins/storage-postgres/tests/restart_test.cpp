// Recovery after the database restarts: during the outage calls fail quickly as UNAVAILABLE and
// write nothing half-way; afterwards the same instance serves again without being recreated.
//
// These tests stop and start PostgreSQL, so they use a cluster of their own (inside the shared
// cluster's directory, so the run's cleanup removes it even if a test dies).
#include "pg_test_support.hpp"
#include "record_copies.hpp"
#include "sync_batch.hpp"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>
#include <thread>

namespace mt5b::storage_postgres::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kPassword = "Sup3r-Secret-Pa55";
constexpr int64_t kConnectTimeoutS = 2;

// A PostgreSQL this test may stop and start; destroyed with the object.
class OwnCluster {
 public:
  OwnCluster() : dir_(cluster().dir + "/restart-" + std::to_string(::getpid())) {
    start();
    std::ifstream(dir_ + "/port") >> port_;
  }
  OwnCluster(const OwnCluster&) = delete;
  OwnCluster& operator=(const OwnCluster&) = delete;
  ~OwnCluster() { run_pg_ctl("destroy '" + dir_ + "'"); }

  void start() { ASSERT_EQ(run_pg_ctl("start '" + dir_ + "'"), 0) << "could not start " << dir_; }
  void stop() { ASSERT_EQ(run_pg_ctl("stop '" + dir_ + "'"), 0) << "could not stop " << dir_; }
  int port() const { return port_; }
  std::string url(const std::string& database) const {
    return "postgresql://mt5bridge:" + std::string(kPassword) +
           "@127.0.0.1:" + std::to_string(port_) + "/" + database;
  }
  pqxx::connection connect(const std::string& database) const {
    return pqxx::connection("host=127.0.0.1 port=" + std::to_string(port_) +
                            " user=mt5bridge dbname=" + database);
  }

 private:
  std::string dir_;
  int port_ = 0;
};

class DatabaseRestart : public ::testing::Test {
 protected:
  void SetUp() override {
    host_.set_now_ms(kSyncNowMs);
    {
      pqxx::connection admin = cluster_.connect("postgres");
      pqxx::nontransaction txn(admin);
      txn.exec("CREATE DATABASE restart_test TEMPLATE mt5b_template");
    }
    store_ = std::make_unique<PostgresStorage>(
        host_.host(),
        sdk::Config(store_config(cluster_.url("restart_test"),
                                 "\"connect_timeout_s\": " + std::to_string(kConnectTimeoutS))));
    store_->migrate();
    user_ = new_uuid();
    account_ = new_uuid();
    auto account = sdk::make<mt5b_account_record>();
    account.is_active = 1;
    account.id = s_(account_);
    account.user_id = s_(user_);
    account.login = 1;
    account.server = s_("Demo");
    auto credential = sdk::make<mt5b_credential_record>();
    credential.key_id = s_("key-1");
    credential.ciphertext = s_("sealed");
    store_->account_insert(account, credential);
    lease_for(*store_, account_, "host-a", kSyncNowMs);
  }

  // The status of `call` and how long it took; asserts the message names the server and never
  // the password.
  mt5b_status timed_status(const std::function<void()>& call, std::chrono::milliseconds& took) {
    const Clock::time_point start = Clock::now();
    mt5b_status status = MT5B_OK;
    try {
      call();
    } catch (const sdk::Error& error) {
      status = error.status();
      const std::string message = error.what();
      EXPECT_EQ(message.find(kPassword), std::string::npos) << message;
      if (status == MT5B_UNAVAILABLE) {
        EXPECT_NE(message.find("PostgreSQL at 127.0.0.1:" + std::to_string(cluster_.port()) +
                               " is unreachable"),
                  std::string::npos)
            << message;
      }
    }
    took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    return status;
  }

  int64_t count(const std::string& sql) {
    pqxx::connection connection = cluster_.connect("restart_test");
    pqxx::nontransaction txn(connection);
    return txn.exec1(sql)[0].as<int64_t>();
  }

  OwnCluster cluster_;
  sdk::testing::FakeHost host_;
  Strings s_;
  std::unique_ptr<PostgresStorage> store_;
  std::string user_, account_;
};

TEST_F(DatabaseRestart, calls_fail_fast_while_the_database_is_down_and_succeed_after_it_is_back) {
  cluster_.stop();
  const std::vector<std::pair<const char*, std::function<void()>>> calls = {
      {"ping", [&] { store_->ping(); }},
      {"account_get", [&] { get_account(*store_, account_); }},
      {"account_list", [&] { list_accounts(*store_, sdk::make<mt5b_account_query>()); }},
      {"account_delete", [&] { store_->account_delete(account_); }},
      {"sync_apply",
       [&] {
         SyncBatch batch(account_, "host-a");
         batch.deal(1, kSyncNowMs);
         store_->sync_apply(batch.apply());
       }},
  };
  for (const auto& [name, call] : calls) {
    std::chrono::milliseconds took{};
    EXPECT_EQ(timed_status(call, took), MT5B_UNAVAILABLE) << name;
    EXPECT_LT(took.count(), kConnectTimeoutS * 1000 + 1000) << name << " waited too long";
  }

  cluster_.start();
  // The same instance, nothing recreated: the pool reconnects on the next call.
  std::chrono::milliseconds took{};
  EXPECT_EQ(timed_status([&] { store_->ping(); }, took), MT5B_OK);
  EXPECT_EQ(get_account(*store_, account_).id, account_);
  SyncBatch batch(account_, "host-a");
  batch.deal(1, kSyncNowMs);
  EXPECT_EQ(store_->sync_apply(batch.apply()).deals_inserted, 1);
  EXPECT_TRUE(host_.logged("reconnected to PostgreSQL at 127.0.0.1:"));
  for (const auto& line : host_.logs()) {
    EXPECT_EQ(line.message.find(kPassword), std::string::npos) << line.message;
  }
}

TEST_F(DatabaseRestart, an_apply_cut_off_by_a_shutdown_leaves_nothing_half_written) {
  const std::string log_id = new_uuid();
  // Another session holds the sync log's id, so the apply, having written its deals, trades and
  // positions, waits at its last statement until the server goes down.
  pqxx::connection blocker = cluster_.connect("restart_test");
  pqxx::work blocking(blocker);
  blocking.exec("INSERT INTO sync_logs (id, account_id, sync_type, started_at, status) VALUES ('" +
                log_id + "', '" + account_ + "', 'manual', now(), 'processing')");

  SyncBatch batch(account_, "host-a");
  batch.position(10);
  batch.trade(20);
  batch.deal(30, kSyncNowMs);
  batch.transaction(40, "deposit", 1, kSyncNowMs);
  batch.log(log_id);
  std::future<mt5b_status> applying = std::async(
      std::launch::async, [&] { return status_of([&] { store_->sync_apply(batch.apply()); }); });
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(10);
  while (count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND "
               "datname = 'restart_test'") == 0) {
    ASSERT_LT(Clock::now(), deadline) << "the apply never reached its last statement";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  cluster_.stop();
  EXPECT_EQ(applying.get(), MT5B_UNAVAILABLE);
  cluster_.start();

  for (const char* table : {"deals", "trades", "account_transactions", "sync_logs"}) {
    EXPECT_EQ(count(std::string("SELECT count(*) FROM ") + table), 0) << table;
  }
  EXPECT_EQ(count("SELECT count(*) FROM trading_accounts WHERE last_sync_at IS NOT NULL"), 0);
  // Sent again once the database is back, the same apply goes through whole.
  mt5b_sync_apply_result result = store_->sync_apply(batch.apply());
  EXPECT_EQ(result.deals_inserted, 1);
  EXPECT_EQ(count("SELECT count(*) FROM sync_logs"), 1);
}

}  // namespace
}  // namespace mt5b::storage_postgres::testing
