// Moves the database schema up or down through the embedded migrations (migrations.hpp).
//
// Everything happens in ONE transaction holding a transaction-scoped advisory lock: hosts that
// start together take turns, the first migrates and the others find the work done; a failing
// step leaves the schema exactly as it was (PostgreSQL's DDL is transactional).
// schema_migrations (version, applied_at) records which versions are applied, as in
// storage-sqlite.
#ifndef MT5B_STORAGE_POSTGRES_MIGRATOR_HPP
#define MT5B_STORAGE_POSTGRES_MIGRATOR_HPP

#include <pqxx/connection>

#include <cstdint>
#include <string>
#include <vector>

namespace mt5b::storage_postgres {

struct MigrationStep {
  int64_t version;
  std::string name;
  bool up;  // false: its down step ran
};

struct MigrationOutcome {
  int64_t from_version = 0;
  int64_t to_version = 0;
  std::vector<MigrationStep> steps;  // in the order they ran
};

int64_t latest_migration_version();

// Moves the schema in `schema` (created when missing) to `target_version` (0 = nothing of
// mt5bridge's, latest_migration_version() = everything). The caller checks the range.
// Errors: pqxx exceptions as they come; sdk::Error(FAILED) when the database is at a version
// newer than this plugin knows or `schema_migrations` belongs to another tool.
MigrationOutcome migrate_schema(pqxx::connection& connection, const std::string& schema,
                                int64_t target_version);

// The applied version, 0 when schema_migrations does not exist yet.
int64_t current_schema_version(pqxx::connection& connection);

}  // namespace mt5b::storage_postgres

#endif  // MT5B_STORAGE_POSTGRES_MIGRATOR_HPP
