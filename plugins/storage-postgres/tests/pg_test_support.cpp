#include "pg_test_support.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

namespace mt5b::storage_postgres::testing {
namespace {

constexpr const char* kClusterDirVariable = "MT5B_PG_CLUSTER_DIR";

std::string random_hex(size_t digits) {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < digits; ++i) out += kHex[generator() % 16];
  return out;
}

}  // namespace

Cluster cluster() {
  const char* dir = std::getenv(kClusterDirVariable);
  if (dir == nullptr || *dir == '\0') {
    throw std::runtime_error(std::string(kClusterDirVariable) +
                             " is not set: run the tests with ctest, or directly (which starts "
                             "a cluster of its own)");
  }
  Cluster c;
  c.dir = dir;
  std::ifstream port_file(c.dir + "/port");
  if (!(port_file >> c.port)) {
    throw std::runtime_error("no PostgreSQL port in " + c.dir +
                             "/port: did storage_postgres.cluster_start run?");
  }
  return c;
}

int run_pg_ctl(const std::string& arguments) {
  // The watchdog guards a run that dies: it destroys the cluster once this process is gone.
  const std::string command = "MT5B_PG_WATCH_PID=" + std::to_string(::getpid()) + " '" +
                              PG_CTL_SCRIPT + "' " + arguments + " >/dev/null";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void ClusterEnvironment::SetUp() {
  const char* existing = std::getenv(kClusterDirVariable);
  if (existing != nullptr && *existing != '\0') return;  // ctest's fixture started one
  char pattern[] = "/tmp/mt5b-pg-test-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("cannot create a temporary dir");
  owned_dir_ = pattern;
  // postgres (not root) must be able to enter it.
  std::filesystem::permissions(
      owned_dir_, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                      std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                      std::filesystem::perms::others_exec);
  if (run_pg_ctl("start '" + owned_dir_ + "'") != 0) {
    throw std::runtime_error("tests/pg/pg_ctl.sh could not start PostgreSQL in " + owned_dir_);
  }
  ::setenv(kClusterDirVariable, owned_dir_.c_str(), 1);
}

void ClusterEnvironment::TearDown() {
  if (owned_dir_.empty()) return;
  run_pg_ctl("destroy '" + owned_dir_ + "'");
  ::unsetenv(kClusterDirVariable);
}

std::string conninfo(const Cluster& cluster, const std::string& database) {
  return "host=127.0.0.1 port=" + std::to_string(cluster.port) +
         " user=mt5bridge dbname=" + database + " connect_timeout=5";
}

Database::Database(std::string_view label, bool with_auth_shim) : cluster_(cluster()) {
  name_ = "t_";
  for (char c : label.substr(0, 28)) {
    name_ += (c >= 'A' && c <= 'Z')                               ? static_cast<char>(c - 'A' + 'a')
             : ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) ? c
                                                                  : '_';
  }
  name_ += "_" + std::to_string(::getpid()) + "_" + random_hex(8);
  pqxx::connection admin(conninfo(cluster_, "postgres"));
  pqxx::nontransaction txn(admin);
  const std::string create = "CREATE DATABASE " + txn.quote_name(name_) + " TEMPLATE " +
                             (with_auth_shim ? "mt5b_template" : "template0");
  // Copying a template fails while anyone else is connected to it; that is brief.
  for (int attempt = 1;; ++attempt) {
    try {
      txn.exec(create);
      return;
    } catch (const pqxx::sql_error&) {
      if (attempt == 20) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

Database::~Database() {
  try {
    pqxx::connection admin(conninfo(cluster_, "postgres"));
    pqxx::nontransaction txn(admin);
    txn.exec("DROP DATABASE IF EXISTS " + txn.quote_name(name_) + " WITH (FORCE)");
  } catch (const std::exception&) {
    // The cluster is destroyed after the run anyway.
  }
}

pqxx::result Database::exec(const std::string& sql) const {
  pqxx::connection connection(url());
  pqxx::nontransaction txn(connection);
  return txn.exec(sql);
}

std::string new_uuid() {
  std::string hex = random_hex(32);
  hex[12] = '4';
  hex[16] = "89ab"[hex[16] % 4];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

std::string store_config(const std::string& url, const std::string& extra) {
  std::string json = "{\"url\": \"" + url + "\"";
  if (!extra.empty()) json += ", " + extra;
  return json + "}";
}

std::unique_ptr<Database> PostgresTest::database_;

void PostgresTest::SetUpTestSuite() {
  database_ =
      std::make_unique<Database>(::testing::UnitTest::GetInstance()->current_test_suite()->name());
}

void PostgresTest::TearDownTestSuite() {
  database_.reset();
}

void PostgresTest::SetUp() {
  store_ = make_store();
  store_->migrate();
}

std::unique_ptr<PostgresStorage> PostgresTest::make_store(const std::string& extra) {
  return std::make_unique<PostgresStorage>(host_.host(),
                                           sdk::Config(store_config(db().url(), extra)));
}

mt5b_account_record PostgresTest::account_record(const std::string& id, const std::string& user_id,
                                                 int64_t login) {
  auto a = sdk::make<mt5b_account_record>();
  a.is_active = 1;
  a.id = s_(id);
  a.user_id = s_(user_id);
  a.login = login;
  a.server = s_("ICMarketsSC-Demo");
  a.broker_name = s_("IC Markets");
  a.broker_instance = s_("mock-1");
  a.connection_status = s_("active");
  a.broker_server_time_offset_s = 7200;
  a.currency = s_("USD");
  a.leverage = 500;
  a.balance = 10'000.5;
  a.equity = 10'100.25;
  a.margin = 200;
  a.free_margin = 9'900.25;
  a.margin_level = 5050.125;
  a.credit = 0;
  a.profit = 99.75;
  a.created_at_ms = host_.api()->callback_now_unix_ms(host_.api()->host_ctx);
  return a;
}

mt5b_credential_record PostgresTest::credential_record(const std::string& account_id,
                                                       const std::string& user_id) {
  auto c = sdk::make<mt5b_credential_record>();
  c.account_id = s_(account_id);
  c.user_id = s_(user_id);
  c.key_id = s_("key-1");
  c.ciphertext = s_(std::string("\x01\x00sealed\xff", 9));
  return c;
}

std::string PostgresTest::insert_account(const std::string& user_id, int64_t login) {
  static thread_local int64_t next_login = 50'000'000;
  const std::string id = new_uuid();
  const std::string user = user_id.empty() ? new_uuid() : user_id;
  store().account_insert(account_record(id, user, login != 0 ? login : ++next_login),
                         credential_record(id, user));
  return id;
}

}  // namespace mt5b::storage_postgres::testing
