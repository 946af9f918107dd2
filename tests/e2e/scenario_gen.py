"""Synthetic broker-mock scenarios (docs/scenario-format.md) with a known ground truth.

`generate()` builds N accounts on two servers (UTC+2 and UTC+3). Each account has a deposit, K
closed trades (an IN deal and one or two OUT deals: some trades close in two parts) and M open
positions with their IN deals, on EURUSD, USDJPY and XAUUSD at realistic prices, all within the
last 60 days on the broker clock (now_utc + the server's offset). The last closed trade of every
account closes within the last half hour, so an incremental sync re-reads it in its overlap window.

Money is consistent as the format asks: balance = the sum over all deals of profit + commission +
swap + fee (the deposit, every closed trade's net result, and the entry commissions already
charged on open positions); equity = balance + the open positions' profit and swap.

The ground truth of each account (`AccountTruth`) is what a correct sync must store: every deal
ticket once, each deposit once as a transaction, one closed trade per closed position id, the open
position tickets, and the balance.

Command line: `python3 scenario_gen.py OUT.json [--accounts N] [--seed S]` writes a scenario and
prints its totals.
"""

import argparse
import dataclasses
import json
import random
import time

SERVERS = (("SyncTest-Europe", 7200), ("SyncTest-Gulf", 10800))
DAY_S = 86400

# name -> (digits, contract size, typical price range, pip-ish step of a move)
SYMBOLS = {
    "EURUSD": (5, 100000.0, (1.05, 1.17), 0.0040),
    "USDJPY": (3, 100000.0, (142.0, 158.0), 0.60),
    "XAUUSD": (2, 100.0, (2300.0, 2700.0), 12.0),
}

SYMBOL_INFO = [
    {"name": "EURUSD", "digits": 5, "point": 1e-05, "trade_calc_mode": 0, "trade_tick_size": 1e-05,
     "trade_tick_value": 1.0, "trade_contract_size": 100000.0, "currency_base": "EUR", "currency_profit": "USD"},
    {"name": "USDJPY", "digits": 3, "point": 0.001, "trade_calc_mode": 0, "trade_tick_size": 0.001,
     "trade_tick_value": 0.6472, "trade_contract_size": 100000.0, "currency_base": "USD", "currency_profit": "JPY"},
    {"name": "XAUUSD", "digits": 2, "point": 0.01, "trade_calc_mode": 2, "trade_tick_size": 0.01,
     "trade_tick_value": 1.0, "trade_contract_size": 100.0, "currency_base": "XAU", "currency_profit": "USD"},
]

COMMISSION_PER_LOT = 3.5  # per side, in USD


@dataclasses.dataclass
class AccountTruth:
    """What a correct sync stores for one scenario account."""
    login: int
    server: str
    password: str
    utc_offset_s: int
    deal_tickets: set
    transaction_tickets: set  # deposits and other non-trade deals (account_transactions)
    closed_position_ids: set
    open_position_tickets: set
    balance: float
    knobs: dict


def money(x):
    return round(x + 0.0, 2)


def usd_profit(symbol, direction, volume, open_price, close_price):
    """Profit in USD of `volume` lots moved from open_price to close_price (direction +1 buy)."""
    _, contract, _, _ = SYMBOLS[symbol]
    raw = (close_price - open_price) * direction * volume * contract
    return money(raw / close_price if symbol == "USDJPY" else raw)


