"""The sync engine end to end (issue 6, "Proof"): the real binary, the mock broker replaying a
generated scenario (scenario_gen.py) and the SQLite file read directly afterwards.

Randomness (kill points, scenarios) comes from one seed, printed at start; rerun a failure with
MT5BRIDGE_SYNC_SEED=<seed>.
"""

import datetime
import os
import random
import sqlite3
import sys
import time
import unittest

import scenario_gen
from harness import RestartableHost, new_user, sync_config_text

SEED = int(os.environ.get("MT5BRIDGE_SYNC_SEED") or random.randrange(1, 1 << 31))
print("test_sync: seed %d (rerun with MT5BRIDGE_SYNC_SEED=%d)" % (SEED, SEED), file=sys.stderr)

BROKER_TIMEOUT_MS = 1000


def sync_yaml(enabled=False, schedule="*/5 * * * *", lease_ttl_s=2, **extra):
    lines = ["  enabled: %s" % ("true" if enabled else "false"), '  schedule: "%s"' % schedule,
             "  batch_size: 10", "  concurrency: 10", "  lease_ttl_s: %d" % lease_ttl_s,
             "  retry_backoff_ms: 50", "  initial_history_days: 90"]
    lines += ["  %s: %s" % (k, v) for k, v in extra.items()]
    return "\n".join(lines)


API_YAML = """  service_key_acts_on_any_account: true
  broker_timeout_ms: %d
  rate_limits:
    per_key_per_min: 0
    connect_per_min: 0""" % BROKER_TIMEOUT_MS


def parse_time(text):
    """Seconds since the epoch of a stored or reported ISO time (…Z or …+00:00), None for None."""
    if text is None:
        return None
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def wait_for(what, predicate, timeout_s, interval_s=0.1):
    deadline = time.time() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError("timed out after %ss waiting for %s" % (timeout_s, what))
        time.sleep(interval_s)


