// The database schema as an ordered list of migrations, and the runner that applies the ones a
// database lacks. Table and column names match the PostgreSQL/Supabase schema, so queries and
// tools work on both.
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
  const char* sql;  // constant DDL, run as one script
};

// Every migration, oldest first. Never edit a released one: append a new version instead.
std::span<const Migration> migrations();

// The newest version this plugin knows.
int64_t latest_schema_version();

// Applies, in one transaction, every migration newer than the database's version and records
// each in schema_migrations with `applied_at` (ISO text). Returns the versions applied (empty
// when already current). Throws SqliteError, or mt5b::sdk::Error(FAILED) when the database was
// written by a newer plugin version than this one.
std::vector<int64_t> apply_migrations(Connection& writer, const std::string& applied_at);

}  // namespace mt5b::storage_sqlite

#endif  // MT5B_STORAGE_SQLITE_SCHEMA_HPP
