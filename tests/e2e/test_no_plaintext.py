"""No secret at rest or in a log (issue 5, "Credential lifecycle"): normal operation on SQLite and
on PostgreSQL, then the database dump, the database's raw files and every file the host wrote
are searched for every password, API key, JWT secret, token and encryption key, in plain,
hex and base64 forms.

Normal operation here: linking accounts (user token and service key), info, positions, history,
a manual sync, a sync cycle, refused logins (a wrong password when linking and when testing a
connection, a password changed at the broker during a sync), refused credentials (a wrong API
key, a forged token), a key rotation (`mt5bridge rotate-keys` after a second key is added and
made active, then the old key removed), GDPR export. Secrets are fresh random values per run.
"""

import base64
import glob
import os
import secrets
import sqlite3
import subprocess
import time
import unittest
import uuid

import scenario_gen
from harness import (BIN, PgCluster, RestartableHost, make_jwt, new_user, replace_top_level_block,
                     sync_config_text, wait_until, with_postgres_storage)

CLUSTER = None

API_YAML = """  service_key_acts_on_any_account: true
  broker_timeout_ms: 2000
  rate_limits:
    per_key_per_min: 0
    connect_per_min: 0"""

SYNC_YAML = """  enabled: false
  batch_size: 10
  concurrency: 4
  lease_ttl_s: 30
  retry_backoff_ms: 50
  initial_history_days: 90"""

KEY_1 = '    - { id: k1, key: "${ENCRYPTION_KEY}" }'
KEY_2 = '    - { id: k2, key: "${ENCRYPTION_KEY_2}" }'


def setUpModule():
    global CLUSTER
    CLUSTER = PgCluster()
    unittest.addModuleCleanup(CLUSTER.destroy)
    CLUSTER.start()


def crypto_yaml(*keys, active=None):
    return "  keys:\n" + "\n".join(keys) + ("\n  active_key: %s" % active if active else "")


def base64_forms(data):
    """Base64 texts that betray `data` wherever it sits in a longer encoded buffer: its whole
    encoding, and at each of the three byte alignments the groups that hold only its bytes."""
    forms = {base64.b64encode(data), base64.urlsafe_b64encode(data)}
    for shift in (0, 1, 2):
        encoded = base64.b64encode(b"\0" * shift + data)
        whole_groups = (shift + len(data)) // 3 * 4
        middle = encoded[4 if shift else 0:whole_groups]
        if len(middle) >= 12:
            forms.update({middle, middle.replace(b"+", b"-").replace(b"/", b"_")})
    return forms


def secret_forms(name, value):
    """{(name, form): bytes} of one secret (str or bytes): itself, hex and base64."""
    data = value.encode() if isinstance(value, str) else value
    forms = {(name, "plain"): data, (name, "hex"): data.hex().encode(), (name, "HEX"): data.hex().upper().encode()}
    for n, form in enumerate(sorted(base64_forms(data))):
        forms[(name, "base64#%d" % n)] = form
    return forms