class SyncCase(unittest.TestCase):
    """Starts hosts on generated scenarios and reads what they stored."""

    def setUp(self):
        self.hosts = []
        self.rng = random.Random("%d/%s" % (SEED, self.id()))

    def tearDown(self):
        for host in self.hosts:
            host.kill()

    def make_host(self, scenario, name="scenario.json", sync=None, broker_yaml="default_timeout_ms: 1000"):
        text = sync_config_text(sync or sync_yaml(), API_YAML, broker_yaml=broker_yaml,
                                time_zones=scenario_gen.time_zones_yaml())
        host = RestartableHost(config_text=text)
        host.env["MT5BRIDGE_SCENARIO"] = scenario_gen.write(scenario, os.path.join(host.dir, name))
        self.hosts.append(host)
        return host

    def link_all(self, host, truths, users=None):
        """Links every account through the service key on behalf of `users` (round robin);
        returns {login: account_id}."""
        users = users or [new_user()]
        ids = {}
        for n, truth in enumerate(truths):
            body = {"user_id": users[n % len(users)], "login": truth.login, "password": truth.password,
                    "server": truth.server, "broker_name": "Synthetic Broker Ltd"}
            status, reply, _ = host.request("POST", "/api/mt5/accounts", body, host.auth())
            self.assertEqual(status, 201, reply)
            ids[truth.login] = reply["account_id"]
        return ids

    def start_cycle(self, host):
        status, body, _ = host.request("POST", "/api/mt5/sync/run", {}, host.auth())
        self.assertEqual(status, 202, body)
        self.assertEqual(body["status"], "processing")
        return body

    def cycle_done(self, host, count=1, timeout_s=30):
        """The `count`-th "sync cycle done" record of the host's current run, once it is logged."""
        records = wait_for("sync cycle done #%d" % count,
                           lambda: (lambda r: r if len(r) >= count else None)(host.log_records("sync cycle done")),
                           timeout_s)
        return records[count - 1]

    def accounts(self, host):
        status, body, _ = host.request("GET", "/api/mt5/accounts", headers=host.auth())
        self.assertEqual(status, 200, body)
        return {a["account_id"]: a for a in body["accounts"]}

    def db(self, host):
        conn = sqlite3.connect(host.db_path, timeout=30)
        self.addCleanup(conn.close)
        return conn

    def column(self, db, sql, *args):
        return sorted(row[0] for row in db.execute(sql, args))

    def assert_store_matches(self, db, ids, truths):
        """Every account holds exactly its ground truth, each row once."""
        for truth in truths:
            account_id = ids[truth.login]
            where = "login %d (account %s)" % (truth.login, account_id)
            self.assertEqual(self.column(db, "SELECT ticket FROM deals WHERE account_id = ?", account_id),
                             sorted(truth.deal_tickets), "deals of " + where)
            self.assertEqual(
                self.column(db, "SELECT ticket FROM account_transactions WHERE account_id = ?", account_id),
                sorted(truth.transaction_tickets), "transactions of " + where)
            self.assertEqual(
                self.column(db, "SELECT position_id FROM trades WHERE account_id = ? AND status = 'closed'",
                            account_id), sorted(truth.closed_position_ids), "closed trades of " + where)
            self.assertEqual(
                self.column(db, "SELECT ticket FROM trades WHERE account_id = ? AND status = 'open'", account_id),
                sorted(truth.open_position_tickets), "open positions of " + where)
            balance = db.execute("SELECT balance FROM trading_accounts WHERE id = ?", (account_id,)).fetchone()[0]
            self.assertAlmostEqual(balance, truth.balance, places=6, msg="balance of " + where)
        self.assert_no_duplicates(db)

    def assert_no_duplicates(self, db):
        for table, key in (("deals", "account_id, ticket"), ("account_transactions", "account_id, ticket"),
                           ("trades", "account_id, ticket"), ("trades", "account_id, position_id, segment"),
                           ("trading_accounts", "user_id, login, server")):
            dupes = db.execute("SELECT %s, count(*) FROM %s GROUP BY %s HAVING count(*) > 1"
                               % (key, table, key)).fetchall()
            self.assertEqual(dupes, [], "duplicate %s rows by (%s)" % (table, key))

    def data_rows(self, db, account_id):
        return {table: db.execute("SELECT count(*) FROM %s WHERE account_id = ?" % table, (account_id,)).fetchone()[0]
                for table in ("deals", "trades", "account_transactions")}

    def make_all_due(self, db):
        """Stands for the schedule's next tick: every account is due again (syncs set
        next_sync_at to the next tick, minutes away)."""
        with db:
            db.execute("UPDATE trading_accounts SET next_sync_at = NULL")


class CrashRecoveryTest(SyncCase):
    ACCOUNTS = 30
    KILLS = 10
    LEASE_TTL_S = 2  # sync_yaml's default

    def test_crash_recovery_leaves_every_deal_and_trade_exactly_once(self):
        # Call latency spreads each cycle over a few hundred ms, so kills land in every phase.
        knobs = {i: {"call_latency_ms": self.rng.randrange(5, 40), "login_latency_ms": self.rng.randrange(0, 40)}
                 for i in range(self.ACCOUNTS)}
        scenario, truths = scenario_gen.generate(self.ACCOUNTS, SEED, knobs=knobs)
        host = self.make_host(scenario)
        host.start()
        ids = self.link_all(host, truths, users=[new_user() for _ in range(4)])

        interrupted = 0
        for kill in range(self.KILLS):
            if kill:
                # Mostly wait out the dead host's leases so the next cycle has every account to
                # sync; sometimes restart at once, so live leases of a dead owner are skipped.
                if self.rng.random() < 0.75:
                    time.sleep(self.LEASE_TTL_S + 0.1)
                self.make_all_due(self.db(host))  # the host is dead: nothing else writes
                host.start()
            self.start_cycle(host)
            time.sleep(self.rng.uniform(0, 0.3))
            host.kill()
            interrupted += not any(r.get("message") == "sync cycle done" for r in host.log_records())
        print("test_sync: %d of %d SIGKILLs interrupted a cycle" % (interrupted, self.KILLS), file=sys.stderr)
        self.assertGreater(interrupted, 0, "no SIGKILL landed inside a cycle; the test proved nothing")

        time.sleep(self.LEASE_TTL_S + 0.5)  # the killed hosts' leases expire
        self.make_all_due(self.db(host))
        restarted_at = int(time.time())  # API times have second resolution
        host.start()
        self.start_cycle(host)
        report = self.cycle_done(host)
        self.assertEqual((report["accounts_ok"], report["accounts_failed"]), (str(self.ACCOUNTS), "0"), report)

        accounts = self.accounts(host)
        for login, account_id in ids.items():
            a = accounts[account_id]
            self.assertEqual(a["connection_status"], "active", a)
            self.assertGreaterEqual(parse_time(a["last_successful_sync_at"]), restarted_at, a)
        host.stop()
        self.assert_store_matches(self.db(host), ids, truths)


