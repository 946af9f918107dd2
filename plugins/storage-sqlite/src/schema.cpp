#include "schema.hpp"

#include <mt5bridge/sdk.hpp>

namespace mt5b::storage_sqlite {
namespace {

// Column defaults that PostgreSQL spells gen_random_uuid() and now(): a random version-4 UUID
// in lowercase text, and the current time in the same ISO form the plugin writes.
#define MT5B_SQL_UUID                                                          \
  "(lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || " \
  "substr(lower(hex(randomblob(2))), 2) || '-' || "                            \
  "substr('89ab', 1 + (abs(random()) % 4), 1) || "                             \
  "substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))))"
#define MT5B_SQL_NOW "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"

// Version 1: accounts, their sealed credentials, and the synced MT5 data (MT5.md). Times are
// ISO 8601 UTC text; `*_broker` columns keep the broker's wall clock with its offset
// (e.g. 2025-11-12T11:00:00+03:00) as MT5.md asks.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE trading_accounts (
  id TEXT PRIMARY KEY NOT NULL,
  user_id TEXT NOT NULL,
  login INTEGER NOT NULL,
  server TEXT NOT NULL,
  broker_name TEXT,
  broker_instance TEXT,
  platform TEXT DEFAULT 'mt5',
  is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  connection_status TEXT NOT NULL DEFAULT 'active',
  last_connection_error TEXT,
  sync_failure_count INTEGER NOT NULL DEFAULT 0,
  broker_server_time_offset INTEGER NOT NULL DEFAULT 0,
  currency TEXT,
  leverage INTEGER,
  balance REAL,
  equity REAL,
  margin REAL,
  free_margin REAL,
  margin_level REAL,
  credit REAL,
  profit REAL,
  created_at TEXT NOT NULL DEFAULT )sql" MT5B_SQL_NOW R"sql(,
  updated_at TEXT NOT NULL DEFAULT )sql" MT5B_SQL_NOW R"sql(,
  last_sync_at TEXT,
  last_successful_sync_at TEXT,
  UNIQUE (user_id, login, server)
);
-- (user_id, created_at, id) serves both "accounts of a user" and its ordered listing.
CREATE INDEX idx_trading_accounts_user_id ON trading_accounts (user_id, created_at, id);
CREATE INDEX idx_trading_accounts_created_at ON trading_accounts (created_at, id);
-- The sync scheduler's question: which active, healthy accounts are due?
CREATE INDEX idx_trading_accounts_sync_due
  ON trading_accounts (is_active, connection_status, last_sync_at);

CREATE TABLE account_integrations (
  id TEXT PRIMARY KEY NOT NULL DEFAULT )sql" MT5B_SQL_UUID R"sql(,
  account_id TEXT NOT NULL UNIQUE REFERENCES trading_accounts (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  provider TEXT DEFAULT 'mt5',
  key_id TEXT NOT NULL,
  encrypted_password BLOB NOT NULL,
  created_at TEXT NOT NULL DEFAULT )sql" MT5B_SQL_NOW R"sql(
);

-- One row per trade: an open position (status 'open') or a closed one rebuilt from its deals.
-- A netting reversal (DEAL_ENTRY_INOUT) starts a new segment of the same position_id; that
-- segment's ticket is the ticket of the deal that opened it.
CREATE TABLE trades (
  id TEXT PRIMARY KEY NOT NULL DEFAULT )sql" MT5B_SQL_UUID R"sql(,
  account_id TEXT NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
  user_id TEXT,
  ticket INTEGER NOT NULL,
  position_id INTEGER NOT NULL,
  segment INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  symbol TEXT NOT NULL,
  canonical_symbol TEXT,
  type TEXT NOT NULL CHECK (type IN ('buy', 'sell')),
  volume REAL NOT NULL,
  open_price REAL,
  close_price REAL,
  current_price REAL,
  stop_loss REAL,
  take_profit REAL,
  open_time TEXT,
  open_time_broker TEXT,
  close_time TEXT,
  close_time_broker TEXT,
  profit REAL NOT NULL DEFAULT 0,
  swap REAL NOT NULL DEFAULT 0,
  commission REAL NOT NULL DEFAULT 0,
  fee REAL NOT NULL DEFAULT 0,
  net_profit REAL NOT NULL DEFAULT 0,
  pips REAL,
  points REAL,
  close_reason TEXT,
  magic INTEGER,
  comment TEXT,
  external_id TEXT,
  created_at TEXT NOT NULL DEFAULT )sql" MT5B_SQL_NOW R"sql(,
  updated_at TEXT NOT NULL DEFAULT )sql" MT5B_SQL_NOW R"sql(,
  UNIQUE (account_id, ticket),
  UNIQUE (account_id, position_id, segment)
);
CREATE INDEX idx_trades_account_status_open_time ON trades (account_id, status, open_time);
CREATE INDEX idx_trades_account_close_time ON trades (account_id, close_time DESC);

-- Every BUY/SELL deal as the broker reported it (TradeDeal, field for field).
CREATE TABLE deals (
  id TEXT PRIMARY KEY NOT NULL DEFAULT )sql" MT5B_SQL_UUID R"sql(,
  account_id TEXT NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
  ticket INTEGER NOT NULL,
  order_ticket INTEGER,
  position_id INTEGER NOT NULL,
  symbol TEXT NOT NULL,
  canonical_symbol TEXT,
  type INTEGER NOT NULL,
  entry INTEGER NOT NULL,
  reason INTEGER,
  magic INTEGER,
  volume REAL NOT NULL,
  price REAL NOT NULL,
  profit REAL NOT NULL DEFAULT 0,
  swap REAL NOT NULL DEFAULT 0,
  commission REAL NOT NULL DEFAULT 0,
  fee REAL NOT NULL DEFAULT 0,
  deal_time TEXT NOT NULL,
  deal_time_broker TEXT,
  deal_time_msc INTEGER,
  comment TEXT,
  external_id TEXT,
  created_at TEXT NOT NULL DEFAULT )sql" MT5B_SQL_NOW R"sql(,
  UNIQUE (account_id, ticket)
);
CREATE INDEX idx_deals_account_position ON deals (account_id, position_id);
CREATE INDEX idx_deals_account_time ON deals (account_id, deal_time);

-- Deals that are not trades: balance, credit, charge, correction, bonus, commission*,
-- interest, dividend*, tax (MT5.md "Deals -> closed trades", rule 1).
CREATE TABLE account_transactions (
  id TEXT PRIMARY KEY NOT NULL DEFAULT )sql" MT5B_SQL_UUID R"sql(,
  account_id TEXT NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
  ticket INTEGER NOT NULL,
  deal_type INTEGER NOT NULL,
  type TEXT NOT NULL,
  amount REAL NOT NULL,
  currency TEXT,
  comment TEXT,
  transaction_time TEXT NOT NULL,
  transaction_time_broker TEXT,
  created_at TEXT NOT NULL DEFAULT )sql" MT5B_SQL_NOW R"sql(,
  UNIQUE (account_id, ticket)
);
CREATE INDEX idx_account_transactions_account_time
  ON account_transactions (account_id, transaction_time);

CREATE TABLE sync_logs (
  id TEXT PRIMARY KEY NOT NULL DEFAULT )sql" MT5B_SQL_UUID R"sql(,
  account_id TEXT NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
  sync_type TEXT NOT NULL,
  started_at TEXT NOT NULL,
  completed_at TEXT,
  status TEXT NOT NULL,
  trades_synced INTEGER NOT NULL DEFAULT 0,
  error_message TEXT,
  duration_ms INTEGER,
  created_at TEXT NOT NULL DEFAULT )sql" MT5B_SQL_NOW R"sql(
);
CREATE INDEX idx_sync_logs_account_started ON sync_logs (account_id, started_at DESC);
)sql";

#undef MT5B_SQL_UUID
#undef MT5B_SQL_NOW

constexpr Migration kMigrations[] = {
    {1, "accounts, credentials, trades, deals, transactions and sync logs", kSchemaV1},
};

}  // namespace