class _AccountBuilder:
    def __init__(self, rng, index, now_utc_s, server, offset_s, closed_trades, open_positions, password):
        self.rng = rng
        self.now_b = now_utc_s + offset_s  # broker clock, as MT5 gives times
        base = 1_000_000 * (index + 1)
        self.next_deal = base + 1
        self.next_position = base + 500_001
        self.deals = []
        self.positions = []
        self.closed_ids = set()
        self.login = 7_100_000 + index
        self.server = server
        self.offset_s = offset_s
        self.password = password
        self.closed_trades = closed_trades
        self.open_positions = open_positions

    def _price(self, symbol, around=None):
        digits, _, (lo, hi), step = SYMBOLS[symbol]
        p = around + self.rng.uniform(-step, step) if around else self.rng.uniform(lo, hi)
        return round(p, digits)

    def _deal(self, t_s, **fields):
        d = {"ticket": self.next_deal, "order": self.next_deal + 300_000, "time": t_s,
             "time_msc": t_s * 1000 + self.rng.randrange(1000), "magic": 0, "reason": 0,
             "commission": 0.0, "swap": 0.0, "profit": 0.0, "fee": 0.0, "symbol": "", "comment": ""}
        d.update(fields)
        self.next_deal += 1
        self.deals.append(d)
        return d

    def build(self):
        rng = self.rng
        start = self.now_b - 60 * DAY_S
        self._deal(start, type=2, entry=0, position_id=0, profit=float(rng.choice([1000, 5000, 10000, 25000])),
                   comment="Deposit", order=0)
        # Closed trades spread over the 60 days; the last one closes within the last 30 minutes.
        for k in range(self.closed_trades):
            last = k == self.closed_trades - 1
            if last:
                close_at = self.now_b - rng.randrange(120, 1800)
                open_at = close_at - rng.randrange(600, 3 * 3600)
            else:
                open_at = rng.randrange(start + 3600, self.now_b - 3 * DAY_S)
                close_at = open_at + rng.randrange(300, 2 * DAY_S)
            self._closed_trade(open_at, close_at, split=not last and rng.random() < 0.35)
        for _ in range(self.open_positions):
            self._open_position(rng.randrange(self.now_b - 20 * DAY_S, self.now_b - 7200))
        return self._account()

    def _closed_trade(self, open_at, close_at, split):
        rng = self.rng
        symbol = rng.choice(list(SYMBOLS))
        direction = rng.choice([1, -1])
        lots_cents = rng.choice([2, 5, 10, 20, 30, 50, 100])
        volume = lots_cents / 100
        position_id = self.next_position
        self.next_position += 1
        open_price = self._price(symbol)
        self._deal(open_at, type=0 if direction == 1 else 1, entry=0, position_id=position_id, symbol=symbol,
                   volume=volume, price=open_price, commission=money(-COMMISSION_PER_LOT * volume))
        parts = [lots_cents]
        if split and lots_cents >= 2:
            first = rng.randrange(1, lots_cents)
            parts = [first, lots_cents - first]
        t = open_at
        for n, part in enumerate(parts):
            t = close_at if n == len(parts) - 1 else rng.randrange(open_at + 60, close_at)
            part_volume = part / 100
            close_price = self._price(symbol, around=open_price)
            swap = money(-rng.uniform(0, 2) * part_volume) if (t - open_at) > DAY_S else 0.0
            self._deal(t, type=1 if direction == 1 else 0, entry=1, position_id=position_id, symbol=symbol,
                       volume=part_volume, price=close_price, reason=rng.choice([0, 4, 5]),
                       commission=money(-COMMISSION_PER_LOT * part_volume), swap=swap,
                       profit=usd_profit(symbol, direction, part_volume, open_price, close_price))
        self.closed_ids.add(position_id)

    def _open_position(self, open_at):
        rng = self.rng
        symbol = rng.choice(list(SYMBOLS))
        direction = rng.choice([1, -1])
        volume = rng.choice([1, 5, 10, 25, 40]) / 100
        ticket = self.next_position
        self.next_position += 1
        open_price = self._price(symbol)
        deal = self._deal(open_at, type=0 if direction == 1 else 1, entry=0, position_id=ticket, symbol=symbol,
                          volume=volume, price=open_price, commission=money(-COMMISSION_PER_LOT * volume))
        current = self._price(symbol, around=open_price)
        self.positions.append({
            "ticket": ticket, "identifier": ticket, "time": open_at, "time_msc": deal["time_msc"],
            "time_update": open_at, "time_update_msc": deal["time_msc"], "type": 0 if direction == 1 else 1,
            "magic": 0, "reason": 0, "volume": volume, "price_open": open_price, "sl": 0.0, "tp": 0.0,
            "price_current": current, "swap": money(-rng.uniform(0, 3) * volume),
            "profit": usd_profit(symbol, direction, volume, open_price, current), "symbol": symbol,
            "comment": "", "external_id": ""})

    def _account(self):
        balance = money(sum(d["profit"] + d["commission"] + d["swap"] + d["fee"] for d in self.deals))
        floating = money(sum(p["profit"] + p["swap"] for p in self.positions))
        equity = money(balance + floating)
        margin = money(sum(p["volume"] * 1000.0 for p in self.positions))
        info = {"login": self.login, "trade_mode": 0, "leverage": 100, "margin_so_mode": 0, "trade_allowed": 1,
                "trade_expert": 1, "margin_mode": 2, "currency_digits": 2, "balance": balance, "credit": 0.0,
                "profit": floating, "equity": equity, "margin": margin, "margin_free": money(equity - margin),
                "margin_level": money(equity / margin * 100) if margin else 0.0, "margin_so_call": 100.0,
                "margin_so_so": 50.0, "name": "Sync Tester %d" % self.login, "server": self.server,
                "currency": "USD", "company": "Synthetic Broker Ltd"}
        ticks = {}
        for s in SYMBOL_INFO:
            digits, _, (lo, hi), _ = SYMBOLS[s["name"]]
            bid = round((lo + hi) / 2, digits)
            ticks[s["name"]] = {"time": self.now_b, "bid": bid, "ask": round(bid + 2 * s["point"], digits)}
        return {"login": self.login, "password": self.password, "server": self.server, "account_info": info,
                "positions": sorted(self.positions, key=lambda p: (p["time_msc"], p["ticket"])),
                "deals": sorted(self.deals, key=lambda d: (d["time_msc"], d["ticket"])),
                "symbols": SYMBOL_INFO, "ticks": ticks}