class FailureIsolationTest(SyncCase):
    HEALTHY, TIMEOUT, DISCONNECT, HANG, WRONG_PASSWORD = range(5)
    LAYOUT = [HEALTHY] * 7 + [TIMEOUT] * 2 + [DISCONNECT] * 2 + [HANG] * 2 + [WRONG_PASSWORD] * 3

    def test_failing_hanging_and_wrong_password_accounts_do_not_delay_the_others(self):
        # fail_after_calls 1: the link's test login (one account_info call) works, syncs fail.
        failing = {self.TIMEOUT: "timeout", self.DISCONNECT: "disconnect", self.HANG: "hang"}
        knobs = {i: {"fail_calls": failing[kind], "fail_after_calls": 1}
                 for i, kind in enumerate(self.LAYOUT) if kind in failing}
        scenario, truths = scenario_gen.generate(len(self.LAYOUT), SEED, closed_trades=4, knobs=knobs)
        host = self.make_host(scenario, sync=sync_yaml(lease_ttl_s=30))
        host.start()
        ids = self.link_all(host, truths)
        host.stop()

        # The users change these investor passwords after linking.
        changed = {t.login: t.password + "-changed" for t, kind in zip(truths, self.LAYOUT)
                   if kind == self.WRONG_PASSWORD}
        host.env["MT5BRIDGE_SCENARIO"] = scenario_gen.write(
            scenario_gen.with_passwords(scenario, changed), os.path.join(host.dir, "passwords-changed.json"))
        host.start()
        started = time.time()
        self.start_cycle(host)
        status, body, _ = host.request("POST", "/api/mt5/sync/run", {}, host.auth())
        self.assertEqual((status, body["error_code"]), (409, "SYNC_CYCLE_RUNNING"), body)
        report = self.cycle_done(host, timeout_s=20)

        by_kind = {kind: [ids[t.login] for t, k in zip(truths, self.LAYOUT) if k == kind] for kind in range(5)}
        failed = by_kind[self.TIMEOUT] + by_kind[self.DISCONNECT] + by_kind[self.HANG] + by_kind[self.WRONG_PASSWORD]
        self.assertEqual(report["accounts_ok"], str(len(by_kind[self.HEALTHY])), report)
        self.assertEqual(report["accounts_failed"], str(len(failed)), report)
        self.assertEqual(report["accounts_skipped"], "0", report)
        # Hangs end at the broker timeout, retried once: the cycle is bounded by about twice that.
        self.assertGreaterEqual(int(report["duration_ms"]), 2 * BROKER_TIMEOUT_MS, report)
        self.assertLess(int(report["duration_ms"]), 2 * BROKER_TIMEOUT_MS + 1500, report)

        db = self.db(host)
        for account_id in by_kind[self.HEALTHY]:
            (completed,) = db.execute("SELECT max(completed_at) FROM sync_logs WHERE account_id = ? AND "
                                      "status = 'success'", (account_id,)).fetchone()
            self.assertIsNotNone(completed, "healthy account %s was not synced" % account_id)
            self.assertLess(parse_time(completed) - started, BROKER_TIMEOUT_MS / 1000,
                            "a healthy account waited for the failing ones")

        accounts = self.accounts(host)
        for account_id in by_kind[self.HEALTHY]:
            a = accounts[account_id]
            self.assertEqual((a["connection_status"], a["sync_failure_count"], a["last_connection_error"]),
                             ("active", 0, None), a)
            self.assertIsNotNone(a["last_successful_sync_at"], a)
        expected_error = {self.TIMEOUT: "-10005", self.DISCONNECT: "-10004", self.HANG: "-10005"}
        for kind, code in expected_error.items():
            for account_id in by_kind[kind]:
                a = accounts[account_id]
                self.assertEqual((a["connection_status"], a["sync_failure_count"]), ("error", 1), a)
                self.assertIn(code, a["last_connection_error"] or "", a)
                self.assertIsNone(a["last_successful_sync_at"], a)
        for account_id in by_kind[self.WRONG_PASSWORD]:
            a = accounts[account_id]
            self.assertEqual((a["connection_status"], a["sync_failure_count"]), ("auth_failed", 1), a)
            self.assertIn("-6", a["last_connection_error"] or "", a)
            self.assertGreaterEqual(parse_time(a["next_sync_at"]), started + 5 * 60 - 2, a)
        for account_id in failed:
            self.assertEqual(self.data_rows(db, account_id), {"deals": 0, "trades": 0, "account_transactions": 0},
                             "failed account %s has data rows" % account_id)
            rows = db.execute("SELECT status, error_message FROM sync_logs WHERE account_id = ?",
                              (account_id,)).fetchall()
            self.assertEqual(len(rows), 1, rows)
            self.assertEqual(rows[0][0], "failed")
            self.assertTrue(rows[0][1])

        # An immediate second cycle does not try the refused logins again (brokers lock accounts).
        self.start_cycle(host)
        self.cycle_done(host, count=2, timeout_s=20)
        accounts = self.accounts(host)
        for account_id in by_kind[self.WRONG_PASSWORD]:
            self.assertEqual(accounts[account_id]["sync_failure_count"], 1, accounts[account_id])
            self.assertEqual(db.execute("SELECT count(*) FROM sync_logs WHERE account_id = ?",
                                        (account_id,)).fetchone()[0], 1)
        logs = host.all_logs()
        for t in truths:
            self.assertNotIn(t.password, logs)


