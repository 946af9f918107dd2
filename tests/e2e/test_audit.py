"""The audit stream of the real host (seed story 7.2): its own file with one JSON object per
event, for authentication successes and failures (with the burst), credential decryptions and
their purpose, account link and delete, GDPR export and erase, and configuration reloads, and
never a secret."""

import glob
import json
import os
import shutil
import signal
import tempfile
import time
import unittest

from harness import (API_KEY, SOURCE_DIR, ENCRYPTION_KEY, JWT_SECRET, Host,
                     healthy_demo_account, load_scenario, make_jwt, new_user, replace_top_level_block, wait_until)


class AuditStreamTest(unittest.TestCase):
    def test_every_audited_event_lands_in_the_audit_file_and_no_secret_does(self):
        directory = tempfile.mkdtemp(prefix="mt5b-audit-")
        self.addCleanup(shutil.rmtree, directory, True)
        with open(os.path.join(SOURCE_DIR, "config", "default.yaml")) as f:
            text = f.read()
        service = '  log_level: debug\n  audit_log: "%s"\n  audit_retention_days: 30\n' % os.path.join(directory, "audit.log")
        host = Host(config_text=replace_top_level_block(text, "service", service))
        host.start()
        self.addCleanup(host.stop)
        account = healthy_demo_account(load_scenario())
        user = new_user()
        wrong_key = "wrong-key-%s" % new_user()

        body = {"login": account["login"], "password": account["password"], "server": account["server"],
                "broker_name": "Demo Broker Ltd"}
        status, reply, _ = host.request("POST", "/api/mt5/accounts", body, host.auth(user))
        self.assertEqual(status, 201, reply)
        account_id = reply["account_id"]
        status, reply, _ = host.request("GET", "/api/mt5/account/%s/info" % account_id, headers=host.auth(user))
        self.assertEqual(status, 200, reply)
        status, _, _ = host.request("POST", "/api/mt5/sync/run", {}, host.auth())
        self.assertEqual(status, 202)
        for _ in range(5):
            self.assertEqual(host.request("GET", "/api/mt5/accounts", headers={"X-API-Key": wrong_key})[0], 401)
        self.assertEqual(host.request("GET", "/api/mt5/users/%s/export?format=json" % user,
                                      headers=host.auth(user))[0], 200)
        wait_until("the sync decrypted the credential",
                   lambda: '"purpose":"sync"' in "".join(open(p).read() for p in glob.glob(os.path.join(directory, "audit_*.log"))), 30)
        self.assertEqual(host.request("DELETE", "/api/mt5/accounts/%s" % account_id, headers=host.auth(user))[0], 200)
        second = new_user()
        self.assertEqual(host.request("POST", "/api/mt5/accounts", body, host.auth(second))[0], 201)
        self.assertEqual(host.request("DELETE", "/api/mt5/users/%s/data" % second, headers=host.auth(second))[0], 200)
        host.proc.send_signal(signal.SIGHUP)
        wait_until("the reload is audited",
                   lambda: "config.reload" in "".join(open(p).read() for p in glob.glob(os.path.join(directory, "audit_*.log"))), 10)
        host.stop()

        files = glob.glob(os.path.join(directory, "audit_*.log"))
        self.assertEqual(len(files), 1, "one dated file per day: %s" % files)
        with open(files[0]) as f:
            raw = f.read()
        events = [json.loads(line) for line in raw.splitlines()]
        by = lambda name: [e for e in events if e["event"] == name]
        self.assertEqual([e["account_id"] for e in by("account.link")][0], account_id)
        self.assertEqual(by("account.link")[0]["user_id"], user)
        purposes = {e["purpose"] for e in by("credential.decrypt") if e["account_id"] == account_id}
        self.assertTrue({"broker_read", "sync"} <= purposes, purposes)
        self.assertEqual(len(by("auth.failure")), 5)
        self.assertEqual({e["client_ip"] for e in by("auth.failure")}, {"127.0.0.1"})
        self.assertEqual(len(by("auth.failure_burst")), 1)
        principals = {e["principal"] for e in by("auth.success")}
        self.assertTrue(any(p.startswith("service:key-") and p.endswith(" user:" + user) for p in principals),
                        principals)
        self.assertEqual(by("gdpr.export")[0]["user_id"], user)
        self.assertEqual(by("account.delete")[0]["account_id"], account_id)
        self.assertEqual((by("gdpr.erase")[0]["user_id"], by("gdpr.erase")[0]["accounts"]), (second, "1"))
        self.assertEqual(by("config.reload")[0]["outcome"], "applied")
        for e in events:
            self.assertRegex(e["timestamp"], r"^\d{4}-\d\d-\d\dT")
        for secret in (API_KEY, JWT_SECRET, ENCRYPTION_KEY, account["password"], wrong_key,
                       make_jwt(user).split(".")[2]):
            self.assertNotIn(secret, raw)
        self.assertNotIn('"message":"audit"', host.logs(), "with a file, audit lines stay out of the main log")


if __name__ == "__main__":
    unittest.main()
