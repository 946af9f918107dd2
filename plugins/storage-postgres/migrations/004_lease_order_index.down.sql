DROP INDEX IF EXISTS idx_trading_accounts_lease_order;
