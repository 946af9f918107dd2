-- A Supabase-like `auth` shim for plain PostgreSQL in tests.
--
-- Reconstructed from Supabase's own repositories (read 2026-12):
--   supabase/postgres migrations/db/init-scripts/00000000000000-initial-schema.sql (the roles
--     anon, authenticated, service_role, authenticator; USAGE on public; the default
--     privileges that grant every new table in public to all of them),
--   supabase/postgres migrations/db/init-scripts/00000000000001-auth-schema.sql (schema auth,
--     auth.uid(), auth.role(), auth.email(), USAGE on auth for the API roles),
--   supabase/auth's later migrations (auth.uid() and auth.jwt() read request.jwt.claims, the
--     setting PostgREST 9+ fills with the JWT's claims; request.jwt.claim.<name> before that),
--   supabase/realtime dev/postgres/00-setup.sql (the same roles and default privileges).
-- The `postgres` role is a Supabase project's own login: not a superuser, CREATEROLE,
-- CREATEDB, REPLICATION and BYPASSRLS. This cluster's superuser (mt5bridge) stands in for
-- supabase_admin.
--
-- Supabase ships the roles anon / authenticated / service_role, the schema `auth` and
-- auth.uid(), which reads the user id (`sub`) from the JWT claims PostgREST puts in the
-- setting request.jwt.claims. storage-postgres's row-level-security migration relies on them but
-- never creates them; a test database gets them from this file first.
--
-- Impersonate a user the way PostgREST does:
--   BEGIN;
--   SET LOCAL ROLE authenticated;
--   SELECT set_config('request.jwt.claims', '{"sub":"<uuid>","role":"authenticated"}', true);
--   ...
--   ROLLBACK;
--
-- Idempotent: roles are cluster-wide, so they are only created when missing.

DO $roles$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
    CREATE ROLE anon NOLOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
    CREATE ROLE authenticated NOLOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
    -- Like Supabase's service key: passes every row-level-security policy.
    CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
  END IF;
END
$roles$;

-- The test login may switch to any of them (Supabase's authenticator role can too).
GRANT anon, authenticated, service_role TO CURRENT_USER;

CREATE SCHEMA IF NOT EXISTS auth;

CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
  LANGUAGE sql STABLE
AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')::uuid
$$;

CREATE OR REPLACE FUNCTION auth.role() RETURNS text
  LANGUAGE sql STABLE
AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')::text
$$;

CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb
  LANGUAGE sql STABLE
AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), ''))::jsonb
$$;

GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION auth.uid(), auth.role(), auth.jwt()
  TO anon, authenticated, service_role;

-- Supabase grants the API roles every privilege on tables in `public` and leaves the guarding
-- to row-level security; the same defaults here.
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT EXECUTE ON FUNCTIONS TO anon, authenticated, service_role;

-- Supabase's own roles beyond the API roles: the project's `postgres` login (no superuser) and
-- PostgREST's `authenticator`, which logs in and switches to anon/authenticated/service_role.
-- service_role is NOLOGIN: nothing, mt5bridge included, can connect as it.
DO $logins$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'postgres') THEN
    CREATE ROLE postgres LOGIN NOSUPERUSER CREATEDB CREATEROLE REPLICATION BYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticator') THEN
    CREATE ROLE authenticator LOGIN NOINHERIT;
  END IF;
END
$logins$;
GRANT anon, authenticated, service_role TO authenticator;
GRANT anon, authenticated, service_role TO postgres;
-- The project's postgres creates tables in public and writes policies that call auth.uid().
GRANT USAGE, CREATE ON SCHEMA public TO postgres;
GRANT USAGE ON SCHEMA auth TO postgres;
-- Tables postgres creates get the same grants as the supabase_admin's (initial-schema.sql).
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
  GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
  GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
  GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
