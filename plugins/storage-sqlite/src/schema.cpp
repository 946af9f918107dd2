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

// Version 2 (storage contract for ABI 1.1): leases and back-off for the sync scheduler, the
// service account of seed story 4.3, deal counts in sync logs, and an audit log. The audit log
// has no foreign key to accounts on purpose: it must outlive a GDPR erasure of what it records.
constexpr const char* kSchemaV2Up = R"sql(
ALTER TABLE trading_accounts ADD COLUMN mt5_service_account_id TEXT;
ALTER TABLE trading_accounts ADD COLUMN next_sync_at TEXT;
ALTER TABLE trading_accounts ADD COLUMN lease_owner TEXT;
ALTER TABLE trading_accounts ADD COLUMN lease_expires_at TEXT;
CREATE INDEX idx_trading_accounts_next_sync ON trading_accounts (is_active, next_sync_at);
ALTER TABLE sync_logs ADD COLUMN deals_synced INTEGER NOT NULL DEFAULT 0;
CREATE TABLE audit_log (
  id TEXT PRIMARY KEY NOT NULL DEFAULT )sql" MT5B_SQL_UUID R"sql(,
  at TEXT NOT NULL DEFAULT )sql" MT5B_SQL_NOW R"sql(,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT,
  details TEXT CHECK (details IS NULL OR json_valid(details))
);
CREATE INDEX idx_audit_log_at ON audit_log (at);
)sql";

// Exactly what version 2 added, newest first; SQLite drops a column only once no index uses it.
constexpr const char* kSchemaV2Down = R"sql(
DROP TABLE audit_log;
ALTER TABLE sync_logs DROP COLUMN deals_synced;
DROP INDEX idx_trading_accounts_next_sync;
ALTER TABLE trading_accounts DROP COLUMN lease_expires_at;
ALTER TABLE trading_accounts DROP COLUMN lease_owner;
ALTER TABLE trading_accounts DROP COLUMN next_sync_at;
ALTER TABLE trading_accounts DROP COLUMN mt5_service_account_id;
)sql";

// Children before their parent, so no foreign key is left dangling on the way.
constexpr const char* kSchemaV1Down = R"sql(
DROP TABLE sync_logs;
DROP TABLE account_transactions;
DROP TABLE deals;
DROP TABLE trades;
DROP TABLE account_integrations;
DROP TABLE trading_accounts;
)sql";

#undef MT5B_SQL_UUID
#undef MT5B_SQL_NOW

constexpr Migration kMigrations[] = {
    {1, "accounts, credentials, trades, deals, transactions and sync logs", kSchemaV1,
     kSchemaV1Down},
    {2, "sync leases and back-off, service accounts, deals in sync logs, audit log", kSchemaV2Up,
     kSchemaV2Down},
};

}  // namespace

std::span<const Migration> migrations() {
  return kMigrations;
}

int64_t latest_schema_version() {
  return kMigrations[std::size(kMigrations) - 1].version;
}

}  // namespace mt5b::storage_sqlite
