-- Version 1: accounts, their sealed credentials and the synced MT5 data (MT5.md).
--
-- The same tables and columns as storage-sqlite's schema v1, so tools and queries work on
-- both; PostgreSQL types: uuid ids, timestamptz times, bigint tickets/logins, double precision
-- money/prices/volumes, boolean is_active, bytea sealed passwords. Every row that belongs to an
-- account goes with it (ON DELETE CASCADE). `*_broker` columns keep the broker's wall clock with
-- its offset as text (2025-11-12T11:00:00.000+03:00), as MT5.md asks.

CREATE TABLE trading_accounts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL,
  login bigint NOT NULL,
  server text NOT NULL,
  broker_name text,
  broker_instance text,
  platform text DEFAULT 'mt5',
  is_active boolean NOT NULL DEFAULT true,
  connection_status text NOT NULL DEFAULT 'active',
  last_connection_error text,
  sync_failure_count integer NOT NULL DEFAULT 0,
  broker_server_time_offset integer NOT NULL DEFAULT 0,
  currency text,
  leverage bigint,
  balance double precision,
  equity double precision,
  margin double precision,
  free_margin double precision,
  margin_level double precision,
  credit double precision,
  profit double precision,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  last_sync_at timestamptz,
  last_successful_sync_at timestamptz,
  CONSTRAINT trading_accounts_user_login_server_key UNIQUE (user_id, login, server)
);
-- (user_id, created_at, id) serves both "accounts of a user" and its ordered listing.
CREATE INDEX idx_trading_accounts_user_id ON trading_accounts (user_id, created_at, id);
CREATE INDEX idx_trading_accounts_created_at ON trading_accounts (created_at, id);
-- Seed story 4.3: which active, healthy accounts are due for a sync?
CREATE INDEX idx_trading_accounts_sync_status
  ON trading_accounts (is_active, connection_status, last_sync_at);

CREATE TABLE account_integrations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
  user_id uuid NOT NULL,
  provider text DEFAULT 'mt5',
  key_id text NOT NULL,
  encrypted_password bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT account_integrations_account_id_key UNIQUE (account_id)
);
-- GDPR erasure and row-level security look credentials up by their user.
CREATE INDEX idx_account_integrations_user_id ON account_integrations (user_id);

-- One row per trade: an open position (status 'open') or a closed one rebuilt from its deals.
-- Unique per (account_id, ticket): the seed's ON CONFLICT (ticket) is not unique across
-- accounts. A netting reversal (DEAL_ENTRY_INOUT) starts a new segment of the same position_id;
-- that segment's ticket is the ticket of the deal that opened it.
CREATE TABLE trades (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
  user_id uuid,
  ticket bigint NOT NULL,
  position_id bigint NOT NULL,
  segment integer NOT NULL DEFAULT 0,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  symbol text NOT NULL,
  canonical_symbol text,
  type text NOT NULL CHECK (type IN ('buy', 'sell')),
  volume double precision NOT NULL,
  open_price double precision,
  close_price double precision,
  current_price double precision,
  stop_loss double precision,
  take_profit double precision,
  open_time timestamptz,
  open_time_broker text,
  close_time timestamptz,
  close_time_broker text,
  profit double precision NOT NULL DEFAULT 0,
  swap double precision NOT NULL DEFAULT 0,
  commission double precision NOT NULL DEFAULT 0,
  fee double precision NOT NULL DEFAULT 0,
  net_profit double precision NOT NULL DEFAULT 0,
  pips double precision,
  points double precision,
  close_reason text,
  magic bigint,
  comment text,
  external_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT trades_account_ticket_key UNIQUE (account_id, ticket),
  CONSTRAINT trades_account_position_segment_key UNIQUE (account_id, position_id, segment)
);
CREATE INDEX idx_trades_account_status_open_time ON trades (account_id, status, open_time);
CREATE INDEX idx_trades_account_close_time ON trades (account_id, close_time DESC);

-- Every BUY/SELL deal as the broker reported it (TradeDeal, field for field).
CREATE TABLE deals (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
  ticket bigint NOT NULL,
  order_ticket bigint,
  position_id bigint NOT NULL,
  symbol text NOT NULL,
  canonical_symbol text,
  type integer NOT NULL,
  entry integer NOT NULL,
  reason integer,
  magic bigint,
  volume double precision NOT NULL,
  price double precision NOT NULL,
  profit double precision NOT NULL DEFAULT 0,
  swap double precision NOT NULL DEFAULT 0,
  commission double precision NOT NULL DEFAULT 0,
  fee double precision NOT NULL DEFAULT 0,
  deal_time timestamptz NOT NULL,
  deal_time_broker text,
  deal_time_msc bigint,
  comment text,
  external_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT deals_account_ticket_key UNIQUE (account_id, ticket)
);
CREATE INDEX idx_deals_account_position ON deals (account_id, position_id);
CREATE INDEX idx_deals_account_time ON deals (account_id, deal_time);

-- Deals that are not trades: balance, credit, charge, correction, bonus, commission*,
-- interest, dividend*, tax (MT5.md "Deals -> closed trades", rule 1).
CREATE TABLE account_transactions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
  ticket bigint NOT NULL,
  deal_type integer NOT NULL,
  type text NOT NULL,
  amount double precision NOT NULL,
  currency text,
  comment text,
  transaction_time timestamptz NOT NULL,
  transaction_time_broker text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT account_transactions_account_ticket_key UNIQUE (account_id, ticket)
);
CREATE INDEX idx_account_transactions_account_time
  ON account_transactions (account_id, transaction_time);

-- Seed story 4.3: one row per sync attempt of one account.
CREATE TABLE sync_logs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
  sync_type text NOT NULL,
  started_at timestamptz NOT NULL,
  completed_at timestamptz,
  status text NOT NULL,
  trades_synced integer NOT NULL DEFAULT 0,
  error_message text,
  duration_ms bigint,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_sync_logs_account ON sync_logs (account_id, started_at DESC);
