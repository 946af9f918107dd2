"""The command line an operator uses: --help on every command, --config from the flag or
$MT5BRIDGE_CONFIG, `migrate status` and --dry-run, rotate-keys progress and --dry-run, and
secrets read from files (`${file:/path}`, systemd's `${credential:name}`)."""

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

from harness import (API_KEY, BIN, ENCRYPTION_KEY, PLUGIN_DIR, SOURCE_DIR, Host, healthy_demo_account,
                     load_scenario, new_user)

DEFAULT_CONFIG = os.path.join(SOURCE_DIR, "config", "default.yaml")
COMMANDS = (["serve"], ["check-config"], ["plugins"], ["migrate"], ["migrate", "status"], ["migrate", "down"],
            ["rotate-keys"])


class OperatorCliTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mt5b-cli-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.env = dict(os.environ, MT5BRIDGE_PLUGIN_DIR=PLUGIN_DIR, MT5BRIDGE_DB=os.path.join(self.dir, "m.db"),
                        ENCRYPTION_KEY=ENCRYPTION_KEY, MT5_SERVICE_API_KEY=API_KEY)
        self.env.pop("MT5BRIDGE_CONFIG", None)

    def run_bin(self, *args, env=None):
        return subprocess.run([BIN, *args], cwd=SOURCE_DIR, env=env or self.env, capture_output=True, text=True,
                              timeout=120)

    def test_every_command_answers_help_with_exit_0(self):
        top = self.run_bin("--help")
        self.assertEqual(top.returncode, 0, top.stderr)
        for command in ("serve", "check-config", "plugins", "migrate", "rotate-keys"):
            self.assertIn(command, top.stdout)
        for command in COMMANDS:
            out = self.run_bin(*command, "--help")
            self.assertEqual(out.returncode, 0, (command, out.stderr))
            self.assertIn("--help", out.stdout, command)
            if command[0] not in ("plugins",):
                self.assertIn("--config", out.stdout + self.run_bin(command[0], "--help").stdout, command)

    def test_usage_mistakes_exit_64_and_say_what_is_wrong(self):
        for args in ([], ["frobnicate"], ["migrate", "--to", "x"], ["serve", "--bogus"],
                     ["migrate", "--config", DEFAULT_CONFIG, "--to", "1", "down"]):
            out = self.run_bin(*args)
            self.assertEqual(out.returncode, 64, (args, out.stdout, out.stderr))
            self.assertTrue(out.stderr.strip(), args)
        out = self.run_bin("migrate", "status")
        self.assertEqual(out.returncode, 64)
        self.assertIn("MT5BRIDGE_CONFIG", out.stderr, "a missing config names both ways to give one")

    def test_config_comes_from_the_flag_or_the_environment(self):
        by_flag = self.run_bin("migrate", "--config", DEFAULT_CONFIG, "status")
        by_env = self.run_bin("migrate", "status", env=dict(self.env, MT5BRIDGE_CONFIG=DEFAULT_CONFIG))
        self.assertEqual(by_flag.returncode, 0, by_flag.stderr)
        self.assertEqual(by_env.returncode, 0, by_env.stderr)
        self.assertEqual(by_flag.stdout, by_env.stdout)
        check = self.run_bin("check-config", env=dict(self.env, MT5BRIDGE_CONFIG=DEFAULT_CONFIG))
        self.assertEqual(check.returncode, 0, check.stderr)
        self.assertIn("OK", check.stdout)

    def version(self, out):
        self.assertEqual(out.returncode, 0, out.stderr)
        return int(re.search(r"at version (\d+)", out.stdout).group(1))

    def test_migrate_status_and_dry_run_change_nothing(self):
        migrate = lambda *extra: self.run_bin("migrate", "--config", DEFAULT_CONFIG, *extra)
        self.assertEqual(self.version(migrate("status")), 0, "a new database is at version 0")
        dry = migrate("--dry-run")
        self.assertEqual(dry.returncode, 0, dry.stderr)
        self.assertIn("dry run", dry.stdout)
        self.assertIn("nothing was changed", dry.stdout)
        self.assertEqual(self.version(migrate("status")), 0, "--dry-run migrated")
        latest = self.version(migrate())
        self.assertGreaterEqual(latest, 2)
        self.assertIn("version %d" % (latest - 1), migrate("down", "--dry-run").stdout)
        self.assertEqual(self.version(migrate("status")), latest)
        self.assertEqual(self.version(migrate("--to", "1")), 1)
        self.assertEqual(self.version(migrate("status")), 1)

    def test_rotate_keys_dry_run_counts_without_writing_and_the_rotation_reports_progress(self):
        key1 = "      - id: k1\n        key: \"%s\"" % ENCRYPTION_KEY
        key2 = "      - id: k2\n        key: \"%s\"" % "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
        with open(DEFAULT_CONFIG) as f:
            text = f.read()
        crypto = re.search(r"(?m)^crypto:\n(?:[ \t].*\n)*", text)
        config = os.path.join(self.dir, "rotate.yaml")

        def write(keys, active):
            with open(config, "w") as f:
                f.write(text[:crypto.start()] + "crypto:\n  keys:\n" + "\n".join(keys) + "\n  active_key: %s\n" % active
                        + text[crypto.end():])

        write([key1], "k1")
        with open(config) as f:
            host = Host(config_text=f.read())
        host.env.update(self.env)
        host.env["MT5BRIDGE_DB"] = self.env["MT5BRIDGE_DB"]
        host.start()
        account = healthy_demo_account(load_scenario())
        for _ in range(3):
            body = {"user_id": new_user(), "login": account["login"], "password": account["password"],
                    "server": account["server"], "broker_name": "Demo Broker Ltd"}
            status, reply, _ = host.request("POST", "/api/mt5/accounts", body, host.auth())
            self.assertEqual(status, 201, reply)
        host.stop()

        write([key1, key2], "k2")
        key_ids = lambda: sorted(r[0] for r in sqlite3.connect(self.env["MT5BRIDGE_DB"]).execute(
            "SELECT key_id FROM account_integrations"))
        dry = self.run_bin("rotate-keys", "--config", config, "--dry-run")
        self.assertEqual(dry.returncode, 0, dry.stderr)
        self.assertIn("would re-seal 3 credential(s) under key k2", dry.stdout)
        self.assertEqual(key_ids(), ["k1"] * 3, "--dry-run wrote")
        real = self.run_bin("rotate-keys", "--config", config)
        self.assertEqual(real.returncode, 0, real.stderr)
        self.assertIn("re-sealed 3 credential(s) under key k2", real.stdout)
        self.assertIn("rotate-keys: 3/3 credentials (100%)", real.stderr)
        self.assertEqual(key_ids(), ["k2"] * 3)

    def test_secrets_come_from_files_and_systemd_credentials(self):
        key_file = os.path.join(self.dir, "api_key")
        with open(key_file, "w") as f:
            f.write("file-held-service-key-0123456789abcdef\n")
        credentials = os.path.join(self.dir, "credentials")
        os.mkdir(credentials)
        with open(os.path.join(credentials, "encryption_key"), "w") as f:
            f.write(ENCRYPTION_KEY)
        with open(DEFAULT_CONFIG) as f:
            text = f.read()
        text = text.replace('"${MT5_SERVICE_API_KEY:-dev-service-key-change-me-0123456789}"',
                            '"${file:%s}"' % key_file)
        text = re.sub(r'key: "\$\{ENCRYPTION_KEY[^"]*"', 'key: "${credential:encryption_key}"', text, count=1)
        self.assertIn("${credential:encryption_key}", text)
        host = Host(config_text=text, extra_env={"CREDENTIALS_DIRECTORY": credentials})
        host.start()
        try:
            status, _, _ = host.request("GET", "/api/mt5/accounts", headers={"X-API-Key": API_KEY})
            self.assertEqual(status, 401, "the environment's key no longer opens the API")
            status, body, _ = host.request("GET", "/api/mt5/accounts",
                                           headers={"X-API-Key": "file-held-service-key-0123456789abcdef"})
            self.assertEqual(status, 200, body)
        finally:
            host.stop()
        self.assertNotIn("file-held-service-key", host.logs(), "a secret read from a file is redacted")
        missing = self.run_bin("check-config", host.config_path)
        self.assertEqual(missing.returncode, 1)
        self.assertIn("CREDENTIALS_DIRECTORY", missing.stderr)


