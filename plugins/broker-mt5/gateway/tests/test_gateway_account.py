"""The gateway never passes one account's data off as another's (docs/mt5-gateway-protocol.md,
"The account check"): after a login that timed out or completed late the account is unknown
until a call reads it, and every data answer names the account it was read from.

Run from this folder: python3 -m unittest -v test_gateway_account
"""

import shutil
import tempfile
import time
import unittest

from gateway_harness import GatewayProcess, make_certificate, make_token_file, write_scenario

ALICE = {"login": 5001234, "password": "investor-pass-1", "server": "MetaQuotes-Demo"}
BOB = {"login": 7712045, "password": "Netting#2025", "server": "Bluewater-Live2"}
ALICE_ACCOUNT = {"login": ALICE["login"], "server": ALICE["server"]}
BOB_ACCOUNT = {"login": BOB["login"], "server": BOB["server"]}
ALICE_POSITIONS = [70010, 70011]
FOLDER = CERT = KEY = TOKEN = TOKEN_FILE = None


def setUpModule():
    global FOLDER, CERT, KEY, TOKEN, TOKEN_FILE
    FOLDER = tempfile.mkdtemp(prefix="mt5-gateway-account-")
    CERT, KEY = make_certificate(FOLDER)
    TOKEN, TOKEN_FILE = make_token_file(FOLDER)


def tearDownModule():
    shutil.rmtree(FOLDER, ignore_errors=True)


def slow_alice(document):
    """Logging in to Alice's MetaQuotes account takes 1.5 s."""
    document["accounts"][0]["knobs"]["login_latency_ms"] = 1500


class TwoClientsOneTerminal(unittest.TestCase):
    """Client A works on the Bluewater account while client B logs in to MetaQuotes."""

    def start(self, env=None, name="account"):
        gateway = GatewayProcess(FOLDER, CERT, KEY, TOKEN_FILE,
                                 scenario=write_scenario(FOLDER, name + ".json", slow_alice),
                                 env=env, name=name)
        self.addCleanup(gateway.stop)
        return gateway

    def client(self, gateway):
        client = gateway.connect(CERT)
        self.addCleanup(client.close)
        self.assertIn("result", client.request("hello", {"token": TOKEN, "client": "test"}))
        return client

    def wait_until_idle(self, client):
        deadline = time.monotonic() + 10
        while client.result("ping")["busy"] and time.monotonic() < deadline:
            time.sleep(0.05)

    def test_a_login_timed_out_at_the_gateway_that_completes_late_is_never_guessed(self):
        gateway = self.start()
        a, b = self.client(gateway), self.client(gateway)
        a.result("initialize")
        a.result("login", BOB)
        self.assertEqual(a.result("ping")["login"], BOB["login"])

        # B's login outlives its 500 ms deadline; the terminal completes it 1 s later.
        error = b.error("login", dict(ALICE, timeout_ms=5000), deadline_ms=500)
        self.assertEqual(error["kind"], "timeout")
        ping = a.result("ping")
        self.assertEqual((ping["login"], ping.get("server"), ping.get("account_known")),
                         (None, None, False))
        self.wait_until_idle(a)
        ping = a.result("ping")
        self.assertEqual((ping["login"], ping["account_known"]), (None, False))

        # A asks for "its" positions: the answer says whose they are.
        answer = a.request("positions_get")
        self.assertEqual([p["ticket"] for p in answer["result"]], ALICE_POSITIONS)
        self.assertEqual(answer["account"], ALICE_ACCOUNT)
        # That read proved the account.
        ping = a.result("ping")
        self.assertEqual((ping["login"], ping["account_known"]), (ALICE["login"], True))

    def test_a_login_the_package_gave_up_on_but_the_terminal_completed_is_caught(self):
        gateway = self.start(env={"MT5_FAKE_LATE_LOGIN": "1"}, name="late-login")
        a, b = self.client(gateway), self.client(gateway)
        a.result("initialize")
        a.result("login", BOB)
        error = b.error("login", dict(ALICE, timeout_ms=500), deadline_ms=5000)
        self.assertEqual((error["kind"], error["code"]), ("mt5", -10005))
        self.assertIs(a.result("ping")["account_known"], False)
        time.sleep(1.2)  # the terminal finishes B's login behind everyone's back
        answer = a.request("history_deals_get", {"position": 70001})
        self.assertEqual(answer["account"], ALICE_ACCOUNT)
        self.assertEqual([d["ticket"] for d in answer["result"]], [90002, 90003, 90004])

    def test_every_data_answer_names_the_account_it_was_read_from(self):
        gateway = self.start(name="every-answer")
        client = self.client(gateway)
        answer = client.request("initialize", BOB)
        self.assertEqual((answer["result"], answer["account"]), (True, BOB_ACCOUNT))
        for method, params in [("account_info", None), ("positions_get", None),
                               ("history_deals_get", {"position": 8800101}),
                               ("history_orders_get", {"date_from": 0, "date_to": 2**31}),
                               ("symbol_info", {"symbol": "GBPUSD.r"}),
                               ("symbol_info_tick", {"symbol": "GBPUSD.r"})]:
            with self.subTest(method=method):
                answer = client.request(method, params)
                self.assertIn("result", answer)
                self.assertEqual(answer["account"], BOB_ACCOUNT)
        # Answers that are not an account's data carry no account.
        for method in ("ping", "version", "terminal_info", "last_error"):
            with self.subTest(method=method):
                self.assertNotIn("account", client.request(method))

    def test_a_failed_login_leaves_the_account_unknown(self):
        gateway = self.start(name="failed-login")
        client = self.client(gateway)
        client.result("initialize", BOB)
        error = client.error("login", dict(ALICE, password="not-the-password"))
        self.assertEqual(error["code"], -6)
        ping = client.result("ping")
        self.assertEqual((ping["login"], ping["account_known"]), (None, False))


if __name__ == "__main__":
    unittest.main()
