-- Version 5: what Supabase's API roles may do, narrowed to what the REST API lets users do.
--
-- Supabase's default privileges give anon, authenticated and service_role ALL on every new
-- table in public, and version 3 granted users INSERT, UPDATE and DELETE on their synced rows:
-- a user could forge trades, deals, transactions and sync logs, rewrite the sync engine's
-- columns of their accounts (lease_owner, next_sync_at, connection_status ...) and TRUNCATE any
-- table (TRUNCATE ignores row-level security). Now, through PostgREST:
--   - synced data (trades, deals, account_transactions, sync_logs) is SELECT only, own rows;
--   - trading_accounts: SELECT and DELETE own rows, UPDATE only account_name and is_active
--     (what PATCH /api/mt5/accounts/{id} changes); accounts are linked through the host, which
--     verifies the login first, so there is no INSERT;
--   - account_integrations (sealed investor passwords) and audit_log: nothing;
--   - no API role holds TRUNCATE, REFERENCES or TRIGGER on any mt5bridge table.

-- A database migrated before version 1 recorded adoption has nothing adopted.
CREATE TABLE IF NOT EXISTS mt5bridge_adopted_columns (
  table_name text NOT NULL,
  column_name text NOT NULL,
  PRIMARY KEY (table_name, column_name)
);
ALTER TABLE mt5bridge_adopted_columns ENABLE ROW LEVEL SECURITY;

-- The user's own label for an account (the app's column when it had one).
ALTER TABLE trading_accounts ADD COLUMN IF NOT EXISTS account_name text;

DO $narrow$
DECLARE
  child text;
  api_role text;
  adopted record;
  adopted_trades_editable boolean := false;
  -- Every column mt5bridge writes (versions 1 and 2); users never change these directly.
  synced_account_columns text[] := ARRAY['user_id', 'login', 'server', 'broker_name',
    'broker_instance', 'platform', 'connection_status', 'last_connection_error',
    'sync_failure_count', 'broker_server_time_offset', 'currency', 'leverage', 'balance',
    'equity', 'margin', 'free_margin', 'margin_level', 'credit', 'profit', 'created_at',
    'updated_at', 'last_sync_at', 'last_successful_sync_at', 'mt5_service_account_id',
    'next_sync_at', 'lease_owner', 'lease_expires_at', 'is_active', 'account_name'];
  synced_trade_columns text[] := ARRAY['account_id', 'user_id', 'ticket', 'position_id',
    'segment', 'status', 'symbol', 'canonical_symbol', 'type', 'volume', 'open_price',
    'close_price', 'current_price', 'stop_loss', 'take_profit', 'open_time', 'open_time_broker',
    'close_time', 'close_time_broker', 'profit', 'swap', 'commission', 'fee', 'net_profit',
    'pips', 'points', 'close_reason', 'magic', 'comment', 'external_id', 'created_at',
    'updated_at'];
  own_tables text := 'trading_accounts, account_integrations, trades, deals, '
                     'account_transactions, sync_logs, audit_log, schema_migrations, '
                     'mt5bridge_adopted_columns';
BEGIN
  FOREACH api_role IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
    IF to_regrole(api_role) IS NOT NULL THEN
      EXECUTE format('REVOKE TRUNCATE, REFERENCES, TRIGGER ON %s FROM %I', own_tables, api_role);
    END IF;
  END LOOP;
  IF to_regrole('anon') IS NOT NULL THEN
    EXECUTE format('REVOKE ALL ON %s FROM anon', own_tables);
  END IF;
  IF to_regrole('authenticated') IS NULL THEN
    RETURN;
  END IF;
  EXECUTE format('REVOKE ALL ON %s FROM authenticated', own_tables);
  DROP POLICY IF EXISTS "Users can insert own trading accounts" ON trading_accounts;
  DROP POLICY IF EXISTS "Users can view own account integrations" ON account_integrations;
  DROP POLICY IF EXISTS "Users can insert own account integrations" ON account_integrations;
  DROP POLICY IF EXISTS "Users can update own account integrations" ON account_integrations;
  DROP POLICY IF EXISTS "Users can delete own account integrations" ON account_integrations;
  FOREACH child IN ARRAY ARRAY['trades', 'deals', 'account_transactions', 'sync_logs'] LOOP
    EXECUTE format('DROP POLICY IF EXISTS %I ON %I',
                   'Users can insert own ' || replace(child, '_', ' '), child);
    EXECUTE format('DROP POLICY IF EXISTS %I ON %I',
                   'Users can update own ' || replace(child, '_', ' '), child);
    EXECUTE format('DROP POLICY IF EXISTS %I ON %I',
                   'Users can delete own ' || replace(child, '_', ' '), child);
  END LOOP;
  GRANT SELECT, DELETE ON trading_accounts TO authenticated;
  GRANT UPDATE (account_name, is_active) ON trading_accounts TO authenticated;
  GRANT SELECT ON trades, deals, account_transactions, sync_logs TO authenticated;
  -- The app's own columns of adopted tables (a trader's journal notes on a trade, say) stay
  -- the users' to edit; every column mt5bridge writes stays read-only.
  FOR adopted IN
    SELECT a.table_name, a.column_name FROM mt5bridge_adopted_columns a
     WHERE a.column_name <> 'id' AND NOT (
       (a.table_name = 'trading_accounts' AND a.column_name = ANY (synced_account_columns))
       OR (a.table_name = 'trades' AND a.column_name = ANY (synced_trade_columns)))
  LOOP
    EXECUTE format('GRANT UPDATE (%I) ON %I TO authenticated', adopted.column_name,
                   adopted.table_name);
    IF adopted.table_name = 'trades' THEN
      adopted_trades_editable := true;
    END IF;
  END LOOP;
  IF adopted_trades_editable AND to_regnamespace('auth') IS NOT NULL
     AND to_regprocedure('auth.uid()') IS NOT NULL THEN
    CREATE POLICY "Users can update own trades" ON trades FOR UPDATE TO authenticated
      USING (account_id IN (SELECT id FROM trading_accounts WHERE user_id = (SELECT auth.uid())))
      WITH CHECK (account_id IN
                  (SELECT id FROM trading_accounts WHERE user_id = (SELECT auth.uid())));
  END IF;
END
$narrow$;
