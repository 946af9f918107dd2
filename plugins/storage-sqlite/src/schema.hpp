// The database schema as an ordered list of migrations, each with an up and a down step, and
// the runner that moves a database between versions. Table and column names match the
// PostgreSQL/Supabase schema, so queries and tools work on both.
#ifndef MT5B_STORAGE_SQLITE_SCHEMA_HPP
#define MT5B_STORAGE_SQLITE_SCHEMA_HPP

#include "sqlite_connection.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace mt5b::storage_sqlite {

struct Migration {
  int64_t version;
  const char* description;
  const char* up;    // constant DDL, run as one script
  const char* down;  // undoes exactly what `up` did; data in older tables survives
};

// Every migration, oldest first. Never edit a released one: append a new version instead.
std::span<const Migration> migrations();

// The newest version this plugin knows.
int64_t latest_schema_version();

// The version the database is at (0 for a new file); creates schema_migrations when missing.
int64_t current_schema_version(Connection& writer);

// One step a migration run took: `version` went up (applied) or down (reverted).
struct MigrationStep {
  int64_t version;
  bool up;
};

// Moves the schema, in one transaction, to `target_version` (-1 = latest; 0 = every down step
// run, leaving only schema_migrations), recording each applied version in schema_migrations
// with `applied_at` (ISO text) and removing each reverted one. Returns the steps taken (empty
// when already there). Throws SqliteError; mt5b::sdk::Error(INVALID_ARGUMENT) for an unknown
// target; mt5b::sdk::Error(FAILED) when the database was written by a newer plugin version.
std::vector<MigrationStep> migrate_schema(Connection& writer, int64_t target_version,
                                          const std::string& applied_at);

}  // namespace mt5b::storage_sqlite

#endif  // MT5B_STORAGE_SQLITE_SCHEMA_HPP
