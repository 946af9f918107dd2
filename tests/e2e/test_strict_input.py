"""Strict input against the real binary (issue 13): JSON bodies must be UTF-8 without duplicate
keys or a byte order mark; the HTTP parser refuses what RFC 9112 lets a server refuse."""
import json
import unittest

from harness import Host, healthy_demo_account, load_scenario, new_user, raw_exchange


def account_body(**overrides):
    account = healthy_demo_account(load_scenario())
    body = {"login": account["login"], "password": account["password"], "server": account["server"],
            "broker_name": "Demo Broker Ltd"}
    body.update(overrides)
    return body


class StrictJsonBodies(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.host = Host().start()

    @classmethod
    def tearDownClass(cls):
        cls.host.stop()

    def post_raw(self, raw, user=None):
        user = user or new_user()
        return self.host.request("POST", "/api/mt5/accounts", raw, self.host.auth(user))

    def test_invalid_utf8_in_a_string_is_refused_with_400_and_never_stored(self):
        user = new_user()
        raw = json.dumps(account_body(broker_name="BROKER")).encode().replace(b"BROKER", b"\xff\xfe")
        status, answer, _ = self.post_raw(raw, user)
        self.assertEqual(status, 400, answer)
        self.assertEqual(answer["error_code"], "INVALID_JSON")
        self.assertIn("UTF-8", answer["error_message"])
        status, listed, _ = self.host.request("GET", "/api/mt5/accounts", headers=self.host.auth(user))
        self.assertEqual(status, 200)
        self.assertEqual(listed["accounts"], [])

    def test_duplicate_keys_are_refused_naming_the_key(self):
        body = json.dumps(account_body())
        raw = body[:-1] + ', "broker_name": "Other"}'
        status, answer, _ = self.post_raw(raw.encode())
        self.assertEqual(status, 400, answer)
        self.assertEqual(answer["error_code"], "INVALID_JSON")
        self.assertIn("broker_name", answer["error_message"])

    def test_a_byte_order_mark_before_the_json_is_refused(self):
        status, answer, _ = self.post_raw(b"\xef\xbb\xbf" + json.dumps(account_body()).encode())
        self.assertEqual(status, 400, answer)
        self.assertIn("byte order mark", answer["error_message"])

    def test_valid_non_ascii_utf8_is_accepted(self):
        status, answer, _ = self.post_raw(json.dumps(account_body(broker_name="Брокер 株式会社")).encode())
        self.assertEqual(status, 201, answer)


if __name__ == "__main__":
    unittest.main()
