"""Strict input against the real binary (issue 13): JSON bodies must be UTF-8 without duplicate
keys or a byte order mark; the HTTP parser refuses what RFC 9112 lets a server refuse."""
import json
import os
import subprocess
import tempfile
import unittest

from harness import BIN, PLUGIN_DIR, SOURCE_DIR, Host, healthy_demo_account, load_scenario, new_user, raw_exchange


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


class StrictHttpParsing(unittest.TestCase):
    """Each request here was answered 200 by the lenient parser; RFC 9112 lets a server refuse it,
    and refusing is what keeps a proxy in front and this host from reading different requests."""

    @classmethod
    def setUpClass(cls):
        cls.host = Host().start()

    @classmethod
    def tearDownClass(cls):
        cls.host.stop()

    def assert_refused(self, raw, words=None):
        status, headers, body = raw_exchange(self.host.port, raw)
        self.assertEqual(status, 400, body[:300])
        self.assertEqual(json.loads(body)["error_code"], "BAD_REQUEST")
        if words:
            self.assertIn(words, json.loads(body)["error_message"])
        return headers

    def test_lf_only_line_endings(self):
        self.assert_refused(b"GET /livez HTTP/1.1\nHost: x\n\n", "CR LF")

    def test_bare_lf_after_chunk_data(self):
        self.assert_refused(b"POST /livez HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                            b"2\r\nhi\n0\r\n\r\n", "CR LF")

    def test_whitespace_around_chunk_sizes(self):
        for size in (b" 2", b"2 ", b"2\t"):
            self.assert_refused(b"POST /livez HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + size + b"\r\nhi\r\n0\r\n\r\n")

    def test_transfer_encoding_in_http10(self):
        self.assert_refused(b"POST /livez HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
                            "HTTP/1.0")

    def test_http11_request_without_host_or_with_two(self):
        self.assert_refused(b"GET /livez HTTP/1.1\r\n\r\n", "Host")
        self.assert_refused(b"GET /livez HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "Host")

    def test_the_transports_own_413_carries_request_id_cors_and_vary(self):
        status, headers, body = raw_exchange(
            self.host.port, b"POST /api/mt5/accounts HTTP/1.1\r\nHost: x\r\nOrigin: http://localhost:5173\r\n"
            b"Content-Length: 99999999\r\n\r\n")
        self.assertEqual(status, 413, body[:200])
        answer = json.loads(body)
        self.assertTrue(headers.get("x-request-id", "").startswith("req_"), headers)
        self.assertEqual(answer["request_id"], headers["x-request-id"])
        self.assertEqual(headers.get("access-control-allow-origin"), "http://localhost:5173")
        self.assertEqual(headers.get("vary"), "Origin")

    def test_vary_origin_on_answers_to_requests_without_origin(self):
        for path in ("/openapi.json", "/livez"):
            status, headers, _ = raw_exchange(self.host.port,
                                              b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path.encode(),
                                              read_limit=1 << 22)
            self.assertEqual(status, 200)
            self.assertEqual(headers.get("vary"), "Origin", path)

    def test_a_well_formed_request_still_passes(self):
        status, _, _ = raw_exchange(self.host.port, b"GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertEqual(status, 200)


class DuplicateYamlKeys(unittest.TestCase):
    def test_check_config_refuses_a_repeated_key_naming_file_line_and_column(self):
        # The finding: appending this left the service key acting on every account (first wins)
        # while check-config said the file was fine.
        with open(os.path.join(SOURCE_DIR, "config", "default.yaml")) as f:
            text = f.read()
        lines = text.count("\n")
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write(text + "api: {service_key_acts_on_any_account: false}\n")
            path = f.name
        try:
            env = dict(os.environ, MT5BRIDGE_PLUGIN_DIR=PLUGIN_DIR)
            run = subprocess.run([BIN, "check-config", path], env=env, capture_output=True, text=True,
                                 timeout=30, cwd=SOURCE_DIR)
        finally:
            os.unlink(path)
        self.assertNotEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn("%s:%d:1: api: the key 'api' appears twice" % (path, lines + 1), run.stderr)


if __name__ == "__main__":
    unittest.main()