def generate(n_accounts, seed, closed_trades=6, open_positions=2, knobs=None, now_utc_s=None):
    """Returns (scenario dict, [AccountTruth]) for `n_accounts` accounts, deterministic in `seed`
    (times are relative to `now_utc_s`, default now). `knobs` maps an account index to its Knobs
    object (docs/scenario-format.md); `closed_trades` / `open_positions` are per account."""
    rng = random.Random(seed)
    now = int(now_utc_s if now_utc_s is not None else time.time())
    knobs = knobs or {}
    scenario = {"servers": [{"name": n, "utc_offset_s": o} for n, o in SERVERS], "accounts": []}
    truths = []
    for i in range(n_accounts):
        server, offset = SERVERS[i % len(SERVERS)]
        password = "pw-%d-%s" % (i, rng.randrange(10**6, 10**7))
        acc = _AccountBuilder(rng, i, now, server, offset, closed_trades, open_positions, password).build()
        if knobs.get(i):
            acc["knobs"] = dict(knobs[i])
        scenario["accounts"].append(acc)
        truths.append(AccountTruth(
            login=acc["login"], server=server, password=password, utc_offset_s=offset,
            deal_tickets={d["ticket"] for d in acc["deals"]},
            transaction_tickets={d["ticket"] for d in acc["deals"] if d["type"] not in (0, 1)},
            closed_position_ids={d["position_id"] for d in acc["deals"] if d["entry"] == 1},
            open_position_tickets={p["ticket"] for p in acc["positions"]},
            balance=acc["account_info"]["balance"], knobs=dict(knobs.get(i) or {})))
    return scenario, truths


def with_passwords(scenario, new_passwords):
    """A copy of `scenario` where the account with login L has password new_passwords[L]
    (as when a user changes the investor password after linking)."""
    copy = json.loads(json.dumps(scenario))
    for acc in copy["accounts"]:
        if acc["login"] in new_passwords:
            acc["password"] = new_passwords[acc["login"]]
    return copy


def write(scenario, path):
    with open(path, "w") as f:
        json.dump(scenario, f)
    return path


def time_zones_yaml():
    """The `time_zones` mapping of the generated servers, in the host's config syntax."""
    parts = ['%s: "%+03d:%02d"' % (n, o // 3600, (abs(o) % 3600) // 60) for n, o in SERVERS]
    return "{ " + ", ".join(parts) + ' }'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out")
    parser.add_argument("--accounts", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--closed-trades", type=int, default=6)
    parser.add_argument("--open-positions", type=int, default=2)
    args = parser.parse_args()
    scenario, truths = generate(args.accounts, args.seed, args.closed_trades, args.open_positions)
    write(scenario, args.out)
    print("%d accounts, %d deals, %d closed trades, %d open positions -> %s" % (
        len(truths), sum(len(t.deal_tickets) for t in truths), sum(len(t.closed_position_ids) for t in truths),
        sum(len(t.open_position_tickets) for t in truths), args.out))


if __name__ == "__main__":
    main()
