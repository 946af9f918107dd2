#include "migrator.hpp"

#include "migrations.hpp"

#include <mt5bridge/sdk.hpp>

#include <pqxx/nontransaction>
#include <pqxx/transaction>

namespace mt5b::storage_postgres {
namespace {

// One fixed key for every mt5bridge instance on the database ("mt5brmig" in ASCII), so hosts
// starting together migrate one after the other.
constexpr int64_t kMigrationLockKey = 0x6d74356272'6d6967;

// Waiting for another host's migration is normal; waiting forever is not.
constexpr const char* kMigrationLockTimeout = "120s";

const EmbeddedMigration& migration(int64_t version) {
  return embedded_migrations()[static_cast<size_t>(version - 1)];
}

// Another tool's schema_migrations (e.g. golang-migrate's) must not be mistaken for ours.
void refuse_foreign_table(pqxx::work& txn, const std::string& schema) {
  pqxx::row found = txn.exec_params1(
      "SELECT to_regclass('schema_migrations') IS NOT NULL, (SELECT count(*) FROM"
      " information_schema.columns WHERE table_schema = $1 AND table_name = 'schema_migrations'"
      " AND column_name IN ('version', 'applied_at'))",
      schema);
  if (found[0].as<bool>() && found[1].as<int64_t>() != 2) {
    throw sdk::Error(MT5B_FAILED,
                     "schema '" + schema +
                         "' already has a schema_migrations table of another tool; set the "
                         "schema option to a schema of mt5bridge's own (e.g. mt5bridge)");
  }
}

}  // namespace

int64_t latest_migration_version() {
  return static_cast<int64_t>(embedded_migrations().size());
}

MigrationOutcome migrate_schema(pqxx::connection& connection, const std::string& schema,
                                int64_t target_version) {
  pqxx::work txn(connection, "migrate");
  txn.exec(std::string("SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = '") +
           kMigrationLockTimeout + "'");
  txn.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) + ")");
  // CREATE SCHEMA IF NOT EXISTS would still need the CREATE privilege on the database, which a
  // Supabase user of an existing schema may lack: create only what is missing.
  if (txn.exec_params1("SELECT to_regnamespace(quote_ident($1)) IS NULL", schema)[0].as<bool>()) {
    txn.exec("CREATE SCHEMA " + txn.quote_name(schema));
  }
  txn.exec_params("SELECT set_config('search_path', $1, true)", txn.quote_name(schema));
  refuse_foreign_table(txn, schema);
  txn.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version bigint PRIMARY KEY,"
      " applied_at timestamptz NOT NULL DEFAULT now())");
  // Supabase's default privileges would let anon and authenticated read and write it.
  txn.exec(
      "ALTER TABLE schema_migrations ENABLE ROW LEVEL SECURITY;"
      " DO $lock$ BEGIN"
      " IF to_regrole('anon') IS NOT NULL THEN REVOKE ALL ON schema_migrations FROM anon; END IF;"
      " IF to_regrole('authenticated') IS NOT NULL THEN"
      " REVOKE ALL ON schema_migrations FROM authenticated; END IF;"
      " END $lock$");

  MigrationOutcome outcome;
  outcome.from_version =
      txn.exec1("SELECT coalesce(max(version), 0) FROM schema_migrations")[0].as<int64_t>();
  if (outcome.from_version > latest_migration_version()) {
    throw sdk::Error(MT5B_FAILED, "the database schema is at version " +
                                      std::to_string(outcome.from_version) +
                                      " but this storage-postgres knows only up to " +
                                      std::to_string(latest_migration_version()) +
                                      "; upgrade the plugin, or migrate down with the newer one");
  }
  for (int64_t v = outcome.from_version + 1; v <= target_version; ++v) {
    txn.exec(migration(v).up_sql);
    txn.exec_params("INSERT INTO schema_migrations (version) VALUES ($1)", v);
    outcome.steps.push_back({v, migration(v).name, true});
  }
  for (int64_t v = outcome.from_version; v > target_version; --v) {
    txn.exec(migration(v).down_sql);
    txn.exec_params("DELETE FROM schema_migrations WHERE version = $1", v);
    outcome.steps.push_back({v, migration(v).name, false});
  }
  txn.commit();
  outcome.to_version = outcome.steps.empty() ? outcome.from_version : target_version;
  return outcome;
}

int64_t current_schema_version(pqxx::connection& connection) {
  pqxx::nontransaction txn(connection);
  if (txn.exec1("SELECT to_regclass('schema_migrations') IS NULL")[0].as<bool>()) return 0;
  return txn.exec1("SELECT coalesce(max(version), 0) FROM schema_migrations")[0].as<int64_t>();
}

}  // namespace mt5b::storage_postgres
