"""A large broker-mock scenario for sync_cycle_bench.sh, written as a stream (10,000 accounts are
~250 MB of JSON; building it as Python objects first would take minutes and gigabytes).

Each account has exactly `--positions` open positions (with their IN deals) and `--deals` deals in
all: one deposit, one withdrawal, the positions' IN deals, and closed trades of an IN and an OUT
deal each (`--deals` minus the positions minus 2 must be even). Every deal lies within the last
20 days, inside an account's first sync window, so one cycle inserts all of them: 50 new deals
per account. Money adds up as docs/scenario-format.md asks (balance = the sum of the deals).
Symbols and servers are tests/e2e/scenario_gen.py's. Fields at zero are left out (they read as 0).

  sync_scenario.py OUT.json [--accounts N] [--positions P] [--deals D] [--seed S]

Prints one JSON line: accounts, deals, closed trades, positions, bytes, seconds. Passwords are
`bench-<login>`: this is a synthetic scenario with no secret in it.
"""

import argparse
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import scenario_gen  # noqa: E402  (SYMBOLS, SYMBOL_INFO, SERVERS: one definition of the synthetic market)

DAY_S = 86400
FIRST_LOGIN = 8_000_000
SYMBOL_NAMES = list(scenario_gen.SYMBOLS)
SYMBOLS_JSON = json.dumps(scenario_gen.SYMBOL_INFO, separators=(",", ":"))


def password_of(login):
    return "bench-%d" % login


