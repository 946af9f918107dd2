-- Undoes version 2: exactly what it added; the version 1 tables and their rows stay.
DROP TABLE IF EXISTS audit_log;
ALTER TABLE sync_logs DROP COLUMN IF EXISTS deals_synced;
DROP INDEX IF EXISTS idx_trading_accounts_next_sync;
ALTER TABLE trading_accounts
  DROP COLUMN IF EXISTS lease_expires_at,
  DROP COLUMN IF EXISTS lease_owner,
  DROP COLUMN IF EXISTS next_sync_at,
  DROP COLUMN IF EXISTS mt5_service_account_id;
