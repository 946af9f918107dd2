// The connection pool: lazy connections, per-session settings, and dead ones replaced.
#include "connection_pool.hpp"
#include "pg_test_support.hpp"
#include "record_copies.hpp"
#include "statements.hpp"

#include <chrono>
#include <optional>
#include <thread>

namespace mt5b::storage_postgres::testing {
namespace {

class ConnectionPoolTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { database_ = std::make_unique<Database>("pool"); }
  static void TearDownTestSuite() { database_.reset(); }

  std::unique_ptr<ConnectionPool> pool(int size, const std::string& schema = "public") {
    ConnectionPool::Settings settings;
    settings.conninfo = database_->url();
    settings.endpoint = "127.0.0.1:" + std::to_string(cluster().port);
    settings.schema = schema;
    settings.size = size;
    settings.statement_timeout_ms = 250;
    settings.acquire_timeout = std::chrono::milliseconds(100);
    return std::make_unique<ConnectionPool>(settings, host_.host(), &prepare_statements);
  }

  static int backend_pid(ConnectionPool::Lease& lease) {
    pqxx::nontransaction txn(lease.connection());
    return txn.exec1("SELECT pg_backend_pid()")[0].as<int>();
  }

  static std::unique_ptr<Database> database_;
  sdk::testing::FakeHost host_;
};

std::unique_ptr<Database> ConnectionPoolTest::database_;

TEST_F(ConnectionPoolTest, connects_on_first_use_and_reuses_the_connection_afterwards) {
  std::unique_ptr<ConnectionPool> connections = pool(2);
  int first_pid = 0;
  {
    ConnectionPool::Lease lease = connections->acquire();
    EXPECT_FALSE(lease.reused());
    first_pid = backend_pid(lease);
  }
  ConnectionPool::Lease again = connections->acquire();
  EXPECT_TRUE(again.reused());
  EXPECT_EQ(backend_pid(again), first_pid);
}

TEST_F(ConnectionPoolTest, every_session_gets_the_schema_the_statement_timeout_and_no_jit) {
  std::unique_ptr<ConnectionPool> connections = pool(1, "Mt5 Bridge");
  ConnectionPool::Lease lease = connections->acquire();
  pqxx::nontransaction txn(lease.connection());
  EXPECT_EQ(txn.exec1("SHOW statement_timeout")[0].as<std::string>(), "250ms");
  EXPECT_EQ(txn.exec1("SHOW search_path")[0].as<std::string>(), "\"Mt5 Bridge\"");
  // Regression: with JIT on, a group's sync apply was compiled on every call (30-40 ms).
  EXPECT_EQ(txn.exec1("SHOW jit")[0].as<std::string>(), "off");
  EXPECT_THROW(txn.exec("SELECT pg_sleep(1)"), pqxx::sql_error);  // cancelled at 250 ms
}

TEST_F(ConnectionPoolTest, a_connection_the_server_closed_while_idle_is_replaced_before_use) {
  std::unique_ptr<ConnectionPool> connections = pool(1);
  int dead_pid = 0;
  {
    ConnectionPool::Lease lease = connections->acquire();
    dead_pid = backend_pid(lease);
  }
  database_->exec("SELECT pg_terminate_backend(" + std::to_string(dead_pid) + ")");
  // Wait until the backend is gone, so its goodbye has reached the idle socket.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (database_->count("SELECT count(*) FROM pg_stat_activity WHERE pid = " +
                          std::to_string(dead_pid)) != 0) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the backend did not go away";
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ConnectionPool::Lease fresh = connections->acquire();
  EXPECT_FALSE(fresh.reused());
  EXPECT_NE(backend_pid(fresh), dead_pid);
}

TEST_F(ConnectionPoolTest, a_discarded_connection_is_closed_instead_of_returned) {
  std::unique_ptr<ConnectionPool> connections = pool(1);
  int discarded_pid = 0;
  {
    ConnectionPool::Lease lease = connections->acquire();
    discarded_pid = backend_pid(lease);
    lease.discard();
  }
  ConnectionPool::Lease next = connections->acquire();
  EXPECT_FALSE(next.reused());
  EXPECT_NE(backend_pid(next), discarded_pid);
}

TEST_F(ConnectionPoolTest, when_every_connection_stays_busy_the_call_fails_with_retry) {
  std::unique_ptr<ConnectionPool> connections = pool(1);
  std::optional<ConnectionPool::Lease> held(connections->acquire());
  EXPECT_EQ(status_of([&] { connections->acquire(); }), MT5B_RETRY);
  held.reset();
  EXPECT_EQ(status_of([&] { connections->acquire(); }), MT5B_OK);
}

TEST_F(ConnectionPoolTest, retiring_all_connections_replaces_them_on_next_use) {
  std::unique_ptr<ConnectionPool> connections = pool(1);
  int old_pid = 0;
  {
    ConnectionPool::Lease lease = connections->acquire();
    old_pid = backend_pid(lease);
  }
  connections->retire_all();
  ConnectionPool::Lease next = connections->acquire();
  EXPECT_FALSE(next.reused());
  EXPECT_NE(backend_pid(next), old_pid);
}

}  // namespace
}  // namespace mt5b::storage_postgres::testing