class ManualSyncTest(SyncCase):
    def test_manual_sync_reports_progress_and_is_rate_limited(self):
        scenario, truths = scenario_gen.generate(2, SEED, closed_trades=5)
        host = self.make_host(scenario)
        host.start()
        owner, intruder = new_user(), new_user()
        ids = self.link_all(host, truths[:1], users=[owner])
        account_id = ids[truths[0].login]
        path = "/api/mt5/account/%s/sync" % account_id

        status, body, headers = host.request("POST", path, {"sync_type": "full", "sync_history": True,
                                                            "history_days": 90}, host.auth(owner))
        self.assertEqual(status, 202, body)
        self.assertEqual(body["status"], "processing")
        for key in ("sync_id", "started_at", "estimated_duration_seconds"):
            self.assertIn(key, body)
        sync_id = body["sync_id"]
        self.assertEqual(headers.get("location"), "/api/mt5/sync/" + sync_id)

        def finished():
            status, progress, _ = host.request("GET", "/api/mt5/sync/" + sync_id, headers=host.auth(owner))
            self.assertEqual(status, 200, progress)
            return progress if progress["status"] != "processing" else None
        progress = wait_for("the manual sync to finish", finished, 20)
        self.assertEqual(progress["status"], "success", progress)
        self.assertEqual(progress["sync_type"], "manual")
        self.assertEqual(progress["account_id"], account_id)
        self.assertEqual(progress["trades_synced"], len(truths[0].closed_position_ids), progress)
        self.assertEqual(progress["deals_synced"], len(truths[0].deal_tickets), progress)
        self.assertIsNotNone(progress["completed_at"])
        self.assertIsNone(progress["error"])
        self.assert_store_matches(self.db(host), ids, truths[:1])

        status, body, headers = host.request("POST", path, {"sync_type": "incremental"}, host.auth(owner))
        self.assertEqual((status, body["error_code"]), (429, "RATE_LIMITED"), body)
        self.assertGreater(body["retry_after"], 0)
        self.assertLessEqual(body["retry_after"], 60)
        self.assertEqual(headers.get("retry-after"), str(body["retry_after"]))

        status, body, _ = host.request("GET", "/api/mt5/sync/" + sync_id, headers=host.auth(intruder))
        self.assertEqual((status, body["error_code"]), (403, "FORBIDDEN"), body)
        status, body, _ = host.request("GET", "/api/mt5/sync/" + new_user(), headers=host.auth(owner))
        self.assertEqual((status, body["error_code"]), (404, "SYNC_NOT_FOUND"), body)
        status, body, _ = host.request("POST", path, {"sync_type": "everything"}, host.auth(owner))
        self.assertEqual((status, body["error_code"]), (400, "INVALID_INPUT"), body)


