-- Version 1: accounts, their sealed credentials and the synced MT5 data (MT5.md).
--
-- The same tables and columns as storage-sqlite's schema v1, so tools and queries work on
-- both; PostgreSQL types: uuid ids, timestamptz times, bigint tickets/logins, double precision
-- money/prices/volumes, boolean is_active, bytea sealed passwords. Every row that belongs to an
-- account goes with it (ON DELETE CASCADE). `*_broker` columns keep the broker's wall clock with
-- its offset as text (2025-11-12T11:00:00.000+03:00), as MT5.md asks.
--
-- Adopting the app's schema (seed story 4.3: "existing trading_accounts and trades tables
-- exist"): when the Supabase project already has trading_accounts and trades with rows, they
-- are kept and only what is missing is added (ADD COLUMN IF NOT EXISTS, constraints and indexes
-- when absent). The app's own columns are recorded in mt5bridge_adopted_columns first, so the
-- down migrations remove only what mt5bridge added. Adopted columns keep their types: money in
-- numeric is fine, times must be timestamptz, login bigint (plugins/storage-postgres/README.md).

-- Which columns of trading_accounts and trades were the app's before mt5bridge came.
CREATE TABLE IF NOT EXISTS mt5bridge_adopted_columns (
  table_name text NOT NULL,
  column_name text NOT NULL,
  PRIMARY KEY (table_name, column_name)
);
ALTER TABLE mt5bridge_adopted_columns ENABLE ROW LEVEL SECURITY;
INSERT INTO mt5bridge_adopted_columns (table_name, column_name)
  SELECT cls.relname, att.attname
    FROM pg_attribute att JOIN pg_class cls ON cls.oid = att.attrelid
   WHERE cls.relnamespace = to_regnamespace(quote_ident(current_schema()))
     AND cls.relname IN ('trading_accounts', 'trades') AND cls.relkind = 'r'
     AND att.attnum > 0 AND NOT att.attisdropped
  ON CONFLICT DO NOTHING;

