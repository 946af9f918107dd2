"""The gateway never writes a password or the token to its log or its answers, and a bug in a
call is answered `internal` while the gateway keeps serving.

Run from this folder: python3 -m unittest -v test_gateway_secrets   (needs the openssl CLI)
"""

import json
import shutil
import tempfile
import unittest

from gateway_harness import HERE, GatewayProcess, make_certificate, make_token_file

ALICE = {"login": 5001234, "password": "investor-pass-1", "server": "MetaQuotes-Demo"}
BOB = {"login": 7712045, "password": "Netting#2025", "server": "Bluewater-Live2"}
CAROL = {"login": 5009876, "password": "timeout-pass-3", "server": "MetaQuotes-Demo"}


class SecretsStayOutOfTheLog(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp(prefix="mt5-gateway-secrets-")
        cls.cert, cls.key = make_certificate(cls.folder)
        cls.token, cls.token_file = make_token_file(cls.folder)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.folder, ignore_errors=True)

    def start(self, **kwargs):
        gateway = GatewayProcess(self.folder, self.cert, self.key, self.token_file, **kwargs)
        self.addCleanup(gateway.stop)
        return gateway

    def hello(self, client, token=None):
        return client.request("hello", {"token": token or self.token, "client": "secrets"})

    def assert_log_holds_none_of(self, text, secrets):
        for secret in secrets:
            self.assertNotIn(secret, text)
        self.assertTrue(all(json.loads(line) for line in text.splitlines()))

    def test_passwords_and_tokens_never_appear_in_the_log(self):
        gateway = self.start(name="secrets")
        wrong_token = "Wrong-Token-" + "z" * 20
        wrong_password = "Wrong#Secret-Password-1"
        with gateway.connect(self.cert) as client:
            self.hello(client, token=wrong_token)
        with gateway.connect(self.cert) as client:
            self.hello(client)
            client.error("initialize", dict(ALICE, password=wrong_password))
            client.result("initialize")
            client.error("login", dict(ALICE, password=wrong_password))
            client.error("login", dict(ALICE, login=-1))
            client.error("login", dict(ALICE, bogus=ALICE["password"]))
            client.error("login", CAROL, deadline_ms=5000)
            client.result("login", BOB)
            client.result("login", ALICE)
            client.result("account_info")
        self.assertEqual(gateway.stop(), 0)
        text = gateway.log_text()
        self.assert_log_holds_none_of(text, [self.token, wrong_token, wrong_password,
                                             ALICE["password"], BOB["password"],
                                             CAROL["password"]])
        calls = [json.loads(line) for line in text.splitlines() if '"event": "call"' in line]
        self.assertEqual(len(calls), 9)
        for call in calls:
            self.assertTrue({"method", "id", "duration_ms", "outcome"} <= set(call), call)

    def test_a_failing_package_call_is_internal_and_scrubbed_and_serving_goes_on(self):
        gateway = self.start(name="broken", args=["--mt5-module", "broken_mt5"],
                             env={"PYTHONPATH": HERE})
        with gateway.connect(self.cert) as client:
            self.hello(client)
            error = client.error("login", ALICE)
            self.assertEqual(error["kind"], "internal")
            self.assertNotIn(ALICE["password"], error["message"])
            self.assertIs(client.result("ping")["pong"], True)
            self.assertEqual(client.error("account_info")["code"], -1)
        gateway.stop()
        text = gateway.log_text()
        self.assertIn("RuntimeError", text)
        self.assertIn("[redacted]", text)
        self.assert_log_holds_none_of(text, [self.token, ALICE["password"]])

    def test_a_password_inside_an_exception_repr_is_scrubbed_too(self):
        gateway = self.start(name="broken-repr", args=["--mt5-module", "broken_mt5"],
                             env={"PYTHONPATH": HERE})
        password = "it's\\a Pässwort\"-1"
        with gateway.connect(self.cert) as client:
            self.hello(client)
            error = client.error("login", dict(ALICE, password=password))
            self.assertEqual(error["kind"], "internal")
        gateway.stop()
        spellings = {password, repr(password)[1:-1], ascii(password)[1:-1],
                     repr(password.encode("utf-8"))[2:-1], json.dumps(password)[1:-1]}
        text = gateway.log_text()
        self.assertIn("RuntimeError", text)
        for line in text.splitlines():
            for value in json.loads(line).values():
                for spelling in spellings:
                    self.assertNotIn(spelling, str(value))
        for spelling in spellings:
            self.assertNotIn(spelling, text)


if __name__ == "__main__":
    unittest.main()
