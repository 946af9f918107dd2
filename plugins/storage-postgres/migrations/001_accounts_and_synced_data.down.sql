-- Undoes version 1: every table it created, children first (their indexes go with them).
DROP TABLE IF EXISTS sync_logs;
DROP TABLE IF EXISTS account_transactions;
DROP TABLE IF EXISTS deals;
DROP TABLE IF EXISTS trades;
DROP TABLE IF EXISTS account_integrations;
DROP TABLE IF EXISTS trading_accounts;