class ManualSyncConflictTest(SyncCase):
    """Manual syncs of an account a cycle holds (call latency keeps its sync ~2 s long)."""

    def start_slow_cycle(self):
        scenario, truths = scenario_gen.generate(1, SEED, closed_trades=2, open_positions=1,
                                                 knobs={0: {"call_latency_ms": 300}})
        host = self.make_host(scenario, sync=sync_yaml(lease_ttl_s=30))
        host.start()
        owner = new_user()
        account_id = self.link_all(host, truths, users=[owner])[truths[0].login]
        self.start_cycle(host)
        wait_for("the cycle to lease the account", lambda: self.db(host).execute(
            "SELECT lease_owner FROM trading_accounts WHERE id = ?", (account_id,)).fetchone()[0], 5, 0.02)
        return host, owner, "/api/mt5/account/%s/sync" % account_id

    def test_manual_sync_of_an_account_a_cycle_is_syncing_conflicts(self):
        host, owner, path = self.start_slow_cycle()
        status, body, _ = host.request("POST", path, {"sync_type": "incremental"}, host.auth(owner))
        self.assertEqual((status, body["error_code"]), (409, "SYNC_IN_PROGRESS"), body)
        self.assertEqual(self.cycle_done(host)["accounts_ok"], "1")

    def test_a_refused_manual_sync_does_not_use_up_the_accounts_minute(self):
        # Regression (was a host bug): SyncRoutes::manual_sync takes the per-account rate-limit token before
        # SyncEngine::start_manual refuses with CONFLICT (409 SYNC_IN_PROGRESS), so the user's
        # retry after the running sync ends gets 429 for a minute although no manual sync ran.
        host, owner, path = self.start_slow_cycle()
        self.assertEqual(host.request("POST", path, {}, host.auth(owner))[0], 409)
        self.cycle_done(host)
        status, body, _ = host.request("POST", path, {}, host.auth(owner))
        self.assertEqual(status, 202, body)

    def test_a_manual_sync_cut_short_by_a_crash_does_not_stay_processing(self):
        # Regression (was a host bug): a manual sync's "processing" sync_logs row (SyncEngine::start_manual) is only
        # ever finished by that process; after a SIGKILL, GET /api/mt5/sync/{id} answers
        # "processing" forever, even once the account's lease expired and it synced again.
        scenario, truths = scenario_gen.generate(1, SEED, closed_trades=2, open_positions=1,
                                                 knobs={0: {"call_latency_ms": 300}})
        host = self.make_host(scenario, sync=sync_yaml(lease_ttl_s=3))  # more than one sync takes
        host.start()
        owner = new_user()
        account_id = self.link_all(host, truths, users=[owner])[truths[0].login]
        status, body, _ = host.request("POST", "/api/mt5/account/%s/sync" % account_id, {}, host.auth(owner))
        self.assertEqual(status, 202, body)
        time.sleep(0.3)
        host.kill()
        time.sleep(3.3)  # the dead host's lease expires
        host.start()
        self.start_cycle(host)
        self.assertEqual(self.cycle_done(host, timeout_s=20)["accounts_ok"], "1")
        status, progress, _ = host.request("GET", "/api/mt5/sync/" + body["sync_id"], headers=host.auth(owner))
        self.assertEqual(status, 200, progress)
        self.assertNotEqual(progress["status"], "processing", progress)


