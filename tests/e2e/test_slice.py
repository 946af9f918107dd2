"""The foundation slice end to end: the real binary, real HTTP over loopback, the embedded default
(SQLite + mock broker). Link an account, read its info, be refused on another user's account."""

import http.client
import os
import signal
import sqlite3
import subprocess
import time
import unittest

from harness import (API_KEY, BIN, ENCRYPTION_KEY, JWT_SECRET, PLUGIN_DIR, SOURCE_DIR, Host,
                     healthy_demo_account, load_scenario, make_jwt, new_user)


class SliceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scenario = load_scenario()
        cls.account = healthy_demo_account(cls.scenario)
        cls.host = Host().start()

    @classmethod
    def tearDownClass(cls):
        cls.host.stop()

    def link(self, user, account=None, **overrides):
        acc = account or self.account
        body = {"login": acc["login"], "password": acc["password"], "server": acc["server"],
                "broker_name": "Demo Broker Ltd"}
        body.update(overrides)
        return self.host.request("POST", "/api/mt5/accounts", body, self.host.auth(user))

    def test_health_is_public_and_in_the_seed_format(self):
        status, body, headers = self.host.request("GET", "/health")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["status"], "healthy")
        for key in ("timestamp", "version", "mt5_initialized", "active_connections", "total_accounts",
                    "uptime_seconds", "resource_usage", "last_error"):
            self.assertIn(key, body)
        self.assertTrue(body["mt5_initialized"])
        self.assertRegex(body["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertGreater(body["resource_usage"]["memory_mb"], 0)
        self.assertIn("x-request-id", headers)

    def test_linking_stores_an_account_and_info_reads_it_with_caching(self):
        user = new_user()
        status, body, headers = self.link(user)
        self.assertEqual(status, 201, body)
        self.assertTrue(body["success"])
        account_id = body["account_id"]
        info = self.account["account_info"]
        self.assertAlmostEqual(body["account_info"]["balance"], info["balance"])
        self.assertEqual(body["account_info"]["server"], self.account["server"])
        self.assertEqual(headers["location"], "/api/mt5/accounts/" + account_id)

        status, body, _ = self.host.request("GET", "/api/mt5/account/%s/info" % account_id, headers=self.host.auth(user))
        self.assertEqual(status, 200, body)
        self.assertEqual(body["account_id"], account_id)
        self.assertFalse(body["cached"])
        self.assertEqual(body["cache_age_seconds"], 0)
        data = body["data"]
        self.assertAlmostEqual(data["balance"], info["balance"])
        self.assertAlmostEqual(data["equity"], info["equity"])
        self.assertAlmostEqual(data["free_margin"], info["margin_free"])
        self.assertEqual(data["currency"], info["currency"])
        self.assertEqual(data["leverage"], info["leverage"])
        self.assertEqual(data["positions_count"], len(self.account.get("positions", [])))
        for key in ("margin", "margin_level", "profit", "credit"):
            self.assertIn(key, data)

        time.sleep(1.1)
        status, body, _ = self.host.request("GET", "/api/mt5/account/%s/info" % account_id, headers=self.host.auth(user))
        self.assertEqual(status, 200, body)
        self.assertTrue(body["cached"])
        self.assertGreaterEqual(body["cache_age_seconds"], 1)

    def test_another_users_account_is_forbidden(self):
        owner, intruder = new_user(), new_user()
        status, body, _ = self.link(owner)
        self.assertEqual(status, 201, body)
        status, body, _ = self.host.request("GET", "/api/mt5/account/%s/info" % body["account_id"],
                                            headers=self.host.auth(intruder))
        self.assertEqual(status, 403, body)
        self.assertFalse(body["success"])
        self.assertEqual(body["error_code"], "FORBIDDEN")
        self.assertTrue(body["request_id"])

    def test_linking_the_same_account_twice_conflicts(self):
        user = new_user()
        self.assertEqual(self.link(user)[0], 201)
        status, body, _ = self.link(user)
        self.assertEqual(status, 409, body)
        self.assertEqual(body["error_code"], "ACCOUNT_ALREADY_LINKED")

    def test_wrong_password_is_refused_and_stores_nothing(self):
        before = self.host.request("GET", "/health")[1]["total_accounts"]
        status, body, _ = self.link(new_user(), password="definitely-wrong")
        self.assertEqual(status, 422, body)
        self.assertEqual(body["error_code"], "AUTH_FAILED")
        self.assertNotIn("definitely-wrong", str(body))
        after = self.host.request("GET", "/health")[1]["total_accounts"]
        self.assertEqual(before, after)

    def test_invalid_bodies_get_their_own_codes(self):
        user = new_user()
        cases = [
            ("{not json", "INVALID_JSON"),
            ('{"login": "123", "password": "secret1", "server": "S", "broker_name": "B"}', "INVALID_TYPE"),
            ('{"login": 123, "password": "secret1", "server": "S", "broker_name": "B", "extra": 1}', "UNKNOWN_FIELD"),
            ('{"login": -5, "password": "secret1", "server": "S", "broker_name": "B"}', "INVALID_INPUT"),
            ('{"login": 123, "password": "short", "server": "S", "broker_name": "B"}', "INVALID_INPUT"),
            ('{"login": 123, "password": "secret1", "server": "", "broker_name": "B"}', "INVALID_INPUT"),
            ('{"login": 123, "password": "secret1", "server": "S", "broker_name": ""}', "INVALID_INPUT"),
            ('[1, 2, 3]', "INVALID_JSON"),
        ]
        for raw, code in cases:
            status, body, _ = self.host.request("POST", "/api/mt5/accounts", raw, self.host.auth(user))
            self.assertEqual(status, 400, (raw, body))
            self.assertEqual(body["error_code"], code, raw)
            self.assertFalse(body["success"])

    def test_credentials_are_required_and_checked(self):
        path = "/api/mt5/account/%s/info" % new_user()
        user = new_user()
        cases = [
            ({}, "API_KEY_REQUIRED"),
            ({"X-API-Key": "wrong-key-wrong-key-wrong"}, "AUTHENTICATION_FAILED"),
            ({"X-API-Key": API_KEY, "Authorization": "Bearer " + make_jwt(user, secret="x" * 40)}, "INVALID_TOKEN"),
            ({"X-API-Key": API_KEY, "Authorization": "Bearer " + make_jwt(user, exp_in=-3600)}, "INVALID_TOKEN"),
            ({"X-API-Key": API_KEY, "Authorization": "Bearer " + make_jwt(user, alg="none")}, "INVALID_TOKEN"),
            ({"X-API-Key": API_KEY, "Authorization": "Bearer " + make_jwt(user, role="anon")}, "INVALID_TOKEN"),
        ]
        for headers, code in cases:
            status, body, _ = self.host.request("GET", path, headers=headers)
            self.assertEqual(status, 401, (headers.keys(), body))
            self.assertEqual(body["error_code"], code)

    def test_bad_and_unknown_account_ids(self):
        user = new_user()
        status, body, _ = self.host.request("GET", "/api/mt5/account/not-a-uuid/info", headers=self.host.auth(user))
        self.assertEqual((status, body["error_code"]), (400, "INVALID_UUID"))
        status, body, _ = self.host.request("GET", "/api/mt5/account/%s/info" % new_user(), headers=self.host.auth(user))
        self.assertEqual((status, body["error_code"]), (404, "ACCOUNT_NOT_FOUND"))

    def test_unknown_route_and_method(self):
        status, body, _ = self.host.request("GET", "/nope")
        self.assertEqual((status, body["error_code"]), (404, "NOT_FOUND"))
        status, body, _ = self.host.request("DELETE", "/health")
        self.assertEqual((status, body["error_code"]), (405, "METHOD_NOT_ALLOWED"))

    def test_request_id_is_echoed(self):
        status, _, headers = self.host.request("GET", "/health", headers={"X-Request-ID": "abc-123"})
        self.assertEqual(headers["x-request-id"], "abc-123")

    def test_keep_alive_serves_several_requests_on_one_connection(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.host.port, timeout=10)
        for _ in range(3):
            status, _, headers = self.host.request("GET", "/livez", conn=conn)
            self.assertEqual(status, 200)
            self.assertNotEqual(headers.get("connection", "").lower(), "close")
        conn.close()

    def test_the_database_holds_no_plaintext_password(self):
        user = new_user()
        self.assertEqual(self.link(user)[0], 201)
        db = sqlite3.connect(self.host.db_path)
        try:
            dump = "\n".join(db.iterdump())
        finally:
            db.close()
        self.assertNotIn(self.account["password"], dump)
        self.assertIn(user, dump)

    def test_logs_hold_no_secret(self):
        self.assertEqual(self.link(new_user())[0], 201)
        self.host.request("GET", "/health", headers={"X-API-Key": "wrong-key-wrong-key-wrong"})
        logs = self.host.logs()
        for secret in (self.account["password"], API_KEY, JWT_SECRET, ENCRYPTION_KEY):
            self.assertNotIn(secret, logs)


class LifecycleTest(unittest.TestCase):
    def test_sigterm_stops_cleanly(self):
        host = Host().start()
        self.assertEqual(host.stop(signal.SIGTERM), 0, host.logs())
        self.assertIn('"message":"stopped"', host.logs())

    def test_sigint_stops_cleanly(self):
        host = Host().start()
        self.assertEqual(host.stop(signal.SIGINT), 0, host.logs())

    def test_data_survives_a_restart(self):
        host = Host().start()
        acc = healthy_demo_account(load_scenario())
        user = new_user()
        status, body, _ = host.request("POST", "/api/mt5/accounts",
                                       {"login": acc["login"], "password": acc["password"], "server": acc["server"],
                                        "broker_name": "B"}, host.auth(user))
        self.assertEqual(status, 201, body)
        host.stop()
        host.start()
        try:
            status, body2, _ = host.request("GET", "/api/mt5/account/%s/info" % body["account_id"], headers=host.auth(user))
            self.assertEqual(status, 200, body2)
        finally:
            host.stop()

    def test_busy_port_fails_start_with_a_clear_message(self):
        first = Host().start()
        try:
            second = Host(extra_env={"MT5BRIDGE_LISTEN": "127.0.0.1:%d" % first.port})
            second.log = open(second.log_path, "wb")
            proc = subprocess.Popen([BIN, "serve", "--config", second.config_path], cwd=SOURCE_DIR,
                                    env=second.env, stdout=second.log, stderr=subprocess.STDOUT)
            self.assertNotEqual(proc.wait(timeout=20), 0)
            second.log.close()
            self.assertIn("127.0.0.1:%d" % first.port, second.logs())
        finally:
            first.stop()


class CommandLineTest(unittest.TestCase):
    env = dict(os.environ, MT5BRIDGE_PLUGIN_DIR=PLUGIN_DIR)

    def run_bin(self, *args):
        return subprocess.run([BIN, *args], cwd=SOURCE_DIR, env=self.env, capture_output=True, text=True, timeout=60)

    def test_plugins_lists_the_five_plugins_with_kind_and_version(self):
        out = self.run_bin("plugins")
        self.assertEqual(out.returncode, 0, out.stderr)
        for name, kind in (("storage-sqlite", "storage"), ("auth-apikey", "auth"), ("auth-jwt", "auth"),
                           ("broker-mock", "broker"), ("transport-http", "transport")):
            self.assertRegex(out.stdout, r"(?m)^%s\s+%s\s+\d+\.\d+\.\d+" % (name, kind))

    def test_plugins_schema_is_json_schema(self):
        import json
        out = self.run_bin("plugins", "--schema")
        self.assertEqual(out.returncode, 0, out.stderr)
        schemas = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
        titles = {s["title"] for s in schemas}
        self.assertTrue({"storage-sqlite", "auth-jwt", "transport-http"} <= titles)
        for s in schemas:
            self.assertEqual(s["type"], "object")
            self.assertFalse(s["additionalProperties"])

    def test_check_config_accepts_the_default(self):
        out = self.run_bin("check-config", "config/default.yaml")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("OK", out.stdout)

    def test_check_config_accepts_production_given_its_variables_and_names_each_missing_one(self):
        env = dict(self.env, HOSTNAME="prod-1", DATABASE_URL="postgresql://u@db.example:5432/app",
                   MT5_SERVICE_API_KEY="p" * 32, SUPABASE_JWT_SECRET="s" * 40, ENCRYPTION_KEY="0" * 64,
                   MT5_GATEWAY_1_HOST="10.0.0.11", MT5_GATEWAY_2_HOST="10.0.0.12",
                   MT5BRIDGE_APP_ORIGIN="https://app.example")
        ok = subprocess.run([BIN, "check-config", "config/production.yaml"], cwd=SOURCE_DIR, env=env,
                            capture_output=True, text=True, timeout=60)
        self.assertEqual(ok.returncode, 0, ok.stderr)
        del env["DATABASE_URL"], env["ENCRYPTION_KEY"]
        bad = subprocess.run([BIN, "check-config", "config/production.yaml"], cwd=SOURCE_DIR, env=env,
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("DATABASE_URL", bad.stderr)
        self.assertIn("ENCRYPTION_KEY", bad.stderr)

    def test_migrate_moves_the_schema_up_down_and_back(self):
        import tempfile
        env = dict(self.env, MT5BRIDGE_DB=os.path.join(tempfile.mkdtemp(prefix="mt5b-migrate-"), "m.db"))

        def migrate(*extra):
            out = subprocess.run([BIN, "migrate", "--config", "config/default.yaml", *extra], cwd=SOURCE_DIR,
                                 env=env, capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
            return int(re.search(r"at version (\d+)", out.stdout).group(1))

        import re
        latest = migrate()
        self.assertGreaterEqual(latest, 2)
        self.assertEqual(migrate("--to", "1"), 1)
        self.assertEqual(migrate("down"), 0)
        self.assertEqual(migrate(), latest)
        self.assertEqual(migrate("down"), latest - 1)

    def test_check_config_rejects_every_bad_fixture(self):
        bad_dir = os.path.join(SOURCE_DIR, "config", "bad")
        files = sorted(f for f in os.listdir(bad_dir) if f.endswith(".yaml"))
        self.assertGreaterEqual(len(files), 8)
        for name in files:
            out = self.run_bin("check-config", os.path.join("config", "bad", name))
            self.assertEqual(out.returncode, 1, name)
            self.assertIn(name, out.stderr, name)
            self.assertRegex(out.stderr, r"%s:\d+:\d+: " % name.replace(".", r"\."), name)

    def test_version_and_help(self):
        import re
        with open(os.path.join(SOURCE_DIR, "sdk", "include", "mt5bridge", "abi.h")) as f:
            header = f.read()
        major = re.search(r"MT5B_ABI_VERSION_MAJOR (\d+)", header).group(1)
        minor = re.search(r"MT5B_ABI_VERSION_MINOR (\d+)", header).group(1)
        self.assertIn("plugin ABI %s.%s" % (major, minor), self.run_bin("--version").stdout)
        self.assertIn("check-config", self.run_bin("--help").stdout)


if __name__ == "__main__":
    unittest.main()
