"""The REST API end to end (issue 4, item 7): the real binary over loopback HTTP with the demo
scenario. Every route, every error code, an authorization matrix, JWT attacks, rate-limit edges,
cache ages, CORS, request ids, and fuzzing that no input makes the host answer 5xx.

Expected figures are computed here from config/scenarios/demo.json, independently of the host.
Tests noted "Regression" guard host bugs this suite found and that were fixed."""

import base64
import copy
import datetime
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import tempfile
import threading
import time
import unittest
import urllib.parse
import uuid

from harness import (API_KEY, ERROR_KEYS, JWT_SECRET, Host, config_text, host_route_table, load_scenario,
                     make_jwt, new_user, raw_exchange)

SCENARIO = load_scenario()
HEDGING, NETTING, TIMES_OUT = (next(a for a in SCENARIO["accounts"] if a["login"] == login)
                               for login in (5001234, 7712045, 5009876))
OFFSETS = {s["name"]: s["utc_offset_s"] for s in SCENARIO["servers"]}
# The wide range every demo deal falls in; ranges are inclusive, bare to_dates mean the whole day.
ALL_FROM, ALL_TO = "2025-10-01", "2025-12-31"
UNLIMITED = """\
  service_key_acts_on_any_account: true
  rate_limits:
    per_key_per_min: 1000000
    connect_per_min: 1000000
    health_per_ip_per_min: 1000000
"""
# Listing the servers makes UNKNOWN_SERVER reachable (an empty list serves every name).
BROKER_SERVERS = "servers: [%s]" % ", ".join(json.dumps(s["name"]) for s in SCENARIO["servers"])
MARKET_ROUTES = ("info", "positions", "history")
MAIN = None  # the host most tests share; classes needing other settings start their own


def setUpModule():
    global MAIN
    MAIN = Host(config_text=config_text(UNLIMITED, BROKER_SERVERS)).start()


def tearDownModule():
    MAIN.stop()


# ---- expectations from the scenario ---------------------------------------------------------

def seconds(record, field="time"):
    """A scenario time pair's seconds (either half may be given)."""
    return record[field] if field in record else record[field + "_msc"] // 1000


def iso_utc(epoch_s):
    return datetime.datetime.fromtimestamp(epoch_s, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(text):
    """A bare date or an ISO date-time with Z, as epoch seconds (UTC)."""
    if len(text) == 10:
        text += "T00:00:00Z"
    return int(datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp())


def expected_positions(account):
    """Open positions as story 3.4 shows them; commission is the IN deals' (MT5 positions have none)."""
    out = []
    for p in account.get("positions", []):
        pid = p.get("identifier") or p["ticket"]
        commission = sum(d["commission"] for d in account["deals"]
                         if d.get("position_id") == pid and d.get("entry") == 0)
        out.append(dict(p, commission=commission, kind="buy" if p["type"] == 0 else "sell",
                        total=p["profit"] + p["swap"] + commission))
    return out


def expected_trades(account):
    """Closed trades: each position's deals in time order; a trade closes whenever the running
    volume returns to zero or crosses it (a netting reversal). `net` is known for positions that
    close once; a reversed position's money is only known in total (`group_net`)."""
    offset = OFFSETS[account["server"]]
    by_position = {}
    for d in account.get("deals", []):
        if d.get("type") in (0, 1) and d.get("position_id"):
            by_position.setdefault(d["position_id"], []).append(d)
    trades = []
    for pid, deals in by_position.items():
        deals.sort(key=lambda d: (d.get("time_msc") or seconds(d) * 1000, d["ticket"]))
        volume, money, closes = 0.0, 0.0, []
        for d in deals:
            before = volume
            volume = round(volume + (d["volume"] if d["type"] == 0 else -d["volume"]), 8)
            money += d["profit"] + d["swap"] + d["commission"] + d.get("fee", 0.0)
            if before != 0 and (volume == 0 or (before > 0) != (volume > 0)):
                closes.append({"position_id": pid, "symbol": d["symbol"], "close_s": seconds(d) - offset})
        if closes and volume != 0:
            raise AssertionError("position %d closed in part and is still open: extend expected_trades" % pid)
        for c in closes:
            c.update(net=money if len(closes) == 1 else None, group=pid, group_net=money, group_size=len(closes))
        trades += closes
    return sorted(trades, key=lambda t: -t["close_s"])


def in_range(trades, from_s, to_s):
    return [t for t in trades if from_s <= t["close_s"] <= to_s]


def expected_summary(trades):
    """Story 3.5's summary; net_profit only (None for the rest) when a reversal splits money."""
    if all(t["net"] is not None for t in trades):
        wins = [t["net"] for t in trades if t["net"] > 0]
        losses = [t["net"] for t in trades if t["net"] <= 0]
        return {"total_profit": round(sum(wins), 2), "total_loss": round(sum(losses), 2),
                "net_profit": round(sum(wins) + sum(losses), 2),
                "win_rate": round(len(wins) / len(trades), 2) if trades else 0.0}
    groups = {t["group"]: t for t in trades}
    assert all(sum(1 for t in trades if t["group"] == g) == t["group_size"] for g, t in groups.items())
    return {"net_profit": round(sum(t["group_net"] for t in groups.values()), 2)}


# ---- tokens ---------------------------------------------------------------------------------

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header=None, payload=None, secret=JWT_SECRET, sign="HS256", signature=None):
    """A token with any header and payload: signed HS256/HS512 with `secret`, or unsigned."""
    now = int(time.time())
    header = header if header is not None else {"alg": "HS256", "typ": "JWT"}
    claims = {"sub": new_user(), "role": "authenticated", "aud": "authenticated", "iat": now, "exp": now + 3600}
    claims.update(payload or {})
    claims = {k: v for k, v in claims.items() if v is not None}
    head = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    if signature is not None:
        return head + "." + signature
    if sign is None:
        return head + "."
    digest = hashlib.sha512 if sign == "HS512" else hashlib.sha256
    return head + "." + b64url(hmac.new(secret.encode(), head.encode(), digest).digest())


# ---- shared test helpers --------------------------------------------------------------------

def decode(raw):
    """A response body as JSON even when it carries invalid UTF-8 (judged by its own test)."""
    try:
        return json.loads(raw.decode("utf-8", "surrogateescape")) if raw else None
    except ValueError:
        return raw


def link_body(account=HEDGING, **overrides):
    """Story 3.2's request body for a scenario account."""
    body = {"login": account["login"], "password": account["password"], "server": account["server"],
            "broker_name": "Demo Broker Ltd"}
    body.update(overrides)
    return body


def link_account(host, user, account=HEDGING, **overrides):
    """Links a scenario account for `user` (a user token); its account_id."""
    status, answer, _ = host.request("POST", "/api/mt5/accounts", link_body(account, **overrides), host.auth(user))
    assert status == 201, answer
    return answer["account_id"]


def post_connect(body):
    """A raw POST /api/mt5/connect with the service key, for bodies http.client should not send."""
    head = "POST /api/mt5/connect HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: %s\r\nContent-Type: application/json\r\n" \
           "Content-Length: %d\r\n\r\n" % (API_KEY, len(body))
    return head.encode() + body


class ApiTestCase(unittest.TestCase):
    host = property(lambda self: MAIN)

    def call(self, method, path, body=None, user=None, token=None, api_key=API_KEY, headers=None):
        h = self.host.auth(user=user, api_key=api_key, token=token)
        h.update(headers or {})
        return self.host.request(method, path, body, h)

    def assert_error(self, answer, status, code, details=None):
        got_status, body, headers = answer
        self.assertEqual((got_status, body.get("error_code") if isinstance(body, dict) else body), (status, code), body)
        self.assert_error_shape(body, headers)
        if details is not None:
            self.assertEqual(body["details"], details)
        if status == 401 and code != "API_KEY_REQUIRED":
            self.assertEqual(headers.get("www-authenticate"), "Bearer")

    def assert_error_shape(self, body, headers):
        self.assertIsInstance(body, dict, body)
        extra = {"error", "retry_after"} if body.get("error_code") == "RATE_LIMITED" else set()
        self.assertEqual(set(body), set(ERROR_KEYS) | extra, body)
        self.assertIs(body["success"], False)
        self.assertTrue(body["error_message"].endswith("."), body["error_message"])
        if body["request_id"] is not None:
            self.assertEqual(body["request_id"], headers.get("x-request-id"))

    def link(self, user, account=HEDGING, **overrides):
        return link_account(self.host, user, account, **overrides)

    def fresh(self, account=HEDGING):
        """A new user with the account linked: (user, account_id)."""
        user = new_user()
        return user, self.link(user, account)

    def market(self, account_id, what, query="", **kw):
        return self.call("GET", "/api/mt5/account/%s/%s%s" % (account_id, what, query), **kw)

    def ok(self, answer):
        status, body, _ = answer
        self.assertEqual(status, 200, body)
        self.assertIs(body["success"], True)
        return body


# ---- routes ---------------------------------------------------------------------------------