class NoPlaintext:
    """The scenario shared by the SQLite and PostgreSQL variants; subclasses provide storage."""

    ACCOUNTS = 5

    def setUp(self):
        self.api_key = "svc-" + secrets.token_hex(20)
        self.jwt_secret = secrets.token_urlsafe(40)
        self.key_1, self.key_2 = os.urandom(32), os.urandom(32)
        self.wrong_password = "wrong-" + secrets.token_hex(6)
        self.wrong_api_key = "svc-" + secrets.token_hex(20)
        self.tokens = []
        self.extra_texts = []  # what the CLI printed, API answers worth checking
        self.scenario, self.truths = scenario_gen.generate(self.ACCOUNTS, int(time.time()), closed_trades=4)
        self.changed_password = self.truths[3].password + "-changed"
        self.host = None

    def tearDown(self):
        if self.host:
            self.host.kill()

    # -- set-up --------------------------------------------------------------------------------

    def config(self, crypto):
        text = sync_config_text(SYNC_YAML, API_YAML, broker_yaml="default_timeout_ms: 2000",
                                time_zones=scenario_gen.time_zones_yaml())
        return replace_top_level_block(self.storage_config(text), "crypto", crypto)

    def make_host(self):
        host = RestartableHost(config_text=self.config(crypto_yaml(KEY_1)), extra_env=dict(self.storage_env(), **{
            "MT5_SERVICE_API_KEY": self.api_key, "SUPABASE_JWT_SECRET": self.jwt_secret,
            "ENCRYPTION_KEY": base64.b64encode(self.key_1).decode(), "ENCRYPTION_KEY_2": self.key_2.hex(),
            "MT5BRIDGE_LOG_LEVEL": "debug"}))
        self.scenario_files = [scenario_gen.write(self.scenario, os.path.join(host.dir, "scenario.json"))]
        host.env["MT5BRIDGE_SCENARIO"] = self.scenario_files[0]
        self.host = host
        return host

    def rewrite_config(self, crypto):
        with open(self.host.config_path, "w") as f:
            f.write(self.config(crypto))

    def auth(self, user=None, api_key=None):
        headers = {"X-API-Key": api_key or self.api_key}
        if user:
            token = make_jwt(user, secret=self.jwt_secret)
            self.tokens.append(token)
            headers["Authorization"] = "Bearer " + token
        return headers

    def call(self, method, path, body=None, user=None, expect=200):
        status, reply, _ = self.host.request(method, path, body, self.auth(user))
        self.assertEqual(status, expect, reply)
        self.extra_texts.append(str(reply))
        return reply

    def cycle(self, count):
        self.call("POST", "/api/mt5/sync/run", {}, expect=202)
        return wait_until("sync cycle done #%d" % count, lambda: (lambda r: r[count - 1] if len(r) >= count else None)(
            self.host.log_records("sync cycle done")), 30)

    # -- the run -------------------------------------------------------------------------------

    def test_no_secret_reaches_the_database_or_any_log(self):
        host = self.make_host()
        host.start()
        alice, bob = new_user(), new_user()
        t = self.truths
        ids = {}
        for n, user in ((0, alice), (1, alice), (3, bob)):
            body = {"login": t[n].login, "password": t[n].password, "server": t[n].server, "broker_name": "Synthetic"}
            ids[n] = self.call("POST", "/api/mt5/accounts", body, user=user, expect=201)["account_id"]
        body = {"user_id": bob, "login": t[2].login, "password": t[2].password, "server": t[2].server,
                "broker_name": "Synthetic"}
        ids[2] = self.call("POST", "/api/mt5/accounts", body, expect=201)["account_id"]
        owner = {0: alice, 1: alice, 2: bob, 3: bob}

        # Refused logins and refused credentials.
        wrong = {"login": t[4].login, "password": self.wrong_password, "server": t[4].server,
                 "broker_name": "Synthetic"}
        refused = self.call("POST", "/api/mt5/accounts", wrong, user=alice, expect=422)
        self.assertEqual(refused["error_code"], "AUTH_FAILED")
        self.assertEqual(self.call("POST", "/api/mt5/connect", wrong, expect=422)["error_code"], "AUTH_FAILED")
        status, _, _ = host.request("GET", "/api/mt5/accounts", headers={"X-API-Key": self.wrong_api_key})
        self.assertEqual(status, 401)
        forged = make_jwt(alice, secret=self.jwt_secret + "-forged")
        self.tokens.append(forged)
        status, _, _ = host.request("GET", "/api/mt5/accounts", headers={"X-API-Key": self.api_key,
                                                                          "Authorization": "Bearer " + forged})
        self.assertEqual(status, 401)

        today = time.strftime("%Y-%m-%d", time.gmtime())
        since = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 61 * 86400))
        for n, account_id in ids.items():
            self.call("GET", "/api/mt5/account/%s/info" % account_id, user=owner[n])
            self.call("GET", "/api/mt5/account/%s/positions" % account_id, user=owner[n])
            self.call("GET", "/api/mt5/account/%s/history?from_date=%s&to_date=%s" % (account_id, since, today),
                      user=owner[n])

        sync = self.call("POST", "/api/mt5/account/%s/sync" % ids[0], {"sync_type": "full"}, user=alice, expect=202)
        wait_until("the manual sync", lambda: self.call("GET", "/api/mt5/sync/" + sync["sync_id"],
                                                        user=alice)["status"] != "processing", 20)
        self.assertEqual(self.cycle(1)["accounts_failed"], "0")

        # Bob changes account 3's investor password at the broker: its next sync is refused.
        host.stop()
        changed = scenario_gen.with_passwords(self.scenario, {t[3].login: self.changed_password})
        self.scenario_files.append(scenario_gen.write(changed, os.path.join(host.dir, "scenario-changed.json")))
        host.env["MT5BRIDGE_SCENARIO"] = self.scenario_files[-1]
        self.make_all_due()
        host.start()
        report = self.cycle(1)
        self.assertEqual((report["accounts_ok"], report["accounts_failed"]), ("3", "1"), report)

        # Key rotation as docs/operations.md tells it: add k2 and make it active, restart, rotate.
        host.stop()
        self.rewrite_config(crypto_yaml(KEY_1, KEY_2, active="k2"))
        host.start()
        rotated = subprocess.run([BIN, "rotate-keys", "--config", host.config_path], env=host.env,
                                 cwd=os.path.dirname(host.config_path), stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, timeout=60)
        output = rotated.stdout.decode("utf-8", "replace")
        self.extra_texts.append(output)
        self.assertEqual(rotated.returncode, 0, output)
        self.assertIn("re-sealed 4 credential(s) under key k2", output)
        self.assertEqual(self.key_ids(), ["k2"] * 4)
        # ... then remove k1: every credential must open with k2 alone.
        host.stop()
        self.rewrite_config(crypto_yaml(KEY_2, active="k2"))
        self.make_all_due()
        host.start()
        for n in (0, 1, 2):
            self.call("GET", "/api/mt5/account/%s/info" % ids[n], user=owner[n])
        report = self.cycle(1)
        self.assertEqual((report["accounts_ok"], report["accounts_failed"]), ("3", "1"), report)
        for fmt in ("json", "csv"):
            status, reply, _ = host.request("GET", "/api/mt5/users/%s/export?format=%s" % (alice, fmt),
                                            headers=self.auth(alice))
            self.assertEqual(status, 200)
            self.extra_texts.append(str(reply))
        host.stop()

        self.assert_no_secret_in(self.places_to_search())

    # -- the search ----------------------------------------------------------------------------

    def secrets(self):
        found = {}
        for n, truth in enumerate(self.truths):
            found.update(secret_forms("password of account %d" % n, truth.password))
        found.update(secret_forms("changed password of account 3", self.changed_password))
        found.update(secret_forms("wrong password", self.wrong_password))
        found.update(secret_forms("service API key", self.api_key))
        found.update(secret_forms("wrong API key", self.wrong_api_key))
        found.update(secret_forms("JWT secret", self.jwt_secret))
        found.update(secret_forms("encryption key k1", self.key_1))
        found.update(secret_forms("encryption key k2", self.key_2))
        for n, token in enumerate(set(self.tokens)):
            found[("JWT #%d" % n, "plain")] = token.encode()
            found[("JWT #%d" % n, "signature")] = token.rsplit(".", 1)[1].encode()
        return found

    def places_to_search(self):
        """[(description, bytes)]: every file the host wrote (its logs, and for SQLite the
        database itself) except the scenario files and its config, the CLI's output, the API's
        answers, and what storage_dump() adds."""
        places = []
        skip = set(self.scenario_files) | {self.host.config_path}
        for path in sorted(glob.glob(os.path.join(self.host.dir, "**"), recursive=True)):
            if os.path.isfile(path) and path not in skip:
                with open(path, "rb") as f:
                    places.append((path, f.read()))
        self.assertTrue(any(p.startswith(self.host.log_path) for p, _ in places), "no host log to search")
        places.append(("rotate-keys output and API answers", "\n".join(self.extra_texts).encode()))
        return places + self.storage_dump()

    def assert_no_secret_in(self, places):
        found = []
        for (name, form), needle in self.secrets().items():
            for where, data in places:
                at = data.find(needle)
                if at >= 0:
                    # Never print the secret itself: the test's output is a log too.
                    context = data[max(0, at - 60):at] + b"<" + name.encode() + b">" + \
                        data[at + len(needle):at + len(needle) + 60]
                    found.append("%s (%s) in %s: ...%s..." % (name, form, where, context.decode("utf-8", "replace")))
        searched = sum(len(d) for _, d in places)
        self.assertGreater(searched, 10000, "almost nothing was searched")
        self.assertEqual(found, [], "secrets found:\n" + "\n".join(found))