std::span<const Migration> migrations() {
  return kMigrations;
}

int64_t latest_schema_version() {
  return kMigrations[std::size(kMigrations) - 1].version;
}

std::vector<int64_t> apply_migrations(Connection& writer, const std::string& applied_at) {
  Transaction transaction(writer);
  writer.execute(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY NOT NULL,"
      " applied_at TEXT NOT NULL)");
  int64_t current = 0;
  {
    auto query = writer.statement("SELECT coalesce(max(version), 0) FROM schema_migrations");
    if (query.step()) current = query.integer(0);
  }
  if (current > latest_schema_version()) {
    throw sdk::Error(MT5B_FAILED, "the database is at schema version " + std::to_string(current) +
                                      " but this storage-sqlite knows only up to " +
                                      std::to_string(latest_schema_version()) +
                                      "; upgrade the plugin or point path at another file");
  }
  std::vector<int64_t> applied;
  for (const Migration& migration : kMigrations) {
    if (migration.version <= current) continue;
    writer.execute(migration.sql);
    auto record =
        writer.statement("INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)");
    record.bind_int(1, migration.version);
    record.bind_text(2, applied_at);
    record.run();
    applied.push_back(migration.version);
  }
  transaction.commit();
  return applied;
}

}  // namespace mt5b::storage_sqlite
