-- Undoes version 3: the policies go and row-level security is switched off.
--
-- Without RLS a grant would expose every user's rows, so the API roles lose their table grants
-- here too (Supabase's defaults would otherwise have given anon and authenticated everything).
-- service_role keeps its grants: it bypasses RLS either way, and Supabase's edge functions rely
-- on them.

DO $down$
DECLARE
  item record;
BEGIN
  FOR item IN
    SELECT policyname, tablename FROM pg_policies
     WHERE schemaname = current_schema()
       AND tablename IN ('trading_accounts', 'account_integrations', 'trades', 'deals',
                         'account_transactions', 'sync_logs', 'audit_log')
       AND policyname LIKE 'Users can % own %'
  LOOP
    EXECUTE format('DROP POLICY IF EXISTS %I ON %I', item.policyname, item.tablename);
  END LOOP;

  IF to_regrole('authenticated') IS NOT NULL THEN
    REVOKE ALL ON trading_accounts, account_integrations, trades, deals, account_transactions,
      sync_logs, audit_log FROM authenticated;
  END IF;
  IF to_regrole('anon') IS NOT NULL THEN
    REVOKE ALL ON trading_accounts, account_integrations, trades, deals, account_transactions,
      sync_logs, audit_log FROM anon;
  END IF;
END
$down$;

ALTER TABLE audit_log DISABLE ROW LEVEL SECURITY;
ALTER TABLE sync_logs DISABLE ROW LEVEL SECURITY;
ALTER TABLE account_transactions DISABLE ROW LEVEL SECURITY;
ALTER TABLE deals DISABLE ROW LEVEL SECURITY;
ALTER TABLE trades DISABLE ROW LEVEL SECURITY;
ALTER TABLE account_integrations DISABLE ROW LEVEL SECURITY;
ALTER TABLE trading_accounts DISABLE ROW LEVEL SECURITY;