class _Account:
    def __init__(self, rng, index, now_utc_s, positions, deals):
        self.rng = rng
        self.login = FIRST_LOGIN + index
        self.server, offset = scenario_gen.SERVERS[index % len(scenario_gen.SERVERS)]
        self.now_b = now_utc_s + offset
        self.next_ticket = 1_000_000 * (index + 1) + 1
        self.n_positions = positions
        self.n_closed = (deals - positions - 2) // 2
        self.deal_parts, self.position_parts = [], []
        self.balance = 0.0
        self.floating = 0.0
        self.margin = 0.0

    def ticket(self):
        self.next_ticket += 1
        return self.next_ticket

    def price(self, symbol, around=None):
        digits, _, (lo, hi), step = scenario_gen.SYMBOLS[symbol]
        p = around + self.rng.uniform(-step, step) if around else self.rng.uniform(lo, hi)
        return round(p, digits)

    def deal(self, t_s, msc, **fields):
        """One deal as JSON text; `fields` holds its non-zero fields."""
        self.balance += fields.get("profit", 0.0) + fields.get("commission", 0.0)
        fields.update(ticket=self.ticket(), time=t_s, time_msc=t_s * 1000 + msc)
        self.deal_parts.append((t_s * 1000 + msc, json.dumps(fields, separators=(",", ":"))))

    def build(self):
        rng = self.rng
        start = self.now_b - 20 * DAY_S
        self.deal(start, 0, type=2, profit=100000.0, comment="Deposit")
        self.deal(start + 3600, 1, type=2, profit=-500.0, comment="Withdrawal")
        for _ in range(self.n_closed):
            symbol = rng.choice(SYMBOL_NAMES)
            direction = rng.choice((1, -1))
            volume = rng.choice((1, 5, 10, 20, 50)) / 100
            position_id = self.ticket()
            open_at = rng.randrange(start + 7200, self.now_b - 2 * DAY_S)
            close_at = open_at + rng.randrange(300, DAY_S)
            open_price = self.price(symbol)
            close_price = self.price(symbol, around=open_price)
            commission = round(-scenario_gen.COMMISSION_PER_LOT * volume, 2)
            self.deal(open_at, rng.randrange(1000), type=0 if direction == 1 else 1, entry=0,
                      position_id=position_id, symbol=symbol, volume=volume, price=open_price, commission=commission)
            self.deal(close_at, rng.randrange(1000), type=1 if direction == 1 else 0, entry=1,
                      position_id=position_id, symbol=symbol, volume=volume, price=close_price,
                      commission=commission, reason=rng.choice((0, 4, 5)),
                      profit=scenario_gen.usd_profit(symbol, direction, volume, open_price, close_price))
        for _ in range(self.n_positions):
            symbol = rng.choice(SYMBOL_NAMES)
            direction = rng.choice((1, -1))
            volume = rng.choice((1, 5, 10, 25, 40)) / 100
            position_id = self.ticket()
            open_at = rng.randrange(start + 7200, self.now_b - 7200)
            msc = rng.randrange(1000)
            open_price = self.price(symbol)
            current = self.price(symbol, around=open_price)
            self.deal(open_at, msc, type=0 if direction == 1 else 1, entry=0, position_id=position_id,
                      symbol=symbol, volume=volume, price=open_price,
                      commission=round(-scenario_gen.COMMISSION_PER_LOT * volume, 2))
            profit = scenario_gen.usd_profit(symbol, direction, volume, open_price, current)
            self.floating += profit
            self.margin += volume * 1000.0
            self.position_parts.append((open_at * 1000 + msc, json.dumps({
                "ticket": position_id, "identifier": position_id, "time": open_at, "time_msc": open_at * 1000 + msc,
                "type": 0 if direction == 1 else 1, "volume": volume, "price_open": open_price,
                "price_current": current, "profit": profit, "symbol": symbol}, separators=(",", ":"))))
        return self.text()

    def text(self):
        balance = round(self.balance, 2)
        equity = round(balance + self.floating, 2)
        margin = round(self.margin, 2)
        info = {"login": self.login, "leverage": 100, "trade_allowed": 1, "margin_mode": 2, "currency_digits": 2,
                "balance": balance, "profit": round(self.floating, 2), "equity": equity, "margin": margin,
                "margin_free": round(equity - margin, 2),
                "margin_level": round(equity / margin * 100, 2) if margin else 0,
                "margin_so_call": 100.0, "margin_so_so": 50.0, "name": "Bench %d" % self.login,
                "server": self.server, "currency": "USD", "company": "Synthetic Broker Ltd"}
        deals = ",".join(text for _, text in sorted(self.deal_parts))
        positions = ",".join(text for _, text in sorted(self.position_parts))
        return ('{"login":%d,"password":%s,"server":%s,"account_info":%s,"positions":[%s],"deals":[%s],"symbols":%s}'
                % (self.login, json.dumps(password_of(self.login)), json.dumps(self.server),
                   json.dumps(info, separators=(",", ":")), positions, deals, SYMBOLS_JSON))


def write(path, accounts, positions, deals, seed, now_utc_s=None):
    if (deals - positions - 2) < 0 or (deals - positions - 2) % 2:
        raise SystemExit("sync_scenario: deals minus positions minus 2 must be even and not negative")
    rng = random.Random(seed)
    now = int(now_utc_s or time.time())
    servers = json.dumps([{"name": n, "utc_offset_s": o} for n, o in scenario_gen.SERVERS])
    with open(path, "w") as f:
        f.write('{"servers":%s,"accounts":[' % servers)
        for i in range(accounts):
            if i:
                f.write(",\n")
            f.write(_Account(rng, i, now, positions, deals).build())
        f.write("]}\n")
    return {"accounts": accounts, "deals": accounts * deals, "closed_trades": accounts * ((deals - positions - 2) // 2),
            "transactions": accounts * 2, "positions": accounts * positions, "bytes": os.path.getsize(path)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out")
    parser.add_argument("--accounts", type=int, default=10000)
    parser.add_argument("--positions", type=int, default=20)
    parser.add_argument("--deals", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.monotonic()
    totals = write(args.out, args.accounts, args.positions, args.deals, args.seed)
    totals["seconds"] = round(time.monotonic() - started, 2)
    print(json.dumps(totals))


if __name__ == "__main__":
    main()
