"""Capabilities the host can see (issue 10, item 1): a storage plugin built with the SDK that
offers no sync capability loads, and the host runs without the sync engine, saying why by the
capability's name and its slots, instead of starting the engine and failing every cycle.

The plugin is the fixture tests/unit/fixtures/storage_without_sync_plugin.cpp (accounts in
memory, only the ABI 1.0 slots), found in MT5BRIDGE_FIXTURE_PLUGIN_DIR."""

import os
import re
import unittest

from harness import API_KEY, SOURCE_DIR, Host, load_scenario, healthy_demo_account, new_user

FIXTURE_DIR = os.environ.get("MT5BRIDGE_FIXTURE_PLUGIN_DIR", "")
SYNC_SLOTS = ("on_lease_due", "on_lease_release", "on_sync_apply", "on_sync_log_put", "on_sync_log_get")


def config_without_sync_storage():
    """config/default.yaml with its storage replaced by the fixture library."""
    with open(os.path.join(SOURCE_DIR, "config", "default.yaml")) as f:
        text = f.read()
    library = os.path.join(FIXTURE_DIR, "storage-without-sync.so")
    text, count = re.subn(r"(?m)^  storage:\n(?:    .*\n)+",
                          "  storage:\n    plugin: storage-without-sync\n    library: %s\n" % library, text)
    assert count == 1, "config/default.yaml has no pipeline.storage block any more"
    return text


class StorageWithoutSyncCapability(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        library = os.path.join(FIXTURE_DIR, "storage-without-sync.so")
        assert os.path.exists(library), "the fixture plugin %s is not built (tests/CMakeLists.txt)" % library
        cls.host = Host(config_text=config_without_sync_storage()).start()

    @classmethod
    def tearDownClass(cls):
        cls.host.stop()

    def sync_off_lines(self):
        return [line for line in self.host.logs().splitlines() if "the sync engine is off" in line]

    def test_the_host_starts_without_the_sync_engine_and_names_the_capability(self):
        lines = self.sync_off_lines()
        self.assertEqual(len(lines), 1, "expected one start-up line saying the sync engine is off:\n"
                         + self.host.logs())
        self.assertIn("storage-without-sync", lines[0])
        self.assertIn("sync capability", lines[0])
        for slot in SYNC_SLOTS:
            self.assertIn(slot, lines[0])

    def test_a_sync_request_is_refused_with_the_reason(self):
        status, body, _ = self.host.request("POST", "/api/mt5/sync/run", {}, {"X-API-Key": API_KEY})
        self.assertEqual(status, 501, body)
        self.assertEqual(body["error_code"], "SYNC_UNAVAILABLE")
        self.assertIn("sync capability", body["error_message"])
        self.assertIn("on_lease_due", body["error_message"])

    def test_the_required_slots_still_serve_accounts(self):
        account = healthy_demo_account(load_scenario())
        user = new_user()
        body = {"login": account["login"], "password": account["password"], "server": account["server"],
                "broker_name": "Demo Broker Ltd"}
        status, answer, _ = self.host.request("POST", "/api/mt5/accounts", body, self.host.auth(user))
        self.assertEqual(status, 201, answer)
        status, listed, _ = self.host.request("GET", "/api/mt5/accounts", None, self.host.auth(user))
        self.assertEqual(status, 200, listed)
        self.assertIn(answer["account_id"], str(listed))


if __name__ == "__main__":
    unittest.main()
