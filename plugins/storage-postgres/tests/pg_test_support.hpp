// A real PostgreSQL 15 for the tests, and the fixtures built on it.
//
// Under ctest the cluster is started once for the whole run by the fixture test
// storage_postgres.cluster_start (tests/pg/pg_ctl.sh) and found through MT5B_PG_CLUSTER_DIR.
// Run directly, the test binary starts one itself in a temporary directory and destroys it at
// exit (ClusterEnvironment). Either way each test suite gets a database of its own, copied from
// the cluster's template that holds the Supabase-like auth shim (tests/pg/supabase_shim.sql).
#ifndef MT5B_STORAGE_POSTGRES_TESTS_PG_TEST_SUPPORT_HPP
#define MT5B_STORAGE_POSTGRES_TESTS_PG_TEST_SUPPORT_HPP

#include "postgres_storage.hpp"

#include <mt5bridge/testing.hpp>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <deque>
#include <memory>
#include <string>
#include <string_view>

namespace mt5b::storage_postgres::testing {

// Where the cluster is: MT5B_PG_CLUSTER_DIR and the port written there by pg_ctl.sh.
struct Cluster {
  std::string dir;
  int port = 0;
};
Cluster cluster();

// Runs tests/pg/pg_ctl.sh with `arguments`; the exit status.
int run_pg_ctl(const std::string& arguments);

// Starts a cluster for a directly run test binary; under ctest it leaves the fixture's alone.
class ClusterEnvironment : public ::testing::Environment {
 public:
  void SetUp() override;
  void TearDown() override;

 private:
  std::string owned_dir_;
};

// "host=127.0.0.1 port=... user=mt5bridge dbname=..."
std::string conninfo(const Cluster& cluster, const std::string& database);

// A fresh database, dropped again on destruction.
class Database {
 public:
  // From the template with the auth shim, or (with_auth_shim = false) from template0, i.e. a
  // plain PostgreSQL database as a non-Supabase user would have.
  explicit Database(std::string_view label, bool with_auth_shim = true);
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  const std::string& name() const { return name_; }
  std::string url() const { return conninfo(cluster_, name_); }
  // Runs SQL as the cluster's superuser (the tables' owner).
  pqxx::result exec(const std::string& sql) const;
  int64_t count(const std::string& sql) const { return exec(sql)[0][0].as<int64_t>(); }

 private:
  Cluster cluster_;
  std::string name_;
};

// A random version-4 UUID in lowercase text.
std::string new_uuid();

// Keeps the strings a test's ABI records point at alive for the test.
class Strings {
 public:
  mt5b_str operator()(std::string text) {
    const std::string& kept = kept_.emplace_back(std::move(text));
    return sdk::str(kept);
  }

 private:
  std::deque<std::string> kept_;
};

// The config JSON of a store on `url`, with `extra` members appended (e.g. `"pool_size": 1`).
std::string store_config(const std::string& url, const std::string& extra = "");

// One migrated database per test suite; store() is a PostgresStorage on it for the test.
class PostgresTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  static Database& db() { return *database_; }
  PostgresStorage& store() { return *store_; }
  std::unique_ptr<PostgresStorage> make_store(const std::string& extra = "");

  // An account of `user_id` (a new user when empty) inserted with its credential; its id.
  std::string insert_account(const std::string& user_id = "", int64_t login = 0);
  // An account record with every field set, for inserts.
  mt5b_account_record account_record(const std::string& id, const std::string& user_id,
                                     int64_t login);
  mt5b_credential_record credential_record(const std::string& account_id,
                                           const std::string& user_id);

  sdk::testing::FakeHost host_;
  Strings s_;

 private:
  static std::unique_ptr<Database> database_;
  std::unique_ptr<PostgresStorage> store_;
};

}  // namespace mt5b::storage_postgres::testing

#endif  // MT5B_STORAGE_POSTGRES_TESTS_PG_TEST_SUPPORT_HPP
