-- Undoes version 3: the policies and the API roles' grants go.
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

-- Row-level security stays on: versions 1 and 2 switch it on as they create the tables, so a
-- table is never readable through a missing policy at any version.