CREATE TABLE IF NOT EXISTS trading_accounts (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
ALTER TABLE trading_accounts
  ADD COLUMN IF NOT EXISTS user_id uuid,
  ADD COLUMN IF NOT EXISTS login bigint,
  ADD COLUMN IF NOT EXISTS server text,
  ADD COLUMN IF NOT EXISTS broker_name text,
  ADD COLUMN IF NOT EXISTS broker_instance text,
  ADD COLUMN IF NOT EXISTS platform text DEFAULT 'mt5',
  ADD COLUMN IF NOT EXISTS is_active boolean NOT NULL DEFAULT true,
  ADD COLUMN IF NOT EXISTS connection_status text NOT NULL DEFAULT 'active',
  ADD COLUMN IF NOT EXISTS last_connection_error text,
  ADD COLUMN IF NOT EXISTS sync_failure_count integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS broker_server_time_offset integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS currency text,
  ADD COLUMN IF NOT EXISTS leverage bigint,
  ADD COLUMN IF NOT EXISTS balance double precision,
  ADD COLUMN IF NOT EXISTS equity double precision,
  ADD COLUMN IF NOT EXISTS margin double precision,
  ADD COLUMN IF NOT EXISTS free_margin double precision,
  ADD COLUMN IF NOT EXISTS margin_level double precision,
  ADD COLUMN IF NOT EXISTS credit double precision,
  ADD COLUMN IF NOT EXISTS profit double precision,
  ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN IF NOT EXISTS last_sync_at timestamptz,
  ADD COLUMN IF NOT EXISTS last_successful_sync_at timestamptz;

CREATE TABLE IF NOT EXISTS trades (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
ALTER TABLE trades
  ADD COLUMN IF NOT EXISTS account_id uuid REFERENCES trading_accounts (id) ON DELETE CASCADE,
  ADD COLUMN IF NOT EXISTS user_id uuid,
  ADD COLUMN IF NOT EXISTS ticket bigint,
  ADD COLUMN IF NOT EXISTS position_id bigint,
  ADD COLUMN IF NOT EXISTS segment integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'open',
  ADD COLUMN IF NOT EXISTS symbol text,
  ADD COLUMN IF NOT EXISTS canonical_symbol text,
  ADD COLUMN IF NOT EXISTS type text,
  ADD COLUMN IF NOT EXISTS volume double precision,
  ADD COLUMN IF NOT EXISTS open_price double precision,
  ADD COLUMN IF NOT EXISTS close_price double precision,
  ADD COLUMN IF NOT EXISTS current_price double precision,
  ADD COLUMN IF NOT EXISTS stop_loss double precision,
  ADD COLUMN IF NOT EXISTS take_profit double precision,
  ADD COLUMN IF NOT EXISTS open_time timestamptz,
  ADD COLUMN IF NOT EXISTS open_time_broker text,
  ADD COLUMN IF NOT EXISTS close_time timestamptz,
  ADD COLUMN IF NOT EXISTS close_time_broker text,
  ADD COLUMN IF NOT EXISTS profit double precision NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS swap double precision NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS commission double precision NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS fee double precision NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS net_profit double precision NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS pips double precision,
  ADD COLUMN IF NOT EXISTS points double precision,
  ADD COLUMN IF NOT EXISTS close_reason text,
  ADD COLUMN IF NOT EXISTS magic bigint,
  ADD COLUMN IF NOT EXISTS comment text,
  ADD COLUMN IF NOT EXISTS external_id text,
  ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();

DO $adopt$
DECLARE
  adopted_trades boolean := EXISTS (SELECT 1 FROM mt5bridge_adopted_columns
                                     WHERE table_name = 'trades');
BEGIN
  -- The app's trades were one row per ticket: each is its own position, segment 0.
  UPDATE trades SET position_id = ticket WHERE position_id IS NULL AND ticket IS NOT NULL;
  IF EXISTS (SELECT 1 FROM trading_accounts
              WHERE user_id IS NULL OR login IS NULL OR server IS NULL) THEN
    RAISE EXCEPTION 'trading_accounts has rows without user_id, login or server'
      USING HINT = 'fill in or delete those rows, then run mt5bridge migrate again';
  END IF;
  IF EXISTS (SELECT 1 FROM trades
              WHERE account_id IS NULL OR ticket IS NULL OR symbol IS NULL OR type IS NULL
                 OR volume IS NULL) THEN
    RAISE EXCEPTION 'trades has rows without account_id, ticket, symbol, type or volume'
      USING HINT = 'fill in or delete those rows, then run mt5bridge migrate again';
  END IF;
  ALTER TABLE trading_accounts ALTER COLUMN user_id SET NOT NULL,
    ALTER COLUMN login SET NOT NULL, ALTER COLUMN server SET NOT NULL;
  ALTER TABLE trades ALTER COLUMN account_id SET NOT NULL, ALTER COLUMN ticket SET NOT NULL,
    ALTER COLUMN position_id SET NOT NULL, ALTER COLUMN symbol SET NOT NULL,
    ALTER COLUMN type SET NOT NULL, ALTER COLUMN volume SET NOT NULL;

  -- The upserts' conflict targets (the seed's ON CONFLICT (ticket) is not unique across
  -- accounts). A netting reversal (DEAL_ENTRY_INOUT) starts a new segment of the same
  -- position_id; that segment's ticket is the ticket of the deal that opened it.
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'trading_accounts'::regclass
                    AND conname = 'trading_accounts_user_login_server_key') THEN
    ALTER TABLE trading_accounts ADD CONSTRAINT trading_accounts_user_login_server_key
      UNIQUE (user_id, login, server);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'trades'::regclass
                    AND conname = 'trades_account_ticket_key') THEN
    ALTER TABLE trades ADD CONSTRAINT trades_account_ticket_key UNIQUE (account_id, ticket);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'trades'::regclass
                    AND conname = 'trades_account_position_segment_key') THEN
    ALTER TABLE trades ADD CONSTRAINT trades_account_position_segment_key
      UNIQUE (account_id, position_id, segment);
  END IF;
  -- The app's own trades may spell status and type otherwise ('OPEN', 'BUY'): checks only on
  -- a table mt5bridge created.
  IF NOT adopted_trades THEN
    ALTER TABLE trades ADD CONSTRAINT trades_status_check CHECK (status IN ('open', 'closed')),
      ADD CONSTRAINT trades_type_check CHECK (type IN ('buy', 'sell'));
  END IF;
END
$adopt$;

-- No API role reads a table before its policies exist (version 3): row-level security is on
-- from the start, and Supabase's default grants to anon are taken back at once.
ALTER TABLE trading_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE trades ENABLE ROW LEVEL SECURITY;

-- (user_id, created_at, id) serves both "accounts of a user" and its ordered listing.
CREATE INDEX IF NOT EXISTS idx_trading_accounts_user_id
  ON trading_accounts (user_id, created_at, id);
CREATE INDEX IF NOT EXISTS idx_trading_accounts_created_at ON trading_accounts (created_at, id);
-- Seed story 4.3: which active, healthy accounts are due for a sync?
CREATE INDEX IF NOT EXISTS idx_trading_accounts_sync_status
  ON trading_accounts (is_active, connection_status, last_sync_at);
CREATE INDEX IF NOT EXISTS idx_trades_account_status_open_time
  ON trades (account_id, status, open_time);
CREATE INDEX IF NOT EXISTS idx_trades_account_close_time ON trades (account_id, close_time DESC);

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

ALTER TABLE account_integrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE deals ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_transactions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync_logs ENABLE ROW LEVEL SECURITY;

-- Supabase's default privileges give anon and authenticated ALL on every new table in public;
-- until version 3 grants what users may do, neither API role gets any table.
DO $lock_out$
DECLARE
  api_role text;
BEGIN
  FOREACH api_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
    IF to_regrole(api_role) IS NOT NULL THEN
      EXECUTE format('REVOKE ALL ON trading_accounts, account_integrations, trades, deals, '
                     'account_transactions, sync_logs, mt5bridge_adopted_columns FROM %I',
                     api_role);
    END IF;
  END LOOP;
END
$lock_out$;
