-- Version 4: an index in the lease query's own order (on_lease_due: active accounts, never
-- synced first, then by id). Without it every lease sorts the whole table: at 10,000 accounts
-- each call took 7-12 ms and the sorts were half of PostgreSQL's time in a sync cycle.
CREATE INDEX idx_trading_accounts_lease_order
  ON trading_accounts (last_sync_at NULLS FIRST, id) WHERE is_active;
