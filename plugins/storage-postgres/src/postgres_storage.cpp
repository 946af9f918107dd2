#include "postgres_storage.hpp"

#include "migrations.hpp"
#include "migrator.hpp"
#include "statements.hpp"

#include <pqxx/nontransaction>

#include <algorithm>
#include <chrono>

namespace mt5b::storage_postgres {
namespace {

// migrations/003_row_level_security: its user policies need Supabase's auth.uid().
constexpr int64_t kRowLevelSecurityVersion = 3;

}  // namespace

std::span<const mt5b_option> PostgresStorage::options() {
  static constexpr mt5b_option kOptions[] = {
      sdk::option("url", MT5B_OPT_STRING, MT5B_OPT_REQUIRED | MT5B_OPT_SECRET, nullptr,
                  "The database, as a libpq connection string: a URL "
                  "postgresql://user:password@host:5432/database?sslmode=require or keywords "
                  "host=... port=... dbname=... user=... password=...."),
      sdk::option("pool_size", MT5B_OPT_INT, 0, "4",
                  "How many connections this host keeps open at most (1-100)."),
      sdk::option("statement_timeout_ms", MT5B_OPT_INT, 0, "10000",
                  "How long one statement may run before PostgreSQL cancels it and the call "
                  "fails with TIMEOUT; 0 = no limit."),
      sdk::option("connect_timeout_s", MT5B_OPT_INT, 0, "5",
                  "How long opening a connection may take before the call fails with "
                  "UNAVAILABLE (1-600)."),
      sdk::option("schema", MT5B_OPT_STRING, 0, "\"public\"",
                  "The schema holding mt5bridge's tables; created when missing."),
      sdk::option("apply_migrations", MT5B_OPT_BOOL, 0, "true",
                  "Migrate the schema to this plugin's version at start-up (one host at a time, "
                  "under an advisory lock). When false, run `mt5bridge migrate` before starting."),
      sdk::option("apply_connections", MT5B_OPT_INT, 0, "2",
                  "How many connections write sync applies at once (1 to pool_size). Applies "
                  "that arrive while they are busy wait and are written together, each account "
                  "still all or nothing; more suits a database with more cores or further "
                  "away."),
      sdk::option("apply_group_max", MT5B_OPT_INT, 0, "16",
                  "How many waiting sync applies one transaction may carry (1-1000; 1 writes "
                  "each alone)."),
  };
  return kOptions;
}

PostgresStorage::PostgresStorage(sdk::Host host, const sdk::Config& config)
    : host_(host), settings_(read_connection_settings(config)) {
  ConnectionPool::Settings pool;
  pool.conninfo = settings_.conninfo;
  pool.endpoint = settings_.endpoint;
  pool.schema = settings_.schema;
  pool.size = settings_.pool_size;
  pool.statement_timeout_ms = settings_.statement_timeout_ms;
  // A call waiting for a busy pool should give up about when a statement would have.
  pool.acquire_timeout = std::chrono::milliseconds(
      settings_.statement_timeout_ms > 0 ? settings_.statement_timeout_ms : 30'000);
  pool_ = std::make_unique<ConnectionPool>(std::move(pool), host_, &prepare_statements);
  host_.info("storage-postgres will use PostgreSQL at " + settings_.endpoint + ", schema '" +
             settings_.schema + "', up to " + std::to_string(settings_.pool_size) + " connections");
}

int64_t PostgresStorage::now_ms() const {
  const int64_t now = host_.now_unix_ms();
  if (now != 0) return now;
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void PostgresStorage::migrate() {
  if (settings_.apply_migrations) {
    migrate_to(-1);
    return;
  }
  int64_t version = 0;
  run_on_connection(*pool_, "read the schema version", [&](pqxx::connection& connection) {
    version = current_schema_version(connection);
  });
  if (version != latest_migration_version()) {
    throw sdk::Error(MT5B_FAILED, "the database schema is at version " + std::to_string(version) +
                                      " but this storage-postgres needs version " +
                                      std::to_string(latest_migration_version()) +
                                      "; run `mt5bridge migrate`, or set apply_migrations: true");
  }
}

int64_t PostgresStorage::migrate_to(int64_t target_version) {
  const int64_t latest = latest_migration_version();
  if (target_version == -2) {  // report the current version, change nothing
    int64_t current = 0;
    run_on_connection(*pool_, "read the schema version", [&](pqxx::connection& connection) {
      current = current_schema_version(connection);
    });
    return current;
  }
  if (target_version == -1) target_version = latest;
  if (target_version < 0 || target_version > latest) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT, "there is no schema version " +
                                                std::to_string(target_version) +
                                                "; choose 0 (empty) to " + std::to_string(latest) +
                                                ", or -1 for the latest");
  }
  MigrationOutcome outcome;
  bool has_auth_schema = true;
  run_on_connection(*pool_, "migrate the schema", [&](pqxx::connection& connection) {
    outcome = migrate_schema(connection, settings_.schema, target_version);
    pqxx::nontransaction probe(connection);
    has_auth_schema = probe.exec1("SELECT to_regprocedure('auth.uid()') IS NOT NULL")[0].as<bool>();
  });
  if (!outcome.steps.empty()) {
    // Statements prepared on the old schema may name columns that are gone.
    pool_->retire_all();
  }
  for (const MigrationStep& step : outcome.steps) {
    host_.info(std::string(step.up ? "applied" : "reverted") + " schema migration " +
               std::to_string(step.version) + " (" + step.name + ") in schema '" +
               settings_.schema + "' at " + settings_.endpoint);
  }
  const bool applied_row_level_security =
      std::any_of(outcome.steps.begin(), outcome.steps.end(), [](const MigrationStep& step) {
        return step.up && step.version == kRowLevelSecurityVersion;
      });
  if (applied_row_level_security && !has_auth_schema) {
    host_.info(
        "row-level security is on without user policies: this database has no Supabase auth "
        "schema (auth.uid()), so only mt5bridge's own role can read its tables");
  }
  return outcome.to_version;
}

void PostgresStorage::ping() {
  read("reach the database", [](pqxx::nontransaction& txn) { txn.exec("SELECT 1"); });
}

}  // namespace mt5b::storage_postgres
