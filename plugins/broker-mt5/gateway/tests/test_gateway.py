"""The MT5 gateway, as a real process over loopback TLS with the fake terminal, holds to
docs/mt5-gateway-protocol.md.

Run from this folder: python3 -m unittest -v test_gateway   (needs the openssl CLI)
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from gateway_harness import (DEMO, FAKE_MODULE, GATEWAY, Client, GatewayProcess,
                             make_certificate, make_token_file, write_scenario)

ALICE = {"login": 5001234, "password": "investor-pass-1", "server": "MetaQuotes-Demo"}
BOB = {"login": 7712045, "password": "Netting#2025", "server": "Bluewater-Live2"}
CAROL = {"login": 5009876, "password": "timeout-pass-3", "server": "MetaQuotes-Demo"}
MAX_LINE_BYTES = 16 * 1024 * 1024
FOLDER = CERT = KEY = TOKEN = TOKEN_FILE = None


def setUpModule():
    global FOLDER, CERT, KEY, TOKEN, TOKEN_FILE
    FOLDER = tempfile.mkdtemp(prefix="mt5-gateway-test-")
    CERT, KEY = make_certificate(FOLDER)
    TOKEN, TOKEN_FILE = make_token_file(FOLDER)


def tearDownModule():
    shutil.rmtree(FOLDER, ignore_errors=True)


def start(scenario=DEMO, env=None, args=(), tls=True, token_file=True, name="gateway"):
    return GatewayProcess(FOLDER, CERT, KEY, TOKEN_FILE if token_file else None,
                          scenario=scenario, env=env, args=args, tls=tls, name=name)


def hello(client, token=None):
    return client.request("hello", {"token": token or TOKEN, "client": "test_gateway"})


def tickets(records):
    return [record["ticket"] for record in records]


class GatewayWithDemoScenario(unittest.TestCase):
    """One gateway replaying config/scenarios/demo.json; each test logs in afresh."""

    @classmethod
    def setUpClass(cls):
        cls.gateway = start()

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()

    def connect(self):
        client = self.gateway.connect(CERT)
        self.addCleanup(client.close)
        return client

    def logged_in(self, account=ALICE):
        client = self.connect()
        self.assertIn("result", hello(client))
        self.assertIs(client.result("initialize"), True)
        self.assertIs(client.result("login", account), True)
        return client

    # --- hello and authentication ---------------------------------------------------------

    def test_hello_with_the_right_token_reports_the_protocol_and_versions(self):
        answer = hello(self.connect())
        self.assertEqual(answer["id"], 1)
        self.assertEqual(answer["result"]["protocol"], 1)
        self.assertEqual(answer["result"]["mt5_package_version"], "5.0.45")
        self.assertIsInstance(answer["result"]["gateway_version"], str)

    def test_hello_with_a_wrong_token_is_refused_and_the_connection_closed(self):
        client = self.connect()
        answer = hello(client, token="x" * len(TOKEN))
        self.assertEqual(answer["error"]["kind"], "auth")
        self.assertTrue(client.closed())

    def test_hello_without_a_token_is_refused(self):
        client = self.connect()
        self.assertEqual(client.error("hello", {"client": "t"})["kind"], "auth")
        self.assertTrue(client.closed())

    def test_a_request_before_hello_is_refused_and_the_connection_closed(self):
        client = self.connect()
        self.assertEqual(client.error("ping")["kind"], "auth")
        self.assertTrue(client.closed())

    def test_hello_asking_for_another_protocol_version_is_refused(self):
        client = self.connect()
        error = client.error("hello", {"token": TOKEN, "protocol": 2})
        self.assertEqual(error["kind"], "protocol")
        self.assertIn("protocol 1", error["message"])

    # --- every method against demo.json ----------------------------------------------------

    def test_account_info_is_the_scenarios_account_in_mt5_field_order(self):
        info = self.logged_in().result("account_info")
        self.assertEqual(list(info)[:3], ["login", "trade_mode", "leverage"])
        self.assertEqual((info["login"], info["balance"], info["equity"], info["currency"]),
                         (5001234, 9994.52, 10078.67, "USD"))
        self.assertIs(info["trade_allowed"], True)  # a boolean, as the real package gives

    def test_positions_get_returns_open_positions_and_filters(self):
        client = self.logged_in()
        self.assertEqual(tickets(client.result("positions_get")), [70010, 70011])
        self.assertEqual(tickets(client.result("positions_get", {"symbol": "XAUUSD"})),
                         [70011])
        self.assertEqual(tickets(client.result("positions_get", {"ticket": 70010})), [70010])
        self.assertEqual(tickets(client.result("positions_get", {"group": "EUR*"})), [70010])
        self.assertEqual(client.result("positions_get", {"symbol": "GBPUSD"}), [])

    def test_history_deals_by_range_include_both_edges(self):
        deals = self.logged_in().result(
            "history_deals_get", {"date_from": 1762160400, "date_to": 1762164923})
        self.assertEqual(tickets(deals), [90001, 90002])
        self.assertEqual(deals[1]["commission"], -3.5)
        self.assertEqual(list(deals[0])[:4], ["ticket", "order", "time", "time_msc"])

    def test_history_deals_by_position_and_by_order_ticket(self):
        client = self.logged_in()
        self.assertEqual(tickets(client.result("history_deals_get", {"position": 70001})),
                         [90002, 90003, 90004])
        self.assertEqual(tickets(client.result("history_deals_get", {"ticket": 70002})),
                         [90003])

    def test_history_orders_by_setup_time_position_and_ticket(self):
        client = self.logged_in()
        orders = client.result("history_orders_get",
                               {"date_from": 1762331410, "date_to": 1762434764})
        self.assertEqual(tickets(orders), [70004, 70003, 70005])
        self.assertEqual(tickets(client.result("history_orders_get", {"position": 70006})),
                         [70006, 70007])
        self.assertEqual(tickets(client.result("history_orders_get", {"ticket": 70008})),
                         [70008])

    def test_symbol_info_and_unknown_symbols(self):
        client = self.logged_in()
        eurusd = client.result("symbol_info", {"symbol": "EURUSD"})
        self.assertEqual((eurusd["digits"], eurusd["point"], eurusd["trade_calc_mode"]),
                         (5, 0.00001, 0))
        self.assertEqual(client.result("symbol_info", {"symbol": "US30"})["trade_calc_mode"], 3)
        error = client.error("symbol_info", {"symbol": "EURUSD.r"})
        self.assertEqual((error["kind"], error["code"]), ("mt5", -4))
        self.assertEqual(client.error("symbol_info_tick", {"symbol": "EURUSD.r"})["code"], -4)
        self.assertEqual(client.result("last_error")[0], -4)

    def test_symbol_info_tick_is_live_on_the_broker_clock(self):
        tick = self.logged_in().result("symbol_info_tick", {"symbol": "EURUSD"})
        self.assertEqual((tick["bid"], tick["ask"]), (1.15682, 1.1569))
        self.assertAlmostEqual(tick["time"] - time.time(), 7200, delta=5)

    def test_netting_account_on_a_utc_plus_3_server(self):
        client = self.logged_in(BOB)
        deals = client.result("history_deals_get", {"position": 8800101})
        self.assertEqual([d["entry"] for d in deals], [0, 2, 1])
        tick = client.result("symbol_info_tick", {"symbol": "GBPUSD.r"})
        self.assertAlmostEqual(tick["time"] - time.time(), 10800, delta=5)

    def test_terminal_info_version_last_error_and_ping(self):
        client = self.logged_in()
        info = client.result("terminal_info")
        self.assertIs(info["connected"], True)
        self.assertEqual(info["name"], "MetaTrader 5 (fake)")
        version = client.result("version")
        self.assertEqual(len(version), 3)
        self.assertEqual(client.result("last_error"), [1, "Success"])
        self.assertEqual(client.result("ping"), {
            "pong": True, "initialized": True, "login": 5001234, "server": "MetaQuotes-Demo",
            "account_known": True, "busy": False})

    def test_shutdown_detaches_from_the_terminal(self):
        client = self.logged_in()
        self.assertIs(client.result("shutdown"), True)
        self.assertEqual(client.result("ping")["initialized"], False)
        self.assertEqual(client.error("account_info")["code"], -10004)

    # --- MT5 failures ----------------------------------------------------------------------

    def test_a_wrong_password_is_mt5_error_minus_6(self):
        client = self.logged_in()
        error = client.error("login", dict(ALICE, password="not-the-password"))
        self.assertEqual((error["kind"], error["code"]), ("mt5", -6))
        self.assertIsNone(client.result("ping")["login"])

    def test_an_unknown_account_is_refused_like_a_wrong_password(self):
        client = self.logged_in()
        self.assertEqual(client.error("login", dict(ALICE, login=5001235))["code"], -6)

    def test_a_login_the_scenario_times_out_is_mt5_error_minus_10005(self):
        client = self.logged_in()
        self.assertEqual(client.error("login", CAROL, deadline_ms=5000)["code"], -10005)

    def test_initialize_with_credentials_logs_in(self):
        client = self.connect()
        hello(client)
        self.assertIs(client.result("initialize", BOB), True)
        self.assertEqual(client.result("account_info")["login"], BOB["login"])

    # --- protocol errors -------------------------------------------------------------------

    def test_an_unknown_method_is_a_protocol_error_and_the_connection_stays_open(self):
        client = self.logged_in()
        error = client.error("orders_send")
        self.assertEqual(error["kind"], "protocol")
        self.assertIn("positions_get", error["message"])
        self.assertIs(client.result("ping")["pong"], True)

    def test_bad_params_are_protocol_errors(self):
        client = self.logged_in()
        for method, params in [
                ("positions_get", {"symbol": "EURUSD", "ticket": 70010}),
                ("positions_get", {"bogus": 1}),
                ("history_deals_get", {}),
                ("history_deals_get", {"date_from": 1}),
                ("history_deals_get", {"date_from": 1, "date_to": 2, "position": 3}),
                ("history_orders_get", {"date_from": "1", "date_to": 2}),
                ("login", {"login": 5001234, "server": "MetaQuotes-Demo"}),
                ("login", {"login": True, "password": "p", "server": "s"}),
                ("symbol_info", {"symbol": 5}),
                ("symbol_info", None)]:
            with self.subTest(method=method, params=params):
                self.assertEqual(client.error(method, params)["kind"], "protocol")
        self.assertIs(client.result("ping")["pong"], True)

    def test_a_bad_deadline_is_a_protocol_error(self):
        client = self.logged_in()
        for deadline in (0, -5, "5000", 1.5, 3600 * 1000 + 1):
            with self.subTest(deadline=deadline):
                self.assertEqual(client.error("ping", deadline_ms=deadline)["kind"], "protocol")

    def test_a_malformed_line_is_a_protocol_error_and_closes(self):
        for line in (b"{not json\n", b"[1, 2]\n", b'{"id": 1, "method": NaN}\n', b"\xff\n"):
            with self.subTest(line=line):
                client = self.connect()
                hello(client)
                client.send_raw(line)
                answer = client.read()
                self.assertEqual((answer["id"], answer["error"]["kind"]), (None, "protocol"))
                self.assertTrue(client.closed())

    def test_a_request_without_a_method_is_answered_with_its_id_and_closes(self):
        client = self.connect()
        hello(client)
        client.send_raw(b'{"id": 41}\n')
        answer = client.read()
        self.assertEqual((answer["id"], answer["error"]["kind"]), (41, "protocol"))
        self.assertTrue(client.closed())

    def test_a_line_longer_than_16_mib_is_a_protocol_error_and_closes(self):
        client = self.connect()
        hello(client)
        client.send_raw(b"x" * (MAX_LINE_BYTES + 1))
        answer = client.read()
        self.assertEqual((answer["id"], answer["error"]["kind"]), (None, "protocol"))
        self.assertIn("longer than", answer["error"]["message"])
        self.assertTrue(client.closed())

    def test_a_line_of_16_mib_is_accepted(self):
        client = self.connect()
        hello(client)
        request = json.dumps({"id": 9, "method": "ping", "pad": ""}).encode()
        padded = request[:-2] + b" " * (MAX_LINE_BYTES - len(request)) + request[-2:]
        client.send_raw(padded + b"\n")
        self.assertEqual(client.read()["result"]["pong"], True)


class DeadlinesAndBusy(unittest.TestCase):
    """Every data call of Alice takes 1.5 s here (knob call_latency_ms)."""

    @classmethod
    def setUpClass(cls):
        def slow_calls(document):
            document["accounts"][0]["knobs"]["call_latency_ms"] = 1500
        cls.gateway = start(write_scenario(FOLDER, "slow-calls.json", slow_calls), name="slow")

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()

    def logged_in(self):
        client = self.gateway.connect(CERT)
        self.addCleanup(client.close)
        hello(client)
        client.result("initialize")
        client.result("login", ALICE)
        return client

    def wait_until_idle(self, client):
        deadline = time.monotonic() + 10
        while client.result("ping")["busy"] and time.monotonic() < deadline:
            time.sleep(0.05)

    def test_a_call_past_its_deadline_times_out_then_later_calls_are_busy(self):
        client = self.logged_in()
        started = time.monotonic()
        error = client.error("account_info", deadline_ms=300)
        self.assertEqual(error["kind"], "timeout")
        self.assertLess(time.monotonic() - started, 1.2)
        self.assertIs(client.result("ping")["busy"], True)
        busy = client.error("positions_get", deadline_ms=5000)
        self.assertEqual(busy["kind"], "busy")
        self.assertLess(time.monotonic() - started, 1.4)
        self.wait_until_idle(client)
        self.assertEqual(client.result("account_info", deadline_ms=5000)["login"], 5001234)
        events = [line["event"] for line in self.gateway.log_lines()]
        self.assertIn("late call finished", events)

    def test_a_call_queued_behind_another_connection_for_its_whole_deadline_is_busy(self):
        first = self.logged_in()
        second = self.gateway.connect(CERT)
        self.addCleanup(second.close)
        hello(second)
        answers = {}
        worker = threading.Thread(
            target=lambda: answers.update(first=first.request("account_info", None, 5000)))
        worker.start()
        time.sleep(0.3)
        error = second.error("positions_get", deadline_ms=300)
        self.assertEqual(error["kind"], "busy")
        self.assertIn("not started", error["message"])
        worker.join(10)
        self.assertEqual(answers["first"]["result"]["login"], 5001234)


class ProcessLifecycle(unittest.TestCase):
    def test_the_crash_knob_kills_the_gateway_mid_sync(self):
        # initialize, login and the read of its account, account_info; then positions_get's
        # first package call crashes.
        gateway = start(env={"MT5_FAKE_CRASH_AFTER_CALLS": "4"}, name="crash")
        self.addCleanup(gateway.stop)
        with gateway.connect(CERT) as client:
            hello(client)
            client.result("initialize")
            client.result("login", ALICE)
            client.result("account_info")
            self.assertIsNone(client.request("positions_get"))
        self.assertEqual(gateway.wait_exit(), 70)

    def test_an_initialize_failure_is_reported_with_its_mt5_code(self):
        gateway = start(env={"MT5_FAKE_INIT_ERROR": "-10005"}, name="init-error")
        self.addCleanup(gateway.stop)
        with gateway.connect(CERT) as client:
            hello(client)
            error = client.error("initialize")
            self.assertEqual((error["kind"], error["code"]), ("mt5", -10005))
            self.assertIs(client.result("ping")["initialized"], False)

    def test_sigterm_stops_the_gateway_cleanly(self):
        gateway = start(name="sigterm")
        with gateway.connect(CERT) as client:
            hello(client)
            client.result("initialize")
            self.assertEqual(gateway.stop(), 0)
        events = [line["event"] for line in gateway.log_lines()]
        self.assertEqual(events[-1], "gateway stopped")

    def test_plaintext_mode_speaks_the_same_framing(self):
        gateway = start(tls=False, name="plaintext")
        self.addCleanup(gateway.stop)
        with gateway.connect(None) as client:
            self.assertEqual(hello(client)["result"]["protocol"], 1)
            self.assertIs(client.result("ping")["pong"], True)

    def test_the_token_may_come_from_the_environment(self):
        gateway = start(env={"MT5_GATEWAY_TOKEN": TOKEN}, token_file=False, name="env-token")
        self.addCleanup(gateway.stop)
        with gateway.connect(CERT) as client:
            self.assertIn("result", hello(client))

    def test_history_dates_may_be_passed_to_the_package_as_integers(self):
        gateway = start(args=["--history-time-arg", "int"], name="int-dates")
        self.addCleanup(gateway.stop)
        with gateway.connect(CERT) as client:
            hello(client)
            client.result("initialize", ALICE)
            deals = client.result("history_deals_get",
                                  {"date_from": 1762160400, "date_to": 1762164923})
            self.assertEqual(tickets(deals), [90001, 90002])

    def run_gateway(self, *args, env=None):
        environment = dict(os.environ, MT5_FAKE_SCENARIO=DEMO)
        environment.pop("MT5_GATEWAY_TOKEN", None)
        environment.update(env or {})
        return subprocess.run([sys.executable, GATEWAY, "--mt5-module", FAKE_MODULE] +
                              list(args), env=environment, capture_output=True, text=True,
                              timeout=30)

    def test_self_test_prints_terminal_info_and_exits_0(self):
        done = self.run_gateway("--self-test")
        self.assertEqual(done.returncode, 0, done.stderr)
        report = json.loads(done.stdout)
        self.assertEqual(report["terminal_info"]["name"], "MetaTrader 5 (fake)")
        self.assertEqual(len(report["version"]), 3)

    def test_self_test_fails_with_the_mt5_code_when_the_terminal_does_not_start(self):
        done = self.run_gateway("--self-test", env={"MT5_FAKE_INIT_ERROR": "-10003"})
        self.assertEqual(done.returncode, 1)
        self.assertEqual(json.loads(done.stdout)["error"]["code"], -10003)

    def test_startup_problems_exit_2_with_a_sentence_saying_what_to_do(self):
        short_token = os.path.join(FOLDER, "short-token.txt")
        with open(short_token, "w", encoding="utf-8") as handle:
            handle.write("abc")
        utf16_token = os.path.join(FOLDER, "utf16-token.txt")
        with open(utf16_token, "w", encoding="utf-16") as handle:
            handle.write(TOKEN)
        for args, expected in [
                (["--cert", CERT, "--key", KEY], "no token"),
                (["--cert", CERT, "--key", KEY, "--token-file", short_token], "openssl rand"),
                (["--cert", CERT, "--key", KEY, "--token-file", utf16_token], "Out-File"),
                (["--token-file", TOKEN_FILE], "--cert"),
                (["--cert", KEY, "--key", CERT, "--token-file", TOKEN_FILE], "certificate"),
                (["--insecure-plaintext", "--token-file", TOKEN_FILE, "--mt5-module",
                  "NoSuchModule"], "cannot import module 'NoSuchModule'")]:
            with self.subTest(expected=expected):
                done = self.run_gateway("--port", "0", *args)
                self.assertEqual(done.returncode, 2, done.stderr)
                self.assertIn(expected, done.stderr)


class TlsTrust(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gateway = start(name="tls")

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()

    def test_a_client_that_does_not_trust_the_certificate_cannot_connect(self):
        other_folder = os.path.join(FOLDER, "other-ca")
        os.makedirs(other_folder, exist_ok=True)
        other_cert, _ = make_certificate(other_folder)
        with self.assertRaises(OSError):
            Client(self.gateway.port, other_cert, timeout_s=5)

    def test_the_presented_certificate_matches_the_openssl_fingerprint(self):
        import socket
        import ssl
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # pinning compares the fingerprint instead
        with socket.create_connection(("127.0.0.1", self.gateway.port), timeout=5) as raw:
            with context.wrap_socket(raw) as tls:
                der = tls.getpeercert(binary_form=True)
                self.assertIn(tls.version(), ("TLSv1.2", "TLSv1.3"))
        printed = subprocess.run(["openssl", "x509", "-in", CERT, "-noout", "-fingerprint",
                                  "-sha256"], capture_output=True, text=True, check=True).stdout
        expected = printed.strip().split("=", 1)[1].replace(":", "").lower()
        self.assertEqual(hashlib.sha256(der).hexdigest(), expected)


if __name__ == "__main__":
    unittest.main()
