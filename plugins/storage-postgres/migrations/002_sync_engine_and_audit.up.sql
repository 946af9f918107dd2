-- Version 2: what the sync engine needs (leases shared by several hosts, auth back-off) and the
-- audit log of GDPR erasures and key rotations.

ALTER TABLE trading_accounts
  -- Seed story 4.3: the MT5 service account that serves this trading account.
  ADD COLUMN mt5_service_account_id text,
  -- When the scheduler may sync the account again; NULL = due now.
  ADD COLUMN next_sync_at timestamptz,
  -- Which host holds the account for a sync, and until when (see on_lease_due).
  ADD COLUMN lease_owner text,
  ADD COLUMN lease_expires_at timestamptz;
-- The lease query: active accounts whose next_sync_at has come.
CREATE INDEX idx_trading_accounts_next_sync ON trading_accounts (is_active, next_sync_at);

ALTER TABLE sync_logs ADD COLUMN deals_synced integer NOT NULL DEFAULT 0;

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
