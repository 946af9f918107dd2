// The schema steps, numbered from 1, each with its way back. The .sql files in
// plugins/storage-postgres/migrations/ are compiled into the plugin at build time
// (cmake/embed_migrations.cmake), so an installed plugin needs nothing else on disk.
#ifndef MT5B_STORAGE_POSTGRES_MIGRATIONS_HPP
#define MT5B_STORAGE_POSTGRES_MIGRATIONS_HPP

#include <cstdint>
#include <span>

namespace mt5b::storage_postgres {

struct EmbeddedMigration {
  int64_t version;       // 1, 2, 3, ... without gaps
  const char* name;      // e.g. "accounts_and_synced_data"
  const char* up_sql;    // moves the schema from version - 1 to version
  const char* down_sql;  // moves it back from version to version - 1
};

// In version order. Defined in the generated embedded_migrations.cpp.
std::span<const EmbeddedMigration> embedded_migrations();

}  // namespace mt5b::storage_postgres

#endif  // MT5B_STORAGE_POSTGRES_MIGRATIONS_HPP
