-- Version 3: row-level security (seed story 4.4).
--
-- Users read and change only their own rows: the account tables by user_id = auth.uid(), the
-- tables under an account by account_id IN (their accounts). audit_log is for the service only.
-- mt5bridge itself connects as the tables' owner (postgres, or a login role of its own; see the
-- plugin's README), which these policies never restrict; they guard what Supabase's API roles
-- (anon, authenticated) can reach through PostgREST. Version 5 narrows them further.
--
-- Supabase already has the auth schema, auth.uid() and the roles; this migration only uses them.
-- On a plain PostgreSQL without them, RLS is still switched on (only the owner and BYPASSRLS
-- roles can read, which is everybody who may), and the user policies and grants are skipped.

ALTER TABLE trading_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_integrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE trades ENABLE ROW LEVEL SECURITY;
ALTER TABLE deals ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_transactions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync_logs ENABLE ROW LEVEL SECURITY;
-- No policy at all: nobody but the owner and BYPASSRLS roles sees an audit record.
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;

DO $policies$
DECLARE
  child text;
BEGIN
  IF to_regnamespace('auth') IS NULL OR to_regrole('authenticated') IS NULL THEN
    RAISE NOTICE 'no Supabase auth schema (auth.uid(), role authenticated): row-level security '
                 'is on without user policies';
    RETURN;
  END IF;
  -- to_regprocedure raises instead of returning null when the schema is not usable, and the
  -- policies below call auth.uid(): a role that migrates needs USAGE on schema auth.
  IF NOT has_schema_privilege('auth', 'USAGE') THEN
    RAISE EXCEPTION 'the role % that runs the migration has no USAGE on schema auth, which the '
                    'row-level security policies need for auth.uid(); as postgres run: GRANT '
                    'USAGE ON SCHEMA auth TO %, then migrate again', current_user,
                    quote_ident(current_user);
  END IF;
  IF to_regprocedure('auth.uid()') IS NULL THEN
    RAISE NOTICE 'no Supabase auth schema (auth.uid(), role authenticated): row-level security '
                 'is on without user policies';
    RETURN;
  END IF;

  -- `(SELECT auth.uid())` is evaluated once per statement instead of once per row.
  CREATE POLICY "Users can view own trading accounts" ON trading_accounts
    FOR SELECT TO authenticated USING (user_id = (SELECT auth.uid()));
  CREATE POLICY "Users can insert own trading accounts" ON trading_accounts
    FOR INSERT TO authenticated WITH CHECK (user_id = (SELECT auth.uid()));
  CREATE POLICY "Users can update own trading accounts" ON trading_accounts
    FOR UPDATE TO authenticated USING (user_id = (SELECT auth.uid()))
    WITH CHECK (user_id = (SELECT auth.uid()));
  CREATE POLICY "Users can delete own trading accounts" ON trading_accounts
    FOR DELETE TO authenticated USING (user_id = (SELECT auth.uid()));

  -- A credential carries its user and its account: both must be the user's.
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

  -- The tables under an account, all alike (seed: "Users can view own trades").
  FOREACH child IN ARRAY ARRAY['trades', 'deals', 'account_transactions', 'sync_logs'] LOOP
    EXECUTE format(
      'CREATE POLICY %I ON %I FOR SELECT TO authenticated USING (account_id IN '
      '(SELECT id FROM trading_accounts WHERE user_id = (SELECT auth.uid())))',
      'Users can view own ' || replace(child, '_', ' '), child);
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

  -- The policies decide which rows; these grants decide which tables. Supabase grants the API
  -- roles everything in `public` by default; state it here so another schema works the same.
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO authenticated', current_schema());
  GRANT SELECT, INSERT, UPDATE, DELETE
    ON trading_accounts, account_integrations, trades, deals, account_transactions, sync_logs
    TO authenticated;
  REVOKE ALL ON audit_log, schema_migrations FROM authenticated;
END
$policies$;

-- service_role (Supabase's service key) passes every policy (BYPASSRLS) but still needs the
-- tables; Supabase grants that in `public` by default, so this matters for another schema.
DO $service$
BEGIN
  IF to_regrole('service_role') IS NOT NULL THEN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO service_role', current_schema());
    GRANT ALL ON trading_accounts, account_integrations, trades, deals, account_transactions,
      sync_logs, audit_log TO service_role;
  END IF;
END
$service$;

-- anon (a request without a user) gets no table at all: it has no rows to see.
DO $anon$
BEGIN
  IF to_regrole('anon') IS NOT NULL THEN
    REVOKE ALL ON trading_accounts, account_integrations, trades, deals, account_transactions,
      sync_logs, audit_log, schema_migrations FROM anon;
  END IF;
END
$anon$;