class ServiceManagerTest(unittest.TestCase):
    """What systemd sees: sd_notify states on $NOTIFY_SOCKET, and SIGHUP reloading the log
    settings from the file (or refusing a broken file and keeping what runs)."""

    def test_notify_reload_and_stop(self):
        import signal
        import socket
        import time
        from harness import json_log_records, replace_top_level_block
        directory = tempfile.mkdtemp(prefix="mt5b-notify-")
        self.addCleanup(shutil.rmtree, directory, True)
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(os.path.join(directory, "notify"))
        notify.settimeout(20)
        with open(DEFAULT_CONFIG) as f:
            text = f.read()
        service = lambda level: '  log_level: %s\n  log_format: json\n' % level
        host = Host(config_text=replace_top_level_block(text, "service", service("info")),
                    extra_env={"NOTIFY_SOCKET": os.path.join(directory, "notify")})
        host.start()
        self.addCleanup(host.stop)
        self.assertEqual(notify.recv(4096), b"READY=1")

        def reload(new_text):
            with open(host.config_path, "w") as f:
                f.write(new_text)
            host.proc.send_signal(signal.SIGHUP)
            self.assertEqual(notify.recv(4096), b"RELOADING=1")
            self.assertEqual(notify.recv(4096), b"READY=1")

        reload(replace_top_level_block(text, "service", service("warn")))
        self.assertEqual(host.request("GET", "/livez", headers={"X-Request-ID": "after-warn"})[0], 200)
        reload(replace_top_level_block(text, "service", service("loud")))
        self.assertEqual(host.request("GET", "/livez")[0], 200, "a refused reload keeps the host serving")
        reload(replace_top_level_block(text, "service", service("info")))
        self.assertEqual(host.request("GET", "/livez", headers={"X-Request-ID": "after-info"})[0], 200)
        host.proc.send_signal(signal.SIGTERM)
        self.assertEqual(notify.recv(4096), b"STOPPING=1")
        self.assertEqual(host.proc.wait(timeout=20), 0)
        records = json_log_records(host.logs())
        messages = [r["message"] for r in records]
        self.assertIn("configuration reloaded", messages)
        refused = [r for r in records if r["message"] == "configuration reload refused; the running configuration stays"]
        self.assertEqual(len(refused), 1)
        self.assertIn("unknown log level 'loud'", refused[0]["problems"])
        ids = [r.get("request_id") for r in records if r["message"] == "request"]
        self.assertNotIn("after-warn", ids, "at warn the access line (info) is off")
        self.assertIn("after-info", ids, "back at info once reloaded, though the refused file said loud")


if __name__ == "__main__":
    unittest.main()