class NoPlaintextOnSqliteTest(NoPlaintext, unittest.TestCase):
    def storage_config(self, text):
        return text

    def storage_env(self):
        return {}

    def db(self):
        conn = sqlite3.connect(self.host.db_path, timeout=30)
        self.addCleanup(conn.close)
        return conn

    def make_all_due(self):
        with self.db() as db:
            db.execute("UPDATE trading_accounts SET next_sync_at = NULL")

    def key_ids(self):
        return [r[0] for r in self.db().execute("SELECT key_id FROM account_integrations ORDER BY key_id")]

    def storage_dump(self):
        # The database file itself is among the host's files; the dump adds its logical content.
        text = "\n".join(self.db().iterdump())
        self.assertIn("account_integrations", text)
        return [("sqlite3 iterdump", text.encode())]


class NoPlaintextOnPostgresTest(NoPlaintext, unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.database = "noplain_" + uuid.uuid4().hex[:10]
        self.url = CLUSTER.create_database(self.database)

    def storage_config(self, text):
        return with_postgres_storage(text)

    def storage_env(self):
        return {"MT5BRIDGE_DATABASE_URL": self.url}

    def make_all_due(self):
        CLUSTER.psql(self.database, "UPDATE trading_accounts SET next_sync_at = NULL")

    def key_ids(self):
        return [r["key_id"] for r in CLUSTER.query(self.database, "SELECT key_id FROM account_integrations ORDER BY 1")]

    def storage_dump(self):
        dump = CLUSTER.dump(self.database)
        self.assertIn(b"COPY public.account_integrations", dump)
        places = [("pg_dump " + self.database, dump)]
        # Raw files too: the database's own directory, the WAL and the server log hold every value
        # ever written or logged, including rows since updated (a credential before its rotation).
        oid = CLUSTER.scalar(self.database, "SELECT oid FROM pg_database WHERE datname = current_database()")
        CLUSTER.psql(self.database, "CHECKPOINT")
        data = os.path.join(CLUSTER.dir, "data")
        paths = glob.glob(os.path.join(data, "base", str(oid), "*")) + glob.glob(os.path.join(data, "pg_wal", "0*"))
        paths.append(CLUSTER.log_path())
        for path in paths:
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    places.append((path, f.read()))
        return places


if __name__ == "__main__":
    unittest.main()