class LeaseTest(SyncCase):
    def test_a_sync_longer_than_the_lease_ttl_is_still_stored(self):
        # Regression (was a host bug): nothing renews a lease while its sync runs (SyncEngine::run_cycle,
        # AccountSyncer::sync). A sync that outlasts sync.lease_ttl_s has its apply refused with
        # CONFLICT, and write_failure's apply is refused the same way, so the account is never
        # synced, gets no sync_logs row and keeps connection_status 'active': the cycle counts
        # it failed, only a log line says why, and every later cycle repeats it.
        scenario, truths = scenario_gen.generate(1, SEED, closed_trades=2, open_positions=1,
                                                 knobs={0: {"call_latency_ms": 400}})  # ~1.6 s
        host = self.make_host(scenario, sync=sync_yaml(lease_ttl_s=1))
        host.start()
        ids = self.link_all(host, truths)
        self.start_cycle(host)
        report = self.cycle_done(host, timeout_s=20)
        self.assertEqual((report["accounts_ok"], report["accounts_failed"]), ("1", "0"), report)
        self.assert_store_matches(self.db(host), ids, truths)


class IncrementalSyncTest(SyncCase):
    def test_incremental_sync_inserts_nothing_new_when_nothing_changed(self):
        scenario, truths = scenario_gen.generate(6, SEED)
        host = self.make_host(scenario)
        host.start()
        ids = self.link_all(host, truths)
        self.start_cycle(host)
        first = self.cycle_done(host)
        self.assertEqual(first["accounts_ok"], "6", first)
        self.assertEqual(first["deals_inserted"], str(sum(len(t.deal_tickets) for t in truths)), first)
        self.assertEqual(first["trades_inserted"], str(sum(len(t.closed_position_ids) for t in truths)), first)
        db = self.db(host)
        counts = {table: db.execute("SELECT count(*) FROM " + table).fetchone()[0]
                  for table in ("deals", "trades", "account_transactions")}

        self.make_all_due(db)
        self.start_cycle(host)
        second = self.cycle_done(host, count=2)
        self.assertEqual((second["accounts_ok"], second["deals_inserted"], second["trades_inserted"]),
                         ("6", "0", "0"), second)
        self.assertEqual(counts, {table: db.execute("SELECT count(*) FROM " + table).fetchone()[0]
                                  for table in counts})
        # The second pass did re-read the overlap window (each account's last trade is recent).
        for account_id in ids.values():
            (deals_seen,) = db.execute("SELECT deals_synced FROM sync_logs WHERE account_id = ? "
                                       "ORDER BY started_at DESC LIMIT 1", (account_id,)).fetchone()
            self.assertGreater(deals_seen, 0)
        self.assert_store_matches(db, ids, truths)

    def test_the_cycle_id_from_sync_run_names_the_logged_cycle(self):
        # Regression (was a host bug): SyncEngine::trigger_cycle answers with a fresh uuid, but run_cycle makes
        # another one for its report and logs, so the id the API returns is found nowhere.
        scenario, truths = scenario_gen.generate(1, SEED)
        host = self.make_host(scenario)
        host.start()
        self.link_all(host, truths)
        started = self.start_cycle(host)
        self.assertEqual(self.cycle_done(host)["cycle_id"], started["cycle_id"])


class SchedulerTest(SyncCase):
    def test_scheduled_cycle_runs_by_itself(self):
        scenario, truths = scenario_gen.generate(2, SEED, closed_trades=3)
        host = self.make_host(scenario, sync=sync_yaml(enabled=True, schedule="* * * * *"))
        if time.time() % 60 > 55:  # link both accounts before the same tick
            time.sleep(61 - time.time() % 60)
        host.start()
        ids = self.link_all(host, truths)
        self.assertTrue(host.log_records("sync scheduler started"))

        def all_synced():
            accounts = self.accounts(host)
            return all(accounts[i]["last_successful_sync_at"] for i in ids.values())
        wait_for("the scheduler's first cycle", all_synced, 65, interval_s=1)
        report = self.cycle_done(host, timeout_s=5)
        self.assertEqual(report["trigger"], "scheduled")
        self.assertEqual(report["accounts_ok"], "2", report)
        self.assert_store_matches(self.db(host), ids, truths)


if __name__ == "__main__":
    unittest.main()
