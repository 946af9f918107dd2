"""/metrics of the real binary against Prometheus's own checker, and the shipped alert rules.

`promtool check metrics` must report nothing on a freshly started host (every family present
from the start, with # HELP and # TYPE) and after traffic (auth failures, a linked account, a sync
cycle); `promtool test rules` runs packaging/prometheus/alerts_test.yml.
"""

import os
import shutil
import subprocess
import time
import unittest

from harness import SOURCE_DIR, Host, healthy_demo_account, load_scenario, new_user, wait_until

PROMTOOL = shutil.which("promtool")
PROMETHEUS_DIR = os.path.join(SOURCE_DIR, "packaging", "prometheus")


def parse(text):
    """({family: type}, {(name, frozenset(labels)): value}, {family: help}) of Prometheus text."""
    import re
    types, helps, samples = {}, {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
        elif line.startswith("# HELP "):
            _, _, name, text_ = line.split(" ", 3)
            helps[name] = text_
        elif line and not line.startswith("#"):
            m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$', line)
            assert m, "not Prometheus text: %r" % line
            labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
            samples[(m.group(1), labels)] = float(m.group(3))
    return types, samples, helps


def value(samples, name, **labels):
    want = set(labels.items())
    found = [v for (n, l), v in samples.items() if n == name and want <= l]
    assert found, "no series %s%s" % (name, labels)
    return sum(found)


class PromtoolTestCase(unittest.TestCase):
    def setUp(self):
        self.assertIsNotNone(PROMTOOL, "promtool is missing: packaging/install-deps.sh --test installs it")
        self.host = Host().start()
        self.addCleanup(self.host.stop)

    def scrape(self):
        status, text, headers = self.host.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain; version=0.0.4"))
        return text

    def assert_promtool_clean(self, text):
        run = subprocess.run([PROMTOOL, "check", "metrics"], input=text.encode(), capture_output=True,
                             timeout=60)
        findings = (run.stdout + run.stderr).decode()
        self.assertEqual((run.returncode, findings), (0, ""), "promtool findings on:\n" + text)

    def test_a_fresh_host_lists_every_family_with_help_and_passes_promtool(self):
        text = self.scrape()
        self.assert_promtool_clean(text)
        types, samples, helps = parse(text)
        self.assertEqual(set(types), set(helps), "every family has # HELP and # TYPE")
        for family in ("mt5bridge_http_requests_total", "mt5bridge_broker_errors_total",
                       "mt5bridge_sync_cycle_seconds", "mt5bridge_mt5_gateway_call_duration_seconds"):
            self.assertIn(family, types)
        # Series present before their first event.
        self.assertEqual(value(samples, "mt5bridge_build_info", version="0.1.0"), 1)
        self.assertEqual(value(samples, "mt5bridge_sync_accounts_total", outcome="failed"), 0)
        self.assertEqual(value(samples, "mt5bridge_auth_failure_bursts_total", by="ip"), 0)
        self.assertEqual(value(samples, "mt5bridge_sync_cycle_seconds_count"), 0)
        for status in ("active", "error", "auth_failed", "disabled"):
            self.assertEqual(value(samples, "mt5bridge_accounts", connection_status=status), 0)
        self.assertEqual(value(samples, "mt5bridge_storage_up"), 1)
        # Base units and the standard process families.
        self.assertNotIn("megabytes", text)
        self.assertGreater(value(samples, "process_resident_memory_bytes"), 1 << 20)
        self.assertGreater(value(samples, "process_open_fds"), 2)
        self.assertGreater(value(samples, "process_max_fds"), value(samples, "process_open_fds"))
        start = value(samples, "process_start_time_seconds")
        self.assertLess(abs(start - time.time()), 120, "the start time is a Unix time of now")
        self.assertGreaterEqual(value(samples, "process_cpu_seconds_total"), 0)
        self.assertEqual(value(samples, "mt5bridge_sync_last_success_timestamp_seconds"), start,
                         "before the first cycle the last success counts from the start")
        # Sync cycles get buckets up to ten minutes; requests keep millisecond ones.
        self.assertIn('mt5bridge_sync_cycle_seconds_bucket{le="600"} 0', text)
        self.assertNotIn('mt5bridge_sync_cycle_seconds_bucket{le="0.001"}', text)

    def test_after_traffic_metrics_stay_clean_and_count_what_happened(self):
        for _ in range(5):
            status, _, _ = self.host.request("GET", "/api/mt5/accounts", headers={"X-API-Key": "wrong-key"})
            self.assertEqual(status, 401)
        account = healthy_demo_account(load_scenario())
        body = {"user_id": new_user(), "login": account["login"], "password": account["password"],
                "server": account["server"], "broker_name": "Demo Broker Ltd"}
        status, reply, _ = self.host.request("POST", "/api/mt5/accounts", body, self.host.auth())
        self.assertEqual(status, 201, reply)
        before = time.time()
        status, reply, _ = self.host.request("POST", "/api/mt5/sync/run", {}, self.host.auth())
        self.assertEqual(status, 202, reply)
        wait_until("the sync cycle is counted",
                   lambda: value(parse(self.scrape())[1], "mt5bridge_sync_cycles_total", trigger="api") == 1, 30)

        text = self.scrape()
        self.assert_promtool_clean(text)
        _, samples, _ = parse(text)
        self.assertEqual(value(samples, "mt5bridge_auth_failures_total", code="AUTHENTICATION_FAILED"), 5)
        self.assertEqual(value(samples, "mt5bridge_auth_failure_bursts_total", by="ip"), 1,
                         "five failures from one IP within five minutes are one burst")
        self.assertEqual(value(samples, "mt5bridge_auth_failure_bursts_total", by="key"), 1)
        self.assertEqual(value(samples, "mt5bridge_accounts", connection_status="active"), 1)
        self.assertEqual(value(samples, "mt5bridge_sync_accounts_total", outcome="success"), 1)
        self.assertEqual(value(samples, "mt5bridge_sync_cycle_seconds_count"), 1)
        self.assertGreaterEqual(value(samples, "mt5bridge_sync_last_success_timestamp_seconds"), int(before) - 1)
        self.assertEqual(value(samples, "mt5bridge_connect_test_seconds_count"), 1)


    def test_dashboard_and_alerts_use_only_families_the_host_reports(self):
        import json
        import re
        types = parse(self.scrape())[0]
        known = set(types) | {"up"}
        for name in list(types):
            if types[name] == "histogram":
                known |= {name + "_bucket", name + "_sum", name + "_count"}
        with open(os.path.join(SOURCE_DIR, "packaging", "grafana", "mt5bridge.json")) as f:
            dashboard = json.load(f)
        exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
        with open(os.path.join(PROMETHEUS_DIR, "alerts.yml")) as f:
            exprs.append(f.read())
        for expr in exprs:
            for name in re.findall(r"\b((?:mt5bridge|process)_[a-z0-9_]+)\b", expr):
                self.assertIn(name, known, "unknown metric in: " + expr[:200])
        # Every panel's query is valid PromQL: promtool checks them as recording rules.
        rules = {"groups": [{"name": "dashboard", "rules": [
            {"record": "dashboard:panel_%d" % i,
             "expr": e.replace("$job", "mt5bridge").replace("$instance", ".*")} for i, e in enumerate(exprs[:-1])]}]}
        path = os.path.join(self.host.dir, "dashboard_rules.yml")
        with open(path, "w") as f:
            json.dump(rules, f)  # JSON is YAML
        run = subprocess.run([PROMTOOL, "check", "rules", path], capture_output=True, timeout=60)
        self.assertEqual(run.returncode, 0, (run.stdout + run.stderr).decode())


class AlertRulesTest(unittest.TestCase):
    def test_rules_are_valid_and_their_unit_tests_pass(self):
        self.assertIsNotNone(PROMTOOL, "promtool is missing: packaging/install-deps.sh --test installs it")
        for args in (["check", "rules", "alerts.yml"], ["test", "rules", "alerts_test.yml"]):
            run = subprocess.run([PROMTOOL] + args, cwd=PROMETHEUS_DIR, capture_output=True, timeout=120)
            self.assertEqual(run.returncode, 0, (run.stdout + run.stderr).decode())


if __name__ == "__main__":
    unittest.main()
