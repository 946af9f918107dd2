#include "schema.hpp"

#include <mt5bridge/sdk.hpp>

namespace mt5b::storage_sqlite {
namespace {

int64_t read_version(Connection& writer) {
  auto query = writer.statement("SELECT coalesce(max(version), 0) FROM schema_migrations");
  return query.step() ? query.integer(0) : 0;
}

void create_migrations_table(Connection& writer) {
  writer.execute(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY NOT NULL,"
      " applied_at TEXT NOT NULL)");
}

}  // namespace

int64_t current_schema_version(Connection& writer) {
  create_migrations_table(writer);
  return read_version(writer);
}

std::vector<MigrationStep> migrate_schema(Connection& writer, int64_t target_version,
                                          const std::string& applied_at) {
  const int64_t latest = latest_schema_version();
  if (target_version == -1) target_version = latest;
  if (target_version < 0 || target_version > latest) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT, "schema version " + std::to_string(target_version) +
                                                " is unknown to this storage-sqlite; pass 0 to " +
                                                std::to_string(latest) + ", or -1 for the latest");
  }
  Transaction transaction(writer);
  create_migrations_table(writer);
  const int64_t current = read_version(writer);
  if (current > latest) {
    throw sdk::Error(MT5B_FAILED, "the database is at schema version " + std::to_string(current) +
                                      " but this storage-sqlite knows only up to " +
                                      std::to_string(latest) +
                                      "; upgrade the plugin or point path at another file");
  }
  std::vector<MigrationStep> steps;
  for (const Migration& migration : migrations()) {
    if (migration.version <= current || migration.version > target_version) continue;
    writer.execute(migration.up);
    auto record =
        writer.statement("INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)");
    record.bind_int(1, migration.version);
    record.bind_text(2, applied_at);
    record.run();
    steps.push_back({migration.version, true});
  }
  const auto all = migrations();
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (it->version > current || it->version <= target_version) continue;
    writer.execute(it->down);
    auto forget = writer.statement("DELETE FROM schema_migrations WHERE version = ?1");
    forget.bind_int(1, it->version);
    forget.run();
    steps.push_back({it->version, false});
  }
  transaction.commit();
  return steps;
}

}  // namespace mt5b::storage_sqlite
