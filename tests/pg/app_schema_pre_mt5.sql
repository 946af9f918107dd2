-- The trading app's own tables before the MT5 integration, with rows: what the seeds' story 4.3
-- finds ("existing trading_accounts and trades tables exist") when its migration adds the MT5
-- columns with ALTER ... ADD COLUMN IF NOT EXISTS and creates sync_logs.
--
-- Reconstructed from the seeds: accounts are read by is_active and last_sync_at (stories 4.2,
-- 4.3), carry login, server, broker_name, balance, equity (story 3.x), and were linked through
-- the discontinued MetaAPI (metaapi_account_id); trades are upserted by ticket alone (story 4.2's
-- on_conflict 'ticket', hence its UNIQUE). The app's own columns that mt5bridge never writes
-- (account_name, the trader's journal notes and tags) must survive every migration, up and down.
-- Money is numeric, as Supabase's table editor suggests.

CREATE TABLE trading_accounts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL,
  account_name text,
  login bigint NOT NULL,
  server text NOT NULL,
  broker_name text,
  platform text DEFAULT 'mt5',
  metaapi_account_id text,
  currency text,
  leverage integer,
  balance numeric(14, 2),
  equity numeric(14, 2),
  is_active boolean NOT NULL DEFAULT true,
  last_sync_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE trades (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
  user_id uuid,
  ticket bigint NOT NULL UNIQUE,
  symbol text NOT NULL,
  type text NOT NULL,
  volume numeric NOT NULL,
  open_price numeric,
  close_price numeric,
  open_time timestamptz,
  close_time timestamptz,
  profit numeric DEFAULT 0,
  status text DEFAULT 'open',
  notes text,
  tags text[],
  created_at timestamptz DEFAULT now()
);

-- The app's users could always see their own rows (seed story 4.4's first policies).
ALTER TABLE trading_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE trades ENABLE ROW LEVEL SECURITY;

INSERT INTO trading_accounts (id, user_id, account_name, login, server, broker_name,
                              metaapi_account_id, currency, leverage, balance, equity,
                              last_sync_at, created_at)
VALUES ('a1111111-1111-4111-8111-111111111111', '11111111-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
        'Swing account', 5001234, 'MetaQuotes-Demo', 'MetaQuotes', 'metaapi-abc', 'USD', 100,
        10250.50, 10310.25, '2025-10-30T12:00:00Z', '2025-09-01T08:00:00Z'),
       ('a2222222-2222-4222-8222-222222222222', '22222222-bbbb-4bbb-8bbb-bbbbbbbbbbbb',
        'Prop challenge', 7712045, 'Bluewater-Live2', 'Bluewater', 'metaapi-def', 'EUR', 30,
        50000.00, 49875.00, NULL, '2025-09-15T08:00:00Z');

INSERT INTO trades (account_id, user_id, ticket, symbol, type, volume, open_price, close_price,
                    open_time, close_time, profit, status, notes, tags)
VALUES ('a1111111-1111-4111-8111-111111111111', '11111111-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
        900001, 'EURUSD', 'buy', 0.5, 1.08, 1.085, '2025-10-01T09:00:00Z',
        '2025-10-01T15:00:00Z', 250.00, 'closed', 'breakout, held to target', '{breakout}'),
       ('a1111111-1111-4111-8111-111111111111', '11111111-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
        900002, 'XAUUSD', 'sell', 0.1, 2650.0, NULL, '2025-10-29T10:00:00Z', NULL, 0, 'open',
        'news fade', NULL),
       ('a2222222-2222-4222-8222-222222222222', '22222222-bbbb-4bbb-8bbb-bbbbbbbbbbbb',
        900003, 'GBPUSD', 'sell', 1.0, 1.27, 1.2725, '2025-10-02T09:00:00Z',
        '2025-10-02T11:00:00Z', -250.00, 'closed', NULL, '{mistake}');