class ConnectTest(ApiTestCase):
    def connect(self, body, **kw):
        return self.call("POST", "/api/mt5/connect", body, **kw)

    def test_connect_answers_story_3_2_and_stores_nothing(self):
        before = self.host.request("GET", "/health")[1]["total_accounts"]
        body = self.ok(self.connect(link_body()))
        info = HEDGING["account_info"]
        self.assertEqual(set(body), {"success", "account_info", "connection_id"})
        self.assertRegex(body["connection_id"], r"^conn_[0-9a-f-]{36}$")
        expected = {"balance": info["balance"], "equity": info["equity"], "margin": info["margin"],
                    "free_margin": info["margin_free"], "margin_level": info["margin_level"],
                    "currency": info["currency"], "leverage": info["leverage"], "profit": info["profit"],
                    "server": HEDGING["server"]}
        self.assertEqual(body["account_info"], expected)
        self.assertEqual(self.host.request("GET", "/health")[1]["total_accounts"], before)

    def test_connect_needs_the_service_key_but_no_user_token(self):
        self.assert_error(self.connect(link_body(), api_key=None, user=new_user()), 401, "API_KEY_REQUIRED")
        self.ok(self.connect(link_body(), user=new_user()))
        self.ok(self.connect(link_body(user_id=new_user())))

    def test_connect_validates_story_3_2_rules(self):
        cases = [({"login": 0}, "INVALID_INPUT", "login"), ({"login": -1}, "INVALID_INPUT", "login"),
                 ({"login": None}, "INVALID_INPUT", "login"), ({"login": "5001234"}, "INVALID_TYPE", "login"),
                 ({"login": 1.5}, "INVALID_TYPE", "login"), ({"login": 1e30}, "INVALID_TYPE", "login"),
                 ({"password": "12345"}, "INVALID_INPUT", "password"),
                 ({"password": "x" * 257}, "INVALID_INPUT", "password"),
                 ({"password": 123456}, "INVALID_TYPE", "password"), ({"server": ""}, "INVALID_INPUT", "server"),
                 ({"broker_name": ""}, "INVALID_INPUT", "broker_name"),
                 ({"broker_name": ["x"]}, "INVALID_TYPE", "broker_name"),
                 ({"user_id": "not-a-uuid"}, "INVALID_UUID", "not-a-uuid"),
                 ({"account_id": "x"}, "UNKNOWN_FIELD", "account_id")]
        for overrides, code, details in cases:
            with self.subTest(overrides=overrides):
                self.assert_error(self.connect(link_body(**overrides)), 400, code, details)
        for raw in ("", "{", "[1]", "null", '"text"', "{} {}"):
            with self.subTest(raw=raw):
                self.assert_error(self.connect(raw), 400, "INVALID_JSON")

    def test_a_refused_login_is_422_auth_failed_and_never_echoes_the_password(self):
        answer = self.connect(link_body(password="wrong-password-71"))
        self.assert_error(answer, 422, "AUTH_FAILED")
        self.assertNotIn("wrong-password-71", json.dumps(answer[1]))
        self.assertNotIn("wrong-password-71", self.host.logs())

    def test_an_account_whose_logins_time_out_is_504_timeout(self):
        self.assert_error(self.connect(link_body(TIMES_OUT)), 504, "TIMEOUT")

    def test_a_server_no_broker_serves_is_unknown_server(self):
        self.assert_error(self.connect(link_body(server="Nowhere-Live9")), 400, "UNKNOWN_SERVER", "Nowhere-Live9")


