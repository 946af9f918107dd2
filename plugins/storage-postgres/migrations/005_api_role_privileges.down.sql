-- Undoes version 5: the API roles' grants and policies of version 3 come back (TRUNCATE,
-- REFERENCES and TRIGGER do not: no version ever needed them), and account_name goes unless
-- the app had it.
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

DO $widen$
DECLARE
  child text;
BEGIN
  IF to_regrole('authenticated') IS NULL OR to_regnamespace('auth') IS NULL THEN
    RETURN;
  END IF;
  IF NOT has_schema_privilege('auth', 'USAGE') THEN
    RETURN;  -- version 3 could not have made its policies either
  END IF;
  IF to_regprocedure('auth.uid()') IS NULL THEN
    RETURN;
  END IF;
  REVOKE UPDATE (account_name, is_active) ON trading_accounts FROM authenticated;
  DROP POLICY IF EXISTS "Users can update own trades" ON trades;
  GRANT SELECT, INSERT, UPDATE, DELETE
    ON trading_accounts, account_integrations, trades, deals, account_transactions, sync_logs
    TO authenticated;
  CREATE POLICY "Users can insert own trading accounts" ON trading_accounts
    FOR INSERT TO authenticated WITH CHECK (user_id = (SELECT auth.uid()));
  CREATE POLICY "Users can view own account integrations" ON account_integrations
    FOR SELECT TO authenticated USING (user_id = (SELECT auth.uid()));
  CREATE POLICY "Users can insert own account integrations" ON account_integrations
    FOR INSERT TO authenticated WITH CHECK (
      user_id = (SELECT auth.uid())
      AND account_id IN (SELECT id FROM trading_accounts WHERE user_id = (SELECT auth.uid())));
  CREATE POLICY "Users can update own account integrations" ON account_integrations
    FOR UPDATE TO authenticated USING (user_id = (SELECT auth.uid()))
    WITH CHECK (
      user_id = (SELECT auth.uid())
      AND account_id IN (SELECT id FROM trading_accounts WHERE user_id = (SELECT auth.uid())));
  CREATE POLICY "Users can delete own account integrations" ON account_integrations
    FOR DELETE TO authenticated USING (user_id = (SELECT auth.uid()));
  FOREACH child IN ARRAY ARRAY['trades', 'deals', 'account_transactions', 'sync_logs'] LOOP
    EXECUTE format(
      'CREATE POLICY %I ON %I FOR INSERT TO authenticated WITH CHECK (account_id IN '
      '(SELECT id FROM trading_accounts WHERE user_id = (SELECT auth.uid())))',
      'Users can insert own ' || replace(child, '_', ' '), child);
    EXECUTE format(
      'CREATE POLICY %I ON %I FOR UPDATE TO authenticated USING (account_id IN '
      '(SELECT id FROM trading_accounts WHERE user_id = (SELECT auth.uid()))) '
      'WITH CHECK (account_id IN '
      '(SELECT id FROM trading_accounts WHERE user_id = (SELECT auth.uid())))',
      'Users can update own ' || replace(child, '_', ' '), child);
    EXECUTE format(
      'CREATE POLICY %I ON %I FOR DELETE TO authenticated USING (account_id IN '
      '(SELECT id FROM trading_accounts WHERE user_id = (SELECT auth.uid())))',
      'Users can delete own ' || replace(child, '_', ' '), child);
  END LOOP;
END
$widen$;

DO $column$
BEGIN
  IF NOT pg_temp.mt5bridge_adopted('trading_accounts', 'account_name') THEN
    ALTER TABLE trading_accounts DROP COLUMN IF EXISTS account_name;
  END IF;
END
$column$;
