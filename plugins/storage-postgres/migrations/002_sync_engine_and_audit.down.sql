-- Undoes version 2: exactly what it added; the version 1 tables and their rows stay.
DROP TABLE IF EXISTS audit_log;
ALTER TABLE sync_logs DROP COLUMN IF EXISTS deals_synced;
DROP INDEX IF EXISTS idx_trading_accounts_next_sync;
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

-- A column the app already had stays.
DO $down$
DECLARE
  own_column text;
BEGIN
  FOREACH own_column IN ARRAY ARRAY['lease_expires_at', 'lease_owner', 'next_sync_at',
                                    'mt5_service_account_id'] LOOP
    IF NOT pg_temp.mt5bridge_adopted('trading_accounts', own_column) THEN
      EXECUTE format('ALTER TABLE trading_accounts DROP COLUMN IF EXISTS %I', own_column);
    END IF;
  END LOOP;
END
$down$;