class AccountsTest(ApiTestCase):
    ACCOUNT_FIELDS = {"account_id", "user_id", "login", "server", "broker_name", "platform", "is_active", "currency",
                      "leverage", "balance", "equity", "connection_status", "last_sync_at", "last_successful_sync_at",
                      "last_connection_error", "sync_failure_count", "next_sync_at", "created_at"}

    def test_link_list_get_delete(self):
        user = new_user()
        status, body, headers = self.call("POST", "/api/mt5/accounts", link_body(), user=user)
        self.assertEqual(status, 201, body)
        account_id = body["account_id"]
        self.assertEqual(headers["location"], "/api/mt5/accounts/" + account_id)
        self.assertEqual(body["account_info"]["balance"], HEDGING["account_info"]["balance"])
        listed = self.ok(self.call("GET", "/api/mt5/accounts", user=user))
        self.assertEqual((listed["total"], [a["account_id"] for a in listed["accounts"]]), (1, [account_id]))
        account = listed["accounts"][0]
        self.assertEqual(set(account), self.ACCOUNT_FIELDS)
        self.assertEqual(
            (account["user_id"], account["login"], account["server"], account["broker_name"], account["platform"]),
            (user, HEDGING["login"], HEDGING["server"], "Demo Broker Ltd", "mt5"))
        self.assertEqual((account["balance"], account["equity"], account["currency"], account["leverage"]),
                         tuple(HEDGING["account_info"][k] for k in ("balance", "equity", "currency", "leverage")))
        self.assertRegex(account["next_sync_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        one = self.ok(self.call("GET", "/api/mt5/accounts/" + account_id, user=user))["account"]
        self.assertEqual(one, account)
        deleted = self.ok(self.call("DELETE", "/api/mt5/accounts/" + account_id, user=user))
        self.assertEqual(deleted, {"success": True, "account_id": account_id, "deleted": True})
        for method, path in (("GET", "/api/mt5/accounts/" + account_id), ("DELETE", "/api/mt5/accounts/" + account_id),
                             ("GET", "/api/mt5/account/%s/info" % account_id)):
            self.assert_error(self.call(method, path, user=user), 404, "ACCOUNT_NOT_FOUND")
        self.assertEqual(self.ok(self.call("GET", "/api/mt5/accounts", user=user))["accounts"], [])

    def test_a_user_lists_only_their_own_accounts(self):
        alice, alice_account = self.fresh()
        bob, bob_account = self.fresh(NETTING)
        listed = self.ok(self.call("GET", "/api/mt5/accounts", user=alice))["accounts"]
        self.assertEqual([a["account_id"] for a in listed], [alice_account])
        self.assertEqual(self.ok(self.call("GET", "/api/mt5/accounts?user_id=" + bob.upper(), user=bob))["total"], 1)
        self.assert_error(self.call("GET", "/api/mt5/accounts?user_id=" + bob, user=alice), 403, "FORBIDDEN")
        self.assert_error(self.call("GET", "/api/mt5/accounts?user_id=bob", user=alice), 400, "INVALID_UUID", "bob")

    def test_linking_the_same_account_twice_conflicts(self):
        user, _ = self.fresh()
        self.assert_error(self.call("POST", "/api/mt5/accounts", link_body(), user=user), 409, "ACCOUNT_ALREADY_LINKED")

    def test_a_user_links_only_for_themself(self):
        user = new_user()
        body = link_body(NETTING)
        self.assert_error(self.call("POST", "/api/mt5/accounts", dict(body, user_id=new_user()), user=user),
                          403, "FORBIDDEN")
        self.assertEqual(self.call("POST", "/api/mt5/accounts", dict(body, user_id=user.upper()), user=user)[0], 201)

    def test_the_service_key_alone_acts_on_behalf_of_users(self):
        body = link_body(NETTING)
        self.assert_error(self.call("POST", "/api/mt5/accounts", body), 400, "INVALID_INPUT", "user_id")
        user = new_user()
        status, created, _ = self.call("POST", "/api/mt5/accounts", dict(body, user_id=user))
        self.assertEqual(status, 201, created)
        other_user, other_account = self.fresh()
        everyone = {a["account_id"] for a in self.ok(self.call("GET", "/api/mt5/accounts"))["accounts"]}
        self.assertLessEqual({created["account_id"], other_account}, everyone)
        mine = self.ok(self.call("GET", "/api/mt5/accounts?user_id=" + user))["accounts"]
        self.assertEqual([a["account_id"] for a in mine], [created["account_id"]])
        self.assertEqual(self.ok(self.market(created["account_id"], "info"))["account_id"], created["account_id"])
        self.ok(self.call("GET", "/api/mt5/accounts/" + created["account_id"], user=user))
        self.assert_error(self.call("GET", "/api/mt5/accounts/" + created["account_id"], user=other_user),
                          403, "FORBIDDEN")


class MarketDataTest(ApiTestCase):
    @classmethod
    def setUpClass(cls):
        cls.user = new_user()
        cls.hedging = link_account(MAIN, cls.user, HEDGING)
        cls.netting = link_account(MAIN, cls.user, NETTING)

    def get(self, account_id, what, query=""):
        return self.ok(self.market(account_id, what, query, user=self.user))

    def test_info_is_story_3_3_with_the_scenario_figures(self):
        body = self.get(self.hedging, "info")
        info = HEDGING["account_info"]
        self.assertEqual(body["account_id"], self.hedging)
        self.assertRegex(body["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(body["data"], {
            "balance": info["balance"], "equity": info["equity"], "margin": info["margin"],
            "free_margin": info["margin_free"], "margin_level": info["margin_level"], "currency": info["currency"],
            "leverage": info["leverage"], "profit": info["profit"], "credit": info["credit"],
            "positions_count": len(HEDGING["positions"])})
        self.assertIn(body["cached"], (True, False))

    def test_positions_are_story_3_4_with_totals_from_the_scenario(self):
        body = self.get(self.hedging, "positions")
        expected = expected_positions(HEDGING)
        self.assertEqual(body["total_positions"], len(expected))
        self.assertAlmostEqual(body["total_profit"], round(sum(p["total"] for p in expected), 2), places=6)
        offset = OFFSETS[HEDGING["server"]]
        by_ticket = lambda p: p["ticket"]
        same_as_mt5 = [("ticket", "ticket"), ("symbol", "symbol"), ("type", "kind"), ("volume", "volume"),
                       ("open_price", "price_open"), ("current_price", "price_current"), ("sl", "sl"), ("tp", "tp"),
                       ("profit", "profit"), ("swap", "swap"), ("magic", "magic"), ("comment", "comment")]
        for got, want in zip(sorted(body["positions"], key=by_ticket), sorted(expected, key=by_ticket)):
            self.assertEqual([got[ours] for ours, _ in same_as_mt5], [want[theirs] for _, theirs in same_as_mt5])
            self.assertAlmostEqual(got["commission"], want["commission"], places=6)
            self.assertEqual(got["open_time"], iso_utc(seconds(want) - offset))
            self.assertEqual(got["open_time_broker"], iso_utc(seconds(want))[:-1] + "+%02d:00" % (offset // 3600))

    def test_positions_filter_by_type_and_symbols(self):
        expected = expected_positions(HEDGING)
        for query, keep in (("?type=buy", lambda p: p["kind"] == "buy"), ("?type=sell", lambda p: p["kind"] == "sell"),
                            ("?symbols=XAUUSD", lambda p: p["symbol"] == "XAUUSD"),
                            ("?symbols=EURUSD,%20XAUUSD", lambda p: True), ("?symbols=GBPUSD", lambda p: False),
                            ("?symbols=EURUSD&type=buy", lambda p: p["symbol"] == "EURUSD" and p["kind"] == "buy")):
            with self.subTest(query=query):
                body = self.get(self.hedging, "positions", query)
                want = [p for p in expected if keep(p)]
                self.assertEqual(sorted(p["ticket"] for p in body["positions"]), sorted(p["ticket"] for p in want))
                self.assertEqual(body["total_positions"], len(want))
                self.assertAlmostEqual(body["total_profit"], round(sum(p["total"] for p in want), 2), places=6)
        # EURUSD matches the netting broker's EURUSD.r by its canonical name.
        netting = self.get(self.netting, "positions", "?symbols=EURUSD")["positions"]
        self.assertEqual([p["symbol"] for p in netting], ["EURUSD.r"])
        self.assert_error(self.market(self.hedging, "positions", "?type=long", user=self.user),
                          400, "INVALID_INPUT", "type")

    def test_history_summary_matches_the_scenario_deals(self):
        for account_id, account in ((self.hedging, HEDGING), (self.netting, NETTING)):
            with self.subTest(login=account["login"]):
                body = self.get(account_id, "history", "?from_date=%s&to_date=%s" % (ALL_FROM, ALL_TO))
                trades = in_range(expected_trades(account), epoch(ALL_FROM), epoch(ALL_TO) + 86399)
                self.assertEqual(body["total_trades"], len(trades))
                self.assertEqual(body["period"], {"from": ALL_FROM + "T00:00:00Z", "to": ALL_TO + "T23:59:59Z"})
                for key, value in expected_summary(trades).items():
                    self.assertAlmostEqual(body["summary"][key], value, places=6, msg=key)
                closes = [t["close_time"] for t in body["trades"]]
                self.assertEqual(closes, sorted(closes, reverse=True), "newest first")
                self.assertEqual(sorted(closes), sorted(iso_utc(t["close_s"]) for t in trades))
        self.assertEqual(body["summary"]["net_profit"], 424.08)  # the netting account, by hand

    def test_a_trade_carries_story_3_5_fields(self):
        body = self.get(self.hedging, "history", "?from_date=%s&to_date=%s&symbol=USDJPY" % (ALL_FROM, ALL_TO))
        (trade,) = body["trades"]
        closing = next(d for d in HEDGING["deals"] if d["ticket"] == 90006)
        self.assertEqual([trade[k] for k in ("ticket", "symbol", "type", "volume", "close_price", "close_reason")],
                         [70004, "USDJPY", "sell", 0.5, 151.8, "tp"])
        self.assertEqual(trade["close_time"], iso_utc(seconds(closing) - OFFSETS[HEDGING["server"]]))
        self.assertEqual(trade["close_time_broker"], iso_utc(seconds(closing))[:-1] + "+02:00")
        self.assertAlmostEqual(trade["net_profit"], sum(trade[k] for k in ("profit", "swap", "commission", "fee")),
                               places=6)

    def test_history_dates_in_iso_8601_and_unix_seconds_select_the_same_trades(self):
        start, end = "2025-11-05T00:00:00Z", "2025-11-08T12:00:00Z"
        want = len(in_range(expected_trades(HEDGING), epoch(start), epoch(end)))
        self.assertGreater(want, 0)
        variants = ["from_date=%s&to_date=%s" % (start, end),
                    "from_date=%d&to_date=%d" % (epoch(start), epoch(end)),
                    "from_date=2025-11-05T02:00:00%%2B02:00&to_date=%d" % epoch(end),
                    "from_date=2025-11-05&to_date=2025-11-08T12:00:00.000Z"]
        for query in variants:
            with self.subTest(query=query):
                body = self.get(self.hedging, "history", "?" + query)
                self.assertEqual(body["total_trades"], want)
                self.assertEqual(body["period"], {"from": start, "to": end})

    def test_history_defaults_to_the_last_30_days_and_the_first_100_trades(self):
        body = self.get(self.hedging, "history")
        now = time.time()
        to = epoch(body["period"]["to"])
        self.assertLess(abs(to - now), 600)  # 5 min cache plus slack
        self.assertEqual(to - epoch(body["period"]["from"]), 30 * 86400)
        self.assertEqual(body["pagination"], {"limit": 100, "offset": 0, "has_more": False})
        self.assertEqual(body["total_trades"], len(in_range(expected_trades(HEDGING), to - 30 * 86400, to)))

    def test_history_filters_by_symbol_and_pages_with_has_more(self):
        base = "?from_date=%s&to_date=%s" % (ALL_FROM, ALL_TO)
        everything = self.get(self.hedging, "history", base)
        total = everything["total_trades"]
        self.assertGreaterEqual(total, 3)
        self.assertEqual(self.get(self.hedging, "history", base + "&symbol=EURUSD")["total_trades"],
                         sum(1 for t in expected_trades(HEDGING) if t["symbol"] == "EURUSD"))
        self.assertEqual(self.get(self.netting, "history", base + "&symbol=GBPUSD")["total_trades"], 2)
        pages = [(2, 0, True), (2, total - 2, False), (1, total - 1, False), (5, total, False), (1000, 0, False)]
        for limit, offset, has_more in pages:
            with self.subTest(limit=limit, offset=offset):
                body = self.get(self.hedging, "history", base + "&limit=%d&offset=%d" % (limit, offset))
                self.assertEqual(body["pagination"], {"limit": limit, "offset": offset, "has_more": has_more})
                self.assertEqual(body["trades"], everything["trades"][offset:offset + limit])
                self.assertEqual((body["total_trades"], body["summary"]), (total, everything["summary"]))

    def test_history_rejects_bad_dates_ranges_and_paging(self):
        cases = [("from_date=yesterday", "INVALID_DATE", "from_date"),
                 ("to_date=2025-02-30", "INVALID_DATE", "to_date"),
                 ("from_date=2025-13-01", "INVALID_DATE", "from_date"),
                 ("to_date=1763000000000", "INVALID_DATE", "to_date"),  # milliseconds, not seconds
                 ("from_date=", "INVALID_DATE", "from_date"),
                 ("from_date=2025-11-12T10:30:00%2B99:00", "INVALID_DATE", "from_date"),
                 ("from_date=2025-11-10&to_date=2025-11-01", "INVALID_DATE_RANGE", None),
                 ("from_date=0&to_date=1763000000", "INVALID_DATE_RANGE", None),
                 ("limit=0", "INVALID_INPUT", "limit"), ("limit=1001", "INVALID_INPUT", "limit"),
                 ("limit=ten", "INVALID_INPUT", "limit"), ("limit=99999999999999999999", "INVALID_INPUT", "limit"),
                 ("offset=-1", "INVALID_INPUT", "offset"), ("offset=1.5", "INVALID_INPUT", "offset")]
        for query, code, details in cases:
            with self.subTest(query=query):
                self.assert_error(self.market(self.hedging, "history", "?" + query, user=self.user), 400, code, details)


class CacheTest(ApiTestCase):
    def ages(self, account_id, user):
        history = "?from_date=%s&to_date=%s" % (ALL_FROM, ALL_TO)
        out = {}
        for what in MARKET_ROUTES:
            body = self.ok(self.market(account_id, what, history if what == "history" else "", user=user))
            out[what] = (body["cached"], body["cache_age_seconds"])
            self.assertNotIn("stale", body)
        return out

    def test_each_route_caches_for_its_own_ttl(self):
        user, account_id = self.fresh()
        started = time.monotonic()
        self.assertEqual(self.ages(account_id, user), {w: (False, 0) for w in MARKET_ROUTES})
        time.sleep(1.1)
        for what, (cached, age) in self.ages(account_id, user).items():
            self.assertTrue(cached and 1 <= age <= time.monotonic() - started, (what, cached, age))
        time.sleep(max(0.0, started + 5.3 - time.monotonic()))
        later = self.ages(account_id, user)
        self.assertEqual(later["positions"], (False, 0), "positions live 5 s")
        self.assertTrue(later["info"][0] and later["info"][1] >= 5, "info lives 30 s")
        self.assertTrue(later["history"][0] and later["history"][1] >= 5, "history lives 5 min")

    def test_filters_apply_to_the_cached_positions(self):
        user, account_id = self.fresh()
        self.ok(self.market(account_id, "positions", user=user))
        body = self.ok(self.market(account_id, "positions", "?type=buy", user=user))
        self.assertTrue(body["cached"])
        self.assertEqual({p["type"] for p in body["positions"]}, {"buy"})

    def test_deleting_an_account_drops_what_was_cached(self):
        user, account_id = self.fresh()
        self.ok(self.market(account_id, "info", user=user))
        self.assertTrue(self.ok(self.market(account_id, "info", user=user))["cached"])
        self.ok(self.call("DELETE", "/api/mt5/accounts/" + account_id, user=user))
        for what in MARKET_ROUTES:
            self.assert_error(self.market(account_id, what, user=user), 404, "ACCOUNT_NOT_FOUND")
        relinked = self.link(user)
        self.assertFalse(self.ok(self.market(relinked, "info", user=user))["cached"])


# ---- health and metrics ---------------------------------------------------------------------

def prometheus(text):
    """{(name, frozenset of label pairs): value} from Prometheus text."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$', line)
        assert match, "not Prometheus text: %r" % line
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
        out[(match.group(1), labels)] = float(match.group(3))
    return out


def series(metrics, name, **labels):
    """Sum of the series of `name` whose labels include `labels`."""
    want = set(labels.items())
    return sum(v for (n, l), v in metrics.items() if n == name and want <= l)


class HealthAndMetricsTest(ApiTestCase):
    def metrics(self):
        status, text, headers = self.host.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain"))
        return prometheus(text)

    def test_health_is_public_story_3_7(self):
        status, body, headers = self.host.request("GET", "/health")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["status"], "healthy")
        self.assertIs(body["mt5_initialized"], True)
        self.assertEqual(body["version"], "0.1.0")
        self.assertGreaterEqual(body["uptime_seconds"], 0)
        self.assertGreaterEqual(body["active_connections"], 0)
        self.assertEqual(body["total_accounts"], self.ok(self.call("GET", "/api/mt5/accounts"))["total"])
        self.assertEqual(set(body["resource_usage"]), {"cpu_percent", "memory_mb", "disk_gb_free"})
        self.assertGreater(body["resource_usage"]["memory_mb"], 0)
        self.assertIn("last_error", body)
        self.assertEqual([t["state"] for b in body["brokers"] for t in b["terminals"]], ["CONNECTED"])
        self.assertEqual(headers["cache-control"], "no-store")

    def test_livez_and_readyz(self):
        self.assertEqual(self.host.request("GET", "/livez")[:2], (200, {"status": "alive"}))
        self.assertEqual(self.host.request("GET", "/readyz")[:2],
                         (200, {"status": "ready", "checks": {"storage": "ok", "brokers": "ok"}}))

    def test_metrics_count_requests_and_durations_by_route_and_status(self):
        before = self.metrics()
        for _ in range(3):
            self.host.request("GET", "/livez")
        for _ in range(2):
            self.call("GET", "/api/mt5/accounts/" + new_user())
        after = self.metrics()
        delta = lambda name, **l: series(after, name, **l) - series(before, name, **l)
        self.assertEqual(delta("mt5bridge_http_requests_total", route="/livez", method="GET", status="200"), 3)
        self.assertEqual(delta("mt5bridge_http_requests_total", route="/api/mt5/accounts/{account_id}",
                               status="404"), 2)
        self.assertEqual(delta("mt5bridge_http_request_duration_seconds_count", route="/livez"), 3)
        buckets = sorted(((float(dict(l)["le"]), v) for (n, l), v in after.items()
                          if n == "mt5bridge_http_request_duration_seconds_bucket" and ("route", "/livez") in l))
        count = series(after, "mt5bridge_http_request_duration_seconds_count", route="/livez")
        self.assertEqual(buckets[-1], (float("inf"), count))
        self.assertEqual([v for _, v in buckets], sorted(v for _, v in buckets), "cumulative buckets")

    def test_metrics_show_cache_results_broker_calls_and_the_process(self):
        user, account_id = self.fresh()
        self.ok(self.market(account_id, "info", user=user))
        self.ok(self.market(account_id, "info", user=user))
        metrics = self.metrics()
        self.assertGreaterEqual(series(metrics, "mt5bridge_cache_requests_total", cache="info", result="miss"), 1)
        self.assertGreaterEqual(series(metrics, "mt5bridge_cache_requests_total", cache="info", result="hit"), 1)
        self.assertGreaterEqual(series(metrics, "mt5bridge_broker_fetch_seconds_count", what="info"), 1)
        self.assertEqual(series(metrics, "mt5bridge_terminal_state", state="CONNECTED"), 1)
        self.assertGreater(series(metrics, "process_resident_memory_bytes"), 0)

    def test_duration_histograms_are_labelled_by_status_too(self):
        # Regression (was a host bug): mt5bridge_http_request_duration_seconds carries only route (request_dispatcher.cpp,
        # finish()); issue 4 asks for duration histograms by route and status.
        self.host.request("GET", "/livez")
        labels = {dict(l).get("status") for (n, l), _ in self.metrics().items()
                  if n == "mt5bridge_http_request_duration_seconds_count"}
        self.assertIn("200", labels)


# ---- errors and authorization ---------------------------------------------------------------

class ErrorCodesTest(ApiTestCase):
    """Every error code the main host can produce, each with its status and the one shape."""

    def test_each_error_code_has_its_status(self):
        owner, account_id = self.fresh()
        stranger = new_user()
        link = link_body()
        info = "/api/mt5/account/%s/info" % account_id
        history = "/api/mt5/account/%s/history" % account_id
        cases = [
            ("INVALID_JSON", 400, lambda: self.call("POST", "/api/mt5/connect", "{oops")),
            ("UNKNOWN_FIELD", 400, lambda: self.call("POST", "/api/mt5/connect", dict(link, extra=1))),
            ("INVALID_TYPE", 400, lambda: self.call("POST", "/api/mt5/connect", dict(link, login="1"))),
            ("INVALID_INPUT", 400, lambda: self.call("POST", "/api/mt5/connect", dict(link, password="short"))),
            ("INVALID_UUID", 400, lambda: self.call("GET", "/api/mt5/accounts/123", user=owner)),
            ("INVALID_DATE", 400, lambda: self.call("GET", history + "?to_date=soon", user=owner)),
            ("INVALID_DATE_RANGE", 400,
             lambda: self.call("GET", history + "?from_date=2025-11-02&to_date=2025-11-01", user=owner)),
            ("UNKNOWN_SERVER", 400, lambda: self.call("POST", "/api/mt5/connect", dict(link, server="Nope-Server"))),
            ("API_KEY_REQUIRED", 401, lambda: self.call("GET", info, api_key=None)),
            ("AUTHENTICATION_FAILED", 401,
             lambda: self.call("GET", info, api_key="wrong-key-0123456789abcdef", user=owner)),
            ("INVALID_TOKEN", 401, lambda: self.call("GET", info, token=make_jwt(owner, exp_in=-3600))),
            ("FORBIDDEN", 403, lambda: self.call("GET", info, user=stranger)),
            ("ACCOUNT_NOT_FOUND", 404, lambda: self.call("GET", "/api/mt5/account/%s/info" % new_user(), user=owner)),
            ("NOT_FOUND", 404, lambda: self.call("GET", "/api/mt5/nothing-here")),
            ("METHOD_NOT_ALLOWED", 405, lambda: self.call("PUT", "/api/mt5/accounts", {})),
            ("ACCOUNT_ALREADY_LINKED", 409, lambda: self.call("POST", "/api/mt5/accounts", link, user=owner)),
            ("AUTH_FAILED", 422, lambda: self.call("POST", "/api/mt5/connect", dict(link, password="not-it-at-all"))),
            ("TIMEOUT", 504, lambda: self.call("POST", "/api/mt5/connect", link_body(TIMES_OUT))),
        ]
        for code, status, request in cases:
            with self.subTest(code=code):
                self.assert_error(request(), status, code)

    def test_a_2_mib_body_is_413_payload_too_large(self):
        body = b'{"login": "' + b"x" * (2 << 20) + b'"}'
        status, headers, raw = raw_exchange(self.host.port, post_connect(body))
        self.assertEqual(status, 413)
        answer = json.loads(raw)
        self.assertEqual((answer["error_code"], set(answer)), ("PAYLOAD_TOO_LARGE", set(ERROR_KEYS)))
        self.assertEqual(self.host.request("GET", "/livez")[0], 200)

    def test_a_405_names_the_allowed_methods(self):
        # Regression (was a host bug): 405 METHOD_NOT_ALLOWED has no Allow header (RFC 9110 15.5.6 requires one);
        # request_dispatcher.cpp knows them (router_.methods_at) but only uses them for preflights.
        status, _, headers = self.call("PUT", "/api/mt5/accounts", {})
        self.assertEqual(status, 405)
        self.assertEqual(headers.get("allow"), "GET, POST")


class AuthorizationMatrixTest(ApiTestCase):
    """Every route that names an account × every kind of caller."""

    ROUTES = [("GET", "/api/mt5/accounts/%s"), ("DELETE", "/api/mt5/accounts/%s"), ("GET", "/api/mt5/account/%s/info"),
              ("GET", "/api/mt5/account/%s/positions"), ("GET", "/api/mt5/account/%s/history"),
              ("POST", "/api/mt5/account/%s/sync")]

    @classmethod
    def setUpClass(cls):
        cls.owner = new_user()
        cls.account = link_account(MAIN, cls.owner)

    def callers(self):
        """name → (request keyword arguments, expected status, expected error code or None)."""
        owner = self.owner
        return {
            "another user": (dict(user=new_user()), 403, "FORBIDDEN"),
            "no credentials": (dict(api_key=None), 401, "API_KEY_REQUIRED"),
            "a user token without the API key": (dict(api_key=None, user=owner), 401, "API_KEY_REQUIRED"),
            "an invalid API key": (dict(api_key="invalid-key-0123456789abcdef", user=owner),
                                   401, "AUTHENTICATION_FAILED"),
            "an expired token": (dict(token=make_jwt(owner, exp_in=-3600)), 401, "INVALID_TOKEN"),
            "an alg none token": (dict(token=make_jwt(owner, alg="none")), 401, "INVALID_TOKEN"),
            "an anon role token": (dict(token=make_jwt(owner, role="anon")), 401, "INVALID_TOKEN"),
            "a token signed with another secret": (dict(token=make_jwt(owner, secret="x" * 40)), 401, "INVALID_TOKEN"),
        }

    def test_other_callers_are_refused_on_every_account_route(self):
        for method, template in self.ROUTES:
            for name, (kw, status, code) in self.callers().items():
                with self.subTest(route=(method, template), caller=name):
                    self.assert_error(self.call(method, template % self.account, **kw), status, code)
        self.ok(self.call("GET", "/api/mt5/accounts/" + self.account, user=self.owner))  # still there

    def test_the_owner_and_the_service_key_succeed_on_every_account_route(self):
        for method, template in self.ROUTES:
            for name, kw in (("owner", None), ("service key alone", {})):
                with self.subTest(route=(method, template), caller=name):
                    user, account_id = self.fresh()  # DELETE and sync change the account
                    status, body, _ = self.call(method, template % account_id, **({"user": user} if kw is None else kw))
                    self.assertIn(status, (200, 202), body)
                    self.assertIs(body["success"], True)

    def test_missing_and_malformed_account_ids(self):
        for method, template in self.ROUTES:
            with self.subTest(route=(method, template)):
                self.assert_error(self.call(method, template % new_user(), user=self.owner), 404, "ACCOUNT_NOT_FOUND")
                self.assert_error(self.call(method, template % "not-a-uuid", user=self.owner), 400, "INVALID_UUID")

    def test_routes_without_an_account_refuse_bad_credentials_too(self):
        for method, path, body in (("GET", "/api/mt5/accounts", None), ("POST", "/api/mt5/accounts", link_body())):
            for name, (kw, status, code) in self.callers().items():
                if name == "another user":
                    continue
                with self.subTest(route=(method, path), caller=name):
                    self.assert_error(self.call(method, path, body, **kw), status, code)

    def test_failed_authentication_is_logged_with_the_client_ip_but_never_the_credential(self):
        bad_key, bad_token = "leaked-key-%s" % uuid.uuid4().hex, make_jwt(self.owner, secret="y" * 40)
        request_id = "e2e-auth-log-" + uuid.uuid4().hex[:8]
        self.call("GET", "/api/mt5/accounts", api_key=bad_key, headers={"X-Request-ID": request_id})
        self.call("GET", "/api/mt5/accounts", token=bad_token)
        lines = [json.loads(l) for l in self.host.settled_logs().splitlines() if request_id in l]
        failure = next(l for l in lines if l["message"] == "authentication failed")
        self.assertEqual(failure["client_ip"], "127.0.0.1")
        self.assertRegex(failure["timestamp"], r"^\d{4}-\d\d-\d\dT")
        logs = self.host.logs()
        self.assertNotIn(bad_key, logs)
        self.assertNotIn(bad_token.split(".")[2], logs)
        self.assertNotIn(API_KEY, logs)


class JwtAttackTest(ApiTestCase):
    @classmethod
    def setUpClass(cls):
        cls.owner = new_user()
        cls.account = link_account(MAIN, cls.owner)

    def attempt(self, authorization):
        return self.call("GET", "/api/mt5/account/%s/info" % self.account, headers={"Authorization": authorization})

    def test_forged_and_broken_tokens_are_refused(self):
        owner, now = self.owner, int(time.time())
        valid = make_jwt(owner)
        head, payload, signature = valid.split(".")
        victim_claims = {"sub": owner, "role": "authenticated", "aud": "authenticated", "exp": now + 3600}
        victim_payload = b64url(json.dumps(victim_claims).encode())
        attacks = {
            "alg none": forge({"alg": "none", "typ": "JWT"}, {"sub": owner}, sign=None),
            "alg None with a signature": forge({"alg": "None"}, {"sub": owner}, signature=signature),
            "alg NONE": forge({"alg": "NONE"}, {"sub": owner}, sign=None),
            "HS512": forge({"alg": "HS512", "typ": "JWT"}, {"sub": owner}, sign="HS512"),
            "RS256 header signed with the secret": forge({"alg": "RS256", "typ": "JWT"}, {"sub": owner}),
            "hs256 in lower case": forge({"alg": "hs256"}, {"sub": owner}),
            "another secret": forge(payload={"sub": owner}, secret="a-different-secret-0123456789abcdef"),
            "payload swapped under another token's signature":
                head + "." + victim_payload + "." + make_jwt(new_user()).split(".")[2],
            "signature stripped": head + "." + payload + ".",
            "signature truncated": valid[:-4],
            "expired": forge(payload={"sub": owner, "exp": now - 3600}),
            "not valid yet": forge(payload={"sub": owner, "nbf": now + 3600}),
            "issued in the future": forge(payload={"sub": owner, "iat": now + 3600}),
            "no expiry": forge(payload={"sub": owner, "exp": None}),
            "expiry as text": forge(payload={"sub": owner, "exp": str(now + 3600)}),
            "another audience": forge(payload={"sub": owner, "aud": "another-app"}),
            "anon role": forge(payload={"sub": owner, "role": "anon"}),
            "service_role": forge(payload={"sub": owner, "role": "service_role"}),
            "no role": forge(payload={"sub": owner, "role": None}),
            "sub not a UUID": forge(payload={"sub": "admin"}),
            "no sub": forge(payload={"sub": None}),
            "typ not JWT": forge({"alg": "HS256", "typ": "at+jwt"}, {"sub": owner}),
            "crit header": forge({"alg": "HS256", "crit": ["exp"]}, {"sub": owner}),
            "two parts": head + "." + payload,
            "four parts": valid + ".extra",
            "not base64": "!!!." + payload + "." + signature,
            "payload not JSON": head + "." + b64url(b"not json") + "." + signature,
            "8 KiB of padding": forge(payload={"sub": owner, "pad": "x" * 9000}),
        }
        for name, token in attacks.items():
            with self.subTest(attack=name):
                answer = self.attempt("Bearer " + token)
                self.assert_error(answer, 401, "INVALID_TOKEN")
                self.assertNotIn(token, json.dumps(answer[1]))
        self.assert_error(self.attempt("Bearer "), 401, "INVALID_TOKEN")
        logs = self.host.logs()
        for name, token in attacks.items():
            self.assertNotIn(token, logs, name)

    def test_two_bearer_headers_are_refused(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.host.port, timeout=10)
        conn.putrequest("GET", "/api/mt5/account/%s/info" % self.account)
        conn.putheader("X-API-Key", API_KEY)
        conn.putheader("Authorization", "Bearer " + make_jwt(self.owner))
        conn.putheader("Authorization", "Bearer " + make_jwt(new_user()))
        conn.endheaders()
        response = conn.getresponse()
        body = json.loads(response.read())
        conn.close()
        self.assertEqual((response.status, body["error_code"]), (401, "INVALID_TOKEN"))

    def test_valid_tokens_in_their_accepted_spellings_pass(self):
        for name, authorization in (("plain", "Bearer " + make_jwt(self.owner)),
                                    ("lower-case scheme", "bearer " + make_jwt(self.owner)),
                                    ("upper-case sub", "Bearer " + make_jwt(self.owner.upper())),
                                    ("aud as a list",
                                     "Bearer " + forge(payload={"sub": self.owner, "aud": ["x", "authenticated"]}))):
            with self.subTest(token=name):
                self.ok(self.attempt(authorization))


class CorsAndRequestIdTest(ApiTestCase):
    ALLOWED, FOREIGN = "http://localhost:5173", "https://evil.example"

    def test_an_allowed_origin_gets_cors_headers_on_answers_and_errors(self):
        for path, kw in (("/health", {}), ("/api/mt5/accounts", {"api_key": None})):
            _, _, headers = self.call("GET", path, headers={"Origin": self.ALLOWED}, **kw)
            self.assertEqual(headers.get("access-control-allow-origin"), self.ALLOWED)
            self.assertIn("Origin", headers.get("vary", ""))
            self.assertIn("X-Request-ID", headers.get("access-control-expose-headers", ""))

    def test_a_preflight_is_204_with_the_allowed_methods(self):
        status, _, headers = self.host.request("OPTIONS", "/api/mt5/accounts", headers={
            "Origin": self.ALLOWED, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-api-key, authorization, content-type"})
        self.assertEqual(status, 204)
        self.assertEqual(set(headers["access-control-allow-methods"].split(", ")), {"OPTIONS", "GET", "POST"})
        self.assertEqual(headers["access-control-allow-origin"], self.ALLOWED)
        for needed in ("Authorization", "X-API-Key", "Content-Type"):
            self.assertIn(needed, headers["access-control-allow-headers"])
        status, _, headers = self.host.request("OPTIONS", "/api/mt5/account/%s/info" % new_user(),
                                               headers={"Origin": self.ALLOWED})
        self.assertEqual((status, headers["access-control-allow-methods"]), (204, "OPTIONS, GET"))
        self.assertEqual(self.host.request("OPTIONS", "/api/mt5/unknown", headers={"Origin": self.ALLOWED})[0], 404)

    def test_a_foreign_origin_gets_no_cors_headers(self):
        for method in ("GET", "OPTIONS"):
            _, _, headers = self.host.request(method, "/api/mt5/accounts",
                                              headers={"Origin": self.FOREIGN, "X-API-Key": API_KEY})
            self.assertEqual([h for h in headers if h.startswith("access-control-")], [], method)

    def test_request_ids_are_echoed_or_generated(self):
        _, body, headers = self.call("GET", "/api/mt5/nowhere", headers={"X-Request-ID": "client-trace_01:a.b"})
        self.assertEqual((headers["x-request-id"], body["request_id"]), ("client-trace_01:a.b", "client-trace_01:a.b"))
        for offered in (None, "has space", "x" * 129, "semi;colon"):
            with self.subTest(offered=offered):
                sent = {"X-Request-ID": offered} if offered else {}
                _, body, headers = self.call("GET", "/api/mt5/nowhere", headers=sent)
                self.assertRegex(headers["x-request-id"], r"^req_[0-9a-f]{24}$")
                self.assertEqual(body["request_id"], headers["x-request-id"])
        _, _, one = self.host.request("GET", "/livez")
        _, _, two = self.host.request("GET", "/livez")
        self.assertNotEqual(one["x-request-id"], two["x-request-id"])

    def test_the_request_id_is_on_the_hosts_log_lines_of_its_request(self):
        lines = log_lines_of(self, "POST", "/api/mt5/connect", dict(link_body(), password="nope-nope"))
        host_lines = [l for l in lines if l.get("kind") == "host"]
        self.assertGreaterEqual(len(host_lines), 2, "the broker refusal and the access line")
        self.assertEqual({l.get("request_id") for l in host_lines}, {lines[-1]["request_id"]})


def log_lines_of(case, method, path, body=None):
    """The log lines written while one request (with its own X-Request-ID) was served, its access
    line last. Tests run one at a time, so only background sync work could interleave."""
    request_id = "e2e-log-" + uuid.uuid4().hex
    before = len(case.host.settled_logs().splitlines())
    case.call(method, path, body, headers={"X-Request-ID": request_id})
    lines = [json.loads(l) for l in case.host.settled_logs().splitlines()[before:]]
    end = next(i for i, l in enumerate(lines) if l.get("request_id") == request_id and l["message"] == "request")
    return lines[:end + 1]


# ---- hostile input --------------------------------------------------------------------------

JUNK = [
    "", " ", "../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e/%2e%2e", "%00", "a%00b", "%ff%fe%fd", "%C3%28",
    "-1", "0", "1e309", "99999999999999999999", "NaN", "Infinity", "0x10", "1.5", "true", "null", "[]", "{}",
    "' OR 1=1 --", "\"; DROP TABLE trading_accounts; --", "%s%s%n%x", "${jndi:ldap://x/a}", "{{7*7}}",
    "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "123e4567-e89b-42d3-a456-42661417400g",
    "123e4567e89b42d3a456426614174000", "2025-11-12", "2025-11-12T10:30:00Z", "1763000000", "buy", "sell", "EURUSD",
]
UNICODE = ["é", "💥", "\u202e", "ﷺ", "\u0000", "\ufeff", "Ω≈ç√", "𝕏", "\ud7ff"]


class FuzzTest(ApiTestCase):
    """~200 random and malformed inputs per route: never a 5xx, always the one error shape."""

    INPUTS_PER_ROUTE = 200

    @classmethod
    def setUpClass(cls):
        cls.user = new_user()
        cls.account = link_account(MAIN, cls.user)
        cls.rng = random.Random(4)

    def text(self, real_ids=True):
        rng = self.rng
        kind = rng.randrange(6)
        if kind == 0:
            return rng.choice(JUNK)
        if kind == 1:
            return "".join(rng.choice(UNICODE) for _ in range(rng.randrange(1, 6)))
        if kind == 2:
            return "A" * rng.choice((300, 5000, 20000))
        if kind == 3:
            return "".join(chr(rng.randrange(32, 127)) for _ in range(rng.randrange(0, 40)))
        if kind == 4:
            return str(rng.choice((-(2 ** 63), 2 ** 63, 2 ** 64, -1, 0, 10 ** 30, rng.randrange(-10 ** 12, 10 ** 12))))
        return self.account.upper() if real_ids and rng.random() < 0.5 else str(uuid.uuid4())

    def escaped(self, text):
        """Percent-encodes what a request line cannot carry; keeps % escapes, sometimes '/' too."""
        return urllib.parse.quote(text, safe="%:@!$'()*+,;=-._~" + ("/" if self.rng.random() < 0.3 else ""))

    def json_value(self, depth=0):
        rng = self.rng
        kind = rng.randrange(9 if depth < 4 else 6)
        return [self.text, lambda: rng.randrange(-2 ** 70, 2 ** 70),
                lambda: rng.random() * 10 ** rng.randrange(-300, 300), lambda: None, lambda: rng.random() < 0.5,
                lambda: "".join(rng.choice(UNICODE) for _ in range(3)),
                lambda: [self.json_value(depth + 1) for _ in range(rng.randrange(4))],
                lambda: {self.text()[:20]: self.json_value(depth + 1) for _ in range(rng.randrange(4))},
                lambda: self.json_value(depth + 1)][kind]()

    def body(self, template):
        rng = self.rng
        base = {"sync_type": "full", "sync_history": True, "history_days": 3} if "sync" in template else {
            "login": HEDGING["login"], "password": "fuzz-password", "server": HEDGING["server"], "broker_name": "B",
            "user_id": self.user}
        kind = rng.randrange(6)
        if kind == 0:
            return rng.randbytes(rng.randrange(1, 400))
        if kind == 1:
            return json.dumps(self.json_value()).encode()
        if kind == 2:  # a plausible body with some fields swapped for anything
            mutated = {k: (self.json_value() if rng.random() < 0.4 else v)
                       for k, v in base.items() if rng.random() < 0.8}
            return json.dumps(mutated).encode()
        if kind == 3:
            return json.dumps(base).encode()[:rng.randrange(1, 60)]
        if kind == 4:
            return rng.choice([b'{"login": 1e99999}', b'{"login": 123456789012345678901234567890}',
                               b'{"login": -0}', b'{"login": 1, "login": "2"}', b'{"password": "\\ud800"}',
                               b'\xef\xbb\xbf{}', b'{"a":' * 40,
                               b'{"login": 5001234, "password": "' + "é".encode() * 100 + b'"}', b"\x00" * 10])
        return b""

    def query(self):
        rng = self.rng
        names = ["from_date", "to_date", "symbol", "symbols", "type", "limit", "offset", "user_id", self.text()[:30]]
        parts = ["%s=%s" % (self.escaped(rng.choice(names)), self.escaped(self.text()))
                 for _ in range(rng.randrange(1, 5))]
        if rng.random() < 0.1:
            parts.append("q=" + "x" * rng.choice((10000, 70000)))
        if rng.random() < 0.1:
            parts.append(rng.choice(["&&&", "=", "==", "a", "%", "%zz"]))
        return "?" + "&".join(parts)

    def headers(self):
        rng = self.rng
        kind = rng.randrange(10)
        h = self.host.auth(user=self.user) if kind < 6 else self.host.auth() if kind < 8 else {}
        if kind == 8:
            ascii_text = lambda size: self.text()[:size].encode("ascii", "replace").decode()
            h = {"X-API-Key": ascii_text(200), "Authorization": "Bearer " + ascii_text(300)}
        if rng.random() < 0.3:
            h["X-Request-ID"] = "".join(chr(rng.randrange(33, 127)) for _ in range(rng.randrange(0, 200)))
        if rng.random() < 0.3:
            h["Content-Type"] = rng.choice(["text/plain", "application/json; charset=latin1", "multipart/form-data",
                                            "x"])
        return h

    def request_for(self, method, template):
        rng = self.rng
        path = template
        for name in re.findall(r"\{\w+\}", template):
            # DELETE never sees the fuzz account's id: the other routes need it to get past 404.
            keep = method != "DELETE"
            real = self.account if name == "{account_id}" and keep and rng.random() < 0.4 else None
            path = path.replace(name, real or self.escaped(self.text(real_ids=keep)) or "x")
        query = self.query() if rng.random() < 0.6 else ""
        body = self.body(template) if method == "POST" or rng.random() < 0.1 else None
        return method, path + query, body, self.headers()

    def check(self, method, path, body, headers, failures):
        try:
            status, raw, response_headers = self.exchange(method, path, body, headers)
        except (OSError, http.client.HTTPException) as e:
            failures.append("%s %s: no answer (%s)" % (method, path[:120], e))
            return
        payload = decode(raw)
        problem = None
        if status >= 500:
            problem = "status %d" % status
        elif status >= 400 and not (isinstance(payload, dict) and set(ERROR_KEYS) <= set(payload)
                                    and payload["success"] is False):
            problem = "not the error shape"
        elif status < 300 and path.startswith("/api/") and payload.get("success") is not True:
            problem = "a success without success: true"
        if problem:
            failures.append("%s %s body=%r → %s: %s %r" % (method, path[:120], (body or b"")[:80], status, problem,
                                                           raw[:200]))

    def exchange(self, method, path, body, headers):
        conn = http.client.HTTPConnection("127.0.0.1", self.host.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read(), {k.lower(): v for k, v in response.getheaders()}
        finally:
            conn.close()

    def test_no_input_makes_any_route_answer_5xx(self):
        routes = sorted(host_route_table())
        self.assertGreaterEqual(len(routes), 13)
        failures = []
        for method, template in routes:
            for _ in range(self.INPUTS_PER_ROUTE):
                self.check(*self.request_for(method, template), failures)
        total = len(routes) * self.INPUTS_PER_ROUTE
        self.assertEqual(failures[:15], [], "%d of %d fuzzed requests misbehaved" % (len(failures), total))
        self.assertEqual(self.host.request("GET", "/livez")[0], 200)
        self.assertIsNone(self.host.proc.poll())

    def test_malformed_http_is_refused_without_5xx(self):
        key = API_KEY.encode()
        post = b"POST /api/mt5/connect HTTP/1.1\r\nHost: x\r\nX-API-Key: " + key
        cases = [
            (b"GARBAGE\r\n\r\n", {400}),
            (b"GET health HTTP/1.1\r\nHost: x\r\n\r\n", {400}),
            (b"GET /health HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n", {400}),
            (b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n", {431}),
            (b"GET /health?" + b"q" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", {431, 414}),
            (post + b"\r\nContent-Length: -1\r\n\r\n", {400}),
            (post + b"\r\nContent-Length: abc\r\n\r\n", {400}),
            (b"POST /api/mt5/connect HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", {400}),
            (post + b"\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", {400}),
            (b"GET /health\x01 HTTP/1.1\r\nHost: x\r\n\r\n", {400}),
            (b"GET /health HTTP/1.1\r\nHost: x\r\nX-Request-ID: a\x00b\r\n\r\n", {200, 400}),
            (b"GET /api/mt5/accounts/%ZZ HTTP/1.1\r\nHost: x\r\nX-API-Key: " + key + b"\r\n\r\n", {400}),
            (b"GET /api/mt5/accounts/" + b"9" * 40000 + b" HTTP/1.1\r\nHost: x\r\nX-API-Key: " + key + b"\r\n\r\n",
             {400}),
            (post + b"\r\nContent-Length: 100\r\n\r\n{", {None}),  # the body never completes
            # Protocol features the transport does not offer are answered as HTTP says (5xx by design).
            (b"GET /health HTTP/9.9\r\nHost: x\r\n\r\n", {505, 400}),
            (b"POST /api/mt5/connect HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", {501, 400}),
        ]
        for raw, allowed in cases:
            with self.subTest(request=raw[:60]):
                status, headers, body = raw_exchange(self.host.port, raw, timeout_s=3)
                self.assertIn(status, allowed, body[:200])
                if status is not None and status != 200:
                    self.assertEqual(json.loads(body)["success"], False)
        self.assertEqual(self.host.request("GET", "/livez")[0], 200)


# ---- hosts of their own ---------------------------------------------------------------------

EXTRA_KEYS = ["e2e-rate-key-%d-0123456789abcdef0123" % i for i in range(2, 7)]
TIGHT_LIMITS = """\
  service_key_acts_on_any_account: false
  rate_limits:
    per_key_per_min: 5
    connect_per_min: 2
    health_per_ip_per_min: 3
"""
REFILLING_LIMITS = """\
  service_key_acts_on_any_account: true
  rate_limits:
    per_key_per_min: 60
"""


class OwnHostTestCase(ApiTestCase):
    """A test class with its own host, started from `config` (API block) and `scenario`."""
    config, scenario, extra_keys = UNLIMITED, None, ()
    host = property(lambda self: type(self).own_host)

    @classmethod
    def setUpClass(cls):
        config = config_text(cls.config, BROKER_SERVERS, cls.extra_keys)
        cls.own_host = Host(scenario=cls.scenario, config_text=config).start()

    @classmethod
    def tearDownClass(cls):
        cls.own_host.stop()


class StrictHostTest(OwnHostTestCase):
    """Story 7.4 with tight limits (5/min per key, 2/min connect, 3/min health per IP), and a
    service key that may not act alone on users' accounts. Each test uses its own API key."""
    config, extra_keys = TIGHT_LIMITS, EXTRA_KEYS

    def assert_limited(self, answer, longest_wait_s):
        status, body, headers = answer
        self.assertEqual(status, 429, body)
        self.assert_error_shape(body, headers)
        retry_after = int(headers["retry-after"])
        self.assertTrue(1 <= retry_after <= longest_wait_s, retry_after)
        self.assertEqual((body["error_code"], body["error"], body["retry_after"]),
                         ("RATE_LIMITED", "Rate limit exceeded", retry_after))
        self.assertEqual(headers["ratelimit-remaining"], "0")

    def test_the_sixth_request_in_a_minute_is_refused(self):
        user, key = new_user(), EXTRA_KEYS[0]
        for remaining in (4, 3, 2, 1, 0):
            status, body, headers = self.call("GET", "/api/mt5/accounts", user=user, api_key=key)
            self.assertEqual(status, 200, body)
            self.assertEqual((headers["ratelimit-limit"], headers["ratelimit-remaining"]), ("5", str(remaining)))
            self.assertTrue(0 < int(headers["ratelimit-reset"]) <= 60)
        self.assert_limited(self.call("GET", "/api/mt5/accounts", user=user, api_key=key), 12)
        other_key = self.call("GET", "/api/mt5/accounts", user=user, api_key=EXTRA_KEYS[1])
        self.assertEqual(other_key[0], 200, "keys have their own buckets")

    def test_connect_has_a_tighter_bucket_of_its_own(self):
        key = EXTRA_KEYS[2]
        for _ in range(2):
            status, _, headers = self.call("POST", "/api/mt5/connect", "{", api_key=key)
            self.assertEqual((status, headers["ratelimit-limit"]), (400, "2"))
        self.assert_limited(self.call("POST", "/api/mt5/connect", "{", api_key=key), 30)
        self.assertEqual(self.call("GET", "/api/mt5/accounts", user=new_user(), api_key=key)[0], 200)

    def test_health_is_limited_per_client_ip(self):
        for remaining in (2, 1, 0):
            status, _, headers = self.host.request("GET", "/health")
            self.assertEqual((status, headers["ratelimit-limit"], headers["ratelimit-remaining"]),
                             (200, "3", str(remaining)))
        self.assert_limited(self.host.request("GET", "/health"), 20)
        self.assert_limited(self.host.request("GET", "/health", headers={"X-API-Key": API_KEY}), 20)
        self.assertEqual(self.host.request("GET", "/livez")[0], 200)
        metrics = prometheus(self.host.request("GET", "/metrics")[1])
        self.assertEqual(series(metrics, "mt5bridge_rate_limited_total", route="/health"), 2)

    def test_user_routes_need_a_user_token_when_the_config_says_so(self):
        key, user = EXTRA_KEYS[3], new_user()
        self.assert_error(self.call("GET", "/api/mt5/accounts", api_key=key), 401, "USER_TOKEN_REQUIRED")
        self.assert_error(self.call("POST", "/api/mt5/accounts", link_body(user_id=user), api_key=key),
                          401, "USER_TOKEN_REQUIRED")
        self.assertEqual(self.call("GET", "/api/mt5/accounts", user=user, api_key=key)[0], 200)

    def test_privacy_routes_take_the_service_key_alone_as_documented(self):
        # Issue 15: docs/api.md, /openapi.json and the README say the service key may erase or
        # export any user's data (story 7.3: the backend acts on a user's request); with
        # api.service_key_acts_on_any_account false they answered 401 USER_TOKEN_REQUIRED.
        # That switch governs account routes only. A user token still limits the call to
        # that user.
        user, other = new_user(), new_user()
        self.link(user)
        status, body, _ = self.call("GET", "/api/mt5/users/%s/export" % user, api_key=EXTRA_KEYS[4])
        self.assertEqual(status, 200, body)
        self.assertEqual(len(body["accounts"]), 1)
        self.assert_error(self.call("GET", "/api/mt5/users/%s/export" % user, user=other, api_key=EXTRA_KEYS[4]),
                          403, "FORBIDDEN")
        self.assert_error(self.call("DELETE", "/api/mt5/users/%s/data" % user, user=other, api_key=EXTRA_KEYS[4]),
                          403, "FORBIDDEN")
        status, body, _ = self.call("DELETE", "/api/mt5/users/%s/data" % user, api_key=EXTRA_KEYS[4])
        self.assertEqual((status, body["accounts_deleted"]), (200, 1), body)
        # Account routes still need the user's token under this config.
        self.assert_error(self.call("GET", "/api/mt5/accounts", api_key=EXTRA_KEYS[4]), 401, "USER_TOKEN_REQUIRED")


class RateLimitRefillTest(OwnHostTestCase):
    config = REFILLING_LIMITS

    def test_a_refused_client_passes_again_after_retry_after(self):
        allowed, started = 0, time.monotonic()
        for _ in range(80):
            status, body, headers = self.call("GET", "/api/mt5/accounts")
            if status == 429:
                break
            self.assertEqual(status, 200, body)
            allowed += 1
        # 60 at once, plus the one token a second that comes back during the burst.
        self.assertTrue(60 <= allowed <= 61 + time.monotonic() - started, allowed)
        self.assertEqual((headers["retry-after"], body["retry_after"]), ("1", 1))
        time.sleep(int(headers["retry-after"]) + 0.05)
        status, _, headers = self.call("GET", "/api/mt5/accounts")
        # Retry-After rounds up to whole seconds, so up to two tokens may have come back.
        self.assertEqual(status, 200)
        self.assertIn(headers["ratelimit-remaining"], ("0", "1"))


def faulty_scenario():
    """The demo scenario plus an account whose logins take 400 ms and one whose terminal is down."""
    scenario = copy.deepcopy(SCENARIO)
    base = {"server": HEDGING["server"], "account_info": {"balance": 1000.0, "equity": 1000.0, "margin_free": 1000.0,
                                                          "currency": "USD", "leverage": 100}}
    scenario["accounts"] += [dict(base, login=6100001, password="slow-pass-01", knobs={"login_latency_ms": 400}),
                             dict(base, login=6100002, password="down-pass-01", knobs={"fail": "disconnect"})]
    path = os.path.join(tempfile.mkdtemp(prefix="mt5bridge-e2e-scenario-"), "faulty.json")
    with open(path, "w") as f:
        json.dump(scenario, f)
    return path


class BrokerFaultsTest(OwnHostTestCase):
    SLOW = {"login": 6100001, "password": "slow-pass-01", "server": HEDGING["server"]}

    @classmethod
    def setUpClass(cls):
        cls.scenario = faulty_scenario()
        super().setUpClass()

    def test_concurrent_misses_make_one_broker_call(self):
        user = new_user()
        account_id = self.link(user, self.SLOW)
        before = prometheus(self.host.request("GET", "/metrics")[1])
        barrier, answers = threading.Barrier(6), []

        def read_info():
            barrier.wait()
            answers.append(self.market(account_id, "info", user=user))

        threads = [threading.Thread(target=read_info) for _ in range(6)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        self.assertEqual([a[0] for a in answers], [200] * 6)
        self.assertEqual(sorted(a[1]["cached"] for a in answers), [False] + [True] * 5)
        after = prometheus(self.host.request("GET", "/metrics")[1])
        delta = lambda name, **l: series(after, name, **l) - series(before, name, **l)
        self.assertEqual(delta("mt5bridge_broker_fetch_seconds_count", what="info"), 1)
        self.assertEqual(delta("mt5bridge_cache_requests_total", cache="info", result="miss"), 1)
        self.assertLess(elapsed, 6 * 0.4, "the waiters did not log in one after another")

    def test_a_terminal_that_is_down_is_503_server_unreachable(self):
        self.assert_error(self.call("POST", "/api/mt5/connect", {"login": 6100002, "password": "down-pass-01",
                                                                 "server": HEDGING["server"], "broker_name": "B"}),
                          503, "SERVER_UNREACHABLE")


class LostEncryptionKeyTest(ApiTestCase):
    def test_credentials_sealed_with_another_key_are_503_credentials_unreadable(self):
        first = Host(config_text=config_text(UNLIMITED)).start()
        user = new_user()
        try:
            account_id = link_account(first, user)
        finally:
            first.stop()
        other_key = base64.b64encode(b"another-encryption-key-32-bytes!").decode()
        second = Host(config_text=config_text(UNLIMITED),
                      extra_env={"MT5BRIDGE_DB": first.db_path, "ENCRYPTION_KEY": other_key}).start()
        try:
            answer = second.request("GET", "/api/mt5/account/%s/info" % account_id, headers=second.auth(user))
            self.assert_error(answer, 503, "CREDENTIALS_UNREADABLE")
            self.assertNotIn(other_key, json.dumps(answer[1]))
            stored = second.request("GET", "/api/mt5/accounts/" + account_id, headers=second.auth(user))
            self.assertEqual(stored[0], 200, "the account itself is still readable")
        finally:
            second.stop()


# ---- host bugs (expected failures until the lead fixes them) ----------------------------------

class HostBugsTest(ApiTestCase):
    def test_a_deeply_nested_body_is_refused_without_crashing_the_host(self):
        # Regression (was a host bug): JsonBody (host/api/json_body.cpp) parses recursively, so an authenticated
        # POST /api/mt5/connect whose 500 KB body is '[' * 500000 overflows the worker's stack and
        # the host dies with SIGSEGV. Parse with rapidjson::kParseIterativeFlag and cap the depth.
        host = Host(config_text=config_text(UNLIMITED)).start()
        try:
            status, _, answer = raw_exchange(host.port, post_connect(b"[" * 500000))
            self.assertEqual((status, json.loads(answer)["error_code"] if status else None), (400, "INVALID_JSON"))
            time.sleep(0.2)
            self.assertIsNone(host.proc.poll(), "the host died")
        finally:
            host.stop()

    def test_error_bodies_are_valid_utf8_whatever_the_request_carries(self):
        # Regression (was a host bug): error details echo request bytes unchecked. GET /api/mt5/accounts/%FF%FE answers
        # INVALID_UUID with "details":"\xff\xfe", and a body {"\xff": 1} answers UNKNOWN_FIELD naming
        # the raw bytes: the JSON is not valid UTF-8 (RFC 8259 8.1), so clients fail to parse it.
        answers = [self.call("GET", "/api/mt5/accounts/%FF%FE"),
                   self.call("POST", "/api/mt5/connect", b'{"\xff": 1}')]
        for status, body, _ in answers:
            self.assertEqual(status, 400)
            self.assertIsInstance(body, dict, "the body is not valid UTF-8 JSON: %r" % body)

    def test_plugin_log_lines_of_a_request_carry_its_request_id(self):
        # Regression (was a host bug): what a plugin logs while serving a request (e.g. broker-mock's "opened a session
        # for account 5001234 ..." during POST /api/mt5/connect) has no request_id, though issue 4
        # wants the id on every log line of the request. The host's log callback for plugins
        # (runtime/plugin_instance.cpp) could add the id of the request its thread is serving.
        lines = log_lines_of(self, "POST", "/api/mt5/connect", link_body())
        plugin_lines = [l for l in lines if l.get("kind") == "broker"]
        self.assertTrue(plugin_lines, "broker-mock logged nothing for the request")
        self.assertEqual({l.get("request_id") for l in plugin_lines}, {lines[-1]["request_id"]})

    def test_client_chosen_methods_do_not_create_metric_series(self):
        # Regression (was a host bug): mt5bridge_http_requests_total labels method with whatever token the client
        # sent (request_dispatcher.cpp, finish()), so e.g. 'FUZZ0 /livez', 'FUZZ1 /livez', ...
        # each add a series for ever: unbounded memory and scrape size. Fold unknown methods into
        # one label value (e.g. "other").
        for i in range(20):
            self.assertEqual(self.host.request("FUZZ%d" % i, "/livez")[0], 405)
        self.assertNotIn("FUZZ", self.host.request("GET", "/metrics")[1])


if __name__ == "__main__":
    unittest.main()
