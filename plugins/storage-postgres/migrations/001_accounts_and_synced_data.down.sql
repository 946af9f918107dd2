-- Undoes version 1: every table it created, children first (their indexes go with them).
-- trading_accounts and trades that the app had before (mt5bridge_adopted_columns) stay with
-- their rows and the app's own columns; only what version 1 added to them goes.
-- Whether the app had `column_name` of `table_name` (any column when NULL) before mt5bridge
-- adopted the table; false on a database migrated before adoption was recorded.
CREATE OR REPLACE FUNCTION pg_temp.mt5bridge_adopted(table_name text, column_name text)
  RETURNS boolean LANGUAGE plpgsql AS $fn$
DECLARE
  found boolean;
BEGIN
  IF to_regclass('mt5bridge_adopted_columns') IS NULL THEN
    RETURN false;
  END IF;
  EXECUTE 'SELECT EXISTS (SELECT 1 FROM mt5bridge_adopted_columns WHERE table_name = $1'
          ' AND ($2 IS NULL OR column_name = $2))' INTO found USING table_name, column_name;
  RETURN found;
END
$fn$;

DROP TABLE IF EXISTS sync_logs;
DROP TABLE IF EXISTS account_transactions;
DROP TABLE IF EXISTS deals;
DROP TABLE IF EXISTS account_integrations;

DO $down$
DECLARE
  own_table text;
  own_column text;
  -- The columns version 1 adds to each table, as listed in its up migration.
  trades_columns text[] := ARRAY['account_id', 'user_id', 'ticket', 'position_id', 'segment', 'status', 'symbol', 'canonical_symbol', 'type', 'volume', 'open_price', 'close_price', 'current_price', 'stop_loss', 'take_profit', 'open_time', 'open_time_broker', 'close_time', 'close_time_broker', 'profit', 'swap', 'commission', 'fee', 'net_profit', 'pips', 'points', 'close_reason', 'magic', 'comment', 'external_id', 'created_at', 'updated_at'];
  account_columns text[] := ARRAY['user_id', 'login', 'server', 'broker_name', 'broker_instance', 'platform', 'is_active', 'connection_status', 'last_connection_error', 'sync_failure_count', 'broker_server_time_offset', 'currency', 'leverage', 'balance', 'equity', 'margin', 'free_margin', 'margin_level', 'credit', 'profit', 'created_at', 'updated_at', 'last_sync_at', 'last_successful_sync_at'];
BEGIN
  FOREACH own_table IN ARRAY ARRAY['trades', 'trading_accounts'] LOOP
    IF NOT pg_temp.mt5bridge_adopted(own_table, NULL) THEN
      EXECUTE format('DROP TABLE IF EXISTS %I', own_table);
    END IF;
    -- An adopted table keeps row-level security on: the app's policies may rely on it.
  END LOOP;
  IF to_regclass('trades') IS NOT NULL THEN
    ALTER TABLE trades DROP CONSTRAINT IF EXISTS trades_account_ticket_key,
      DROP CONSTRAINT IF EXISTS trades_account_position_segment_key;
    DROP INDEX IF EXISTS idx_trades_account_status_open_time;
    DROP INDEX IF EXISTS idx_trades_account_close_time;
    FOREACH own_column IN ARRAY trades_columns LOOP
      IF NOT pg_temp.mt5bridge_adopted('trades', own_column) THEN
        EXECUTE format('ALTER TABLE trades DROP COLUMN IF EXISTS %I', own_column);
      END IF;
    END LOOP;
  END IF;
  IF to_regclass('trading_accounts') IS NOT NULL THEN
    ALTER TABLE trading_accounts DROP CONSTRAINT IF EXISTS trading_accounts_user_login_server_key;
    DROP INDEX IF EXISTS idx_trading_accounts_user_id;
    DROP INDEX IF EXISTS idx_trading_accounts_created_at;
    DROP INDEX IF EXISTS idx_trading_accounts_sync_status;
    FOREACH own_column IN ARRAY account_columns LOOP
      IF NOT pg_temp.mt5bridge_adopted('trading_accounts', own_column) THEN
        EXECUTE format('ALTER TABLE trading_accounts DROP COLUMN IF EXISTS %I', own_column);
      END IF;
    END LOOP;
  END IF;
END
$down$;

DROP TABLE IF EXISTS mt5bridge_adopted_columns;
