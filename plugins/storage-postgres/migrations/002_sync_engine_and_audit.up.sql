-- Version 2: what the sync engine needs (leases shared by several hosts, auth back-off) and the
-- audit log of GDPR erasures and key rotations.

ALTER TABLE trading_accounts
  -- Seed story 4.3: the MT5 service account that serves this trading account.
  ADD COLUMN IF NOT EXISTS mt5_service_account_id text,
  -- When the scheduler may sync the account again; NULL = due now.
  ADD COLUMN IF NOT EXISTS next_sync_at timestamptz,
  -- Which host holds the account for a sync, and until when (see on_lease_due).
  ADD COLUMN IF NOT EXISTS lease_owner text,
  ADD COLUMN IF NOT EXISTS lease_expires_at timestamptz;
-- The lease query: active accounts whose next_sync_at has come.
CREATE INDEX IF NOT EXISTS idx_trading_accounts_next_sync ON trading_accounts (is_active, next_sync_at);

ALTER TABLE sync_logs ADD COLUMN IF NOT EXISTS deals_synced integer NOT NULL DEFAULT 0;

-- Not tied to trading_accounts: an erasure's record must outlive the data it is about.
CREATE TABLE audit_log (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  action text NOT NULL,
  subject text,
  details jsonb
);
CREATE INDEX idx_audit_log_at ON audit_log (at);
-- Locked from the start, like version 1's tables: only the owner and BYPASSRLS roles read it.
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
DO $lock_out$
BEGIN
  IF to_regrole('anon') IS NOT NULL THEN REVOKE ALL ON audit_log FROM anon; END IF;
  IF to_regrole('authenticated') IS NOT NULL THEN REVOKE ALL ON audit_log FROM authenticated; END IF;
END
$lock_out$;
