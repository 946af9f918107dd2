"""The real binary on storage-postgres (issues 5 and 6): two hosts sharing one database sync every
account exactly once per round; the REST slice and GDPR work on PostgreSQL; a database restart
under a running host gives clean 503s and then service again without restarting the host.

setUpModule starts a throwaway PostgreSQL 15 (tests/pg/pg_ctl.sh) and a module cleanup destroys
it whatever happens (its watchdog does too if this process is killed). Each test gets its own
database copied from the cluster's template. Randomness comes from one seed, printed at start;
rerun a failure with MT5BRIDGE_SYNC_SEED=<seed>.
"""

import os
import random
import sys
import threading
import time
import unittest
import uuid

import scenario_gen
from harness import (PgCluster, RestartableHost, new_user, sync_config_text, wait_until,
                     with_postgres_storage)

SEED = int(os.environ.get("MT5BRIDGE_SYNC_SEED") or random.randrange(1, 1 << 31))
print("test_postgres_host: seed %d (rerun with MT5BRIDGE_SYNC_SEED=%d)" % (SEED, SEED), file=sys.stderr)

CLUSTER = None

API_YAML = """  service_key_acts_on_any_account: true
  broker_timeout_ms: 2000
  rate_limits:
    per_key_per_min: 0
    connect_per_min: 0"""

# Tables that hold a user's data, and the column naming its owner.
USER_TABLES = {"trading_accounts": "user_id", "account_integrations": "user_id"}
ACCOUNT_TABLES = ("account_integrations", "trades", "deals", "account_transactions", "sync_logs")


def setUpModule():
    global CLUSTER
    CLUSTER = PgCluster()
    unittest.addModuleCleanup(CLUSTER.destroy)  # runs even when start() fails half-way
    CLUSTER.start()


def sync_yaml(lease_ttl_s=30, concurrency=10):
    return "\n".join(["  enabled: false", "  batch_size: 10", "  concurrency: %d" % concurrency,
                      "  lease_ttl_s: %d" % lease_ttl_s, "  retry_backoff_ms: 50", "  initial_history_days: 90"])


class PostgresHostCase(unittest.TestCase):
    cluster = property(lambda self: CLUSTER)

    def setUp(self):
        self.rng = random.Random("%d/%s" % (SEED, self.id()))
        self.hosts = []
        self.database = "e2e_" + uuid.uuid4().hex[:12]
        self.url = self.cluster.create_database(self.database)

    def tearDown(self):
        for host in self.hosts:
            host.kill()

    def make_host(self, scenario, name, url=None, storage_extra=None, sync=None):
        text = sync_config_text(sync or sync_yaml(), API_YAML, broker_yaml="default_timeout_ms: 2000",
                                time_zones=scenario_gen.time_zones_yaml())
        text = with_postgres_storage(text, pool_size=6, extra=storage_extra)
        host = RestartableHost(config_text=text, extra_env={
            "MT5BRIDGE_DATABASE_URL": url or self.url, "HOSTNAME": name, "MT5BRIDGE_LOG_LEVEL": "info"})
        host.env["MT5BRIDGE_SCENARIO"] = scenario_gen.write(scenario, os.path.join(host.dir, "scenario.json"))
        self.hosts.append(host)
        return host

    def sql(self, sql):
        return self.cluster.query(self.database, sql)

    def link_all(self, host, truths, users):
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
        return body

    def cycle_done(self, host, count, timeout_s=60):
        return wait_until("sync cycle done #%d on %s" % (count, host.env["HOSTNAME"]),
                          lambda: (lambda r: r[count - 1] if len(r) >= count else None)(
                              host.log_records("sync cycle done")), timeout_s)

    def per_account(self, table, column, where=""):
        """{account_id: sorted list of `column`} over `table`."""
        rows = self.sql("SELECT account_id::text AS id, array_agg(%s ORDER BY %s) AS v FROM %s %s GROUP BY 1"
                        % (column, column, table, where))
        return {r["id"]: r["v"] for r in rows}

    def assert_store_matches(self, ids, truths):
        """Every account holds exactly its ground truth, each deal and trade once."""
        deals = self.per_account("deals", "ticket")
        transactions = self.per_account("account_transactions", "ticket")
        closed = self.per_account("trades", "position_id", "WHERE status = 'closed'")
        open_ = self.per_account("trades", "ticket", "WHERE status = 'open'")
        balances = {r["id"]: r["balance"] for r in self.sql("SELECT id::text AS id, balance FROM trading_accounts")}
        for truth in truths:
            account_id = ids[truth.login]
            where = "login %d (account %s)" % (truth.login, account_id)
            self.assertEqual(deals.get(account_id, []), sorted(truth.deal_tickets), "deals of " + where)
            self.assertEqual(transactions.get(account_id, []), sorted(truth.transaction_tickets),
                             "transactions of " + where)
            self.assertEqual(closed.get(account_id, []), sorted(truth.closed_position_ids), "closed trades of " + where)
            self.assertEqual(open_.get(account_id, []), sorted(truth.open_position_tickets), "positions of " + where)
            self.assertAlmostEqual(balances[account_id], truth.balance, places=6, msg="balance of " + where)
        for table, key in (("deals", "account_id, ticket"), ("account_transactions", "account_id, ticket"),
                           ("trades", "account_id, ticket"), ("trades", "account_id, position_id, segment")):
            dupes = self.sql("SELECT %s, count(*) FROM %s GROUP BY %s HAVING count(*) > 1" % (key, table, key))
            self.assertEqual(dupes, [], "duplicate %s rows by (%s)" % (table, key))


class TwoHostsOneDatabaseTest(PostgresHostCase):
    ACCOUNTS = 40
    ROUNDS = 4

    def test_two_hosts_triggered_together_sync_every_account_exactly_once_per_round(self):
        # Call latency makes each sync take tens of ms, so the two cycles overlap in time and
        # compete for the same due accounts for their whole length.
        knobs = {i: {"call_latency_ms": self.rng.randrange(5, 25)} for i in range(self.ACCOUNTS)}
        scenario, truths = scenario_gen.generate(self.ACCOUNTS, SEED, knobs=knobs)
        host_a, host_b = self.make_host(scenario, "host-a"), self.make_host(scenario, "host-b")
        host_a.start()
        host_b.start()
        ids = self.link_all(host_a, truths, users=[new_user() for _ in range(5)])
        all_ids = set(ids.values())

        done_by = {host_a: 0, host_b: 0}
        for round_number in range(1, self.ROUNDS + 1):
            barrier = threading.Barrier(2)
            answers = {}

            def trigger(host):
                barrier.wait()
                answers[host] = host.request("POST", "/api/mt5/sync/run", {}, host.auth())
            threads = [threading.Thread(target=trigger, args=(h,)) for h in (host_a, host_b)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            for host, (status, body, _) in answers.items():
                self.assertEqual(status, 202, body)
            reports = {h: self.cycle_done(h, round_number) for h in (host_a, host_b)}
            for host, report in reports.items():
                self.assertEqual(report["accounts_failed"], "0", report)
                done_by[host] += int(report["accounts_ok"])
            self.assertEqual(sum(int(r["accounts_ok"]) for r in reports.values()), self.ACCOUNTS,
                             "round %d: %r" % (round_number, reports))

            # Exactly one success row per account per round, and no other row.
            logs = self.sql("SELECT account_id::text AS id, count(*) AS n, "
                            "count(*) FILTER (WHERE status = 'success') AS ok, count(DISTINCT id) AS ids "
                            "FROM sync_logs GROUP BY 1")
            self.assertEqual({r["id"] for r in logs}, all_ids)
            for row in logs:
                self.assertEqual((row["n"], row["ok"], row["ids"]), (round_number,) * 3,
                                 "round %d, sync_logs of account %s" % (round_number, row["id"]))
            leased = self.sql("SELECT id FROM trading_accounts WHERE lease_owner IS NOT NULL "
                              "AND lease_expires_at > now()")
            self.assertEqual(leased, [], "leases left held after both cycles ended")
            # The schedule's next tick: every account due again.
            self.cluster.psql(self.database, "UPDATE trading_accounts SET next_sync_at = NULL")

        print("test_postgres_host: host-a synced %d, host-b %d account syncs over %d rounds"
              % (done_by[host_a], done_by[host_b], self.ROUNDS), file=sys.stderr)
        self.assertTrue(done_by[host_a] and done_by[host_b],
                        "one host synced everything; the hosts never competed and the test proved nothing")
        self.assert_store_matches(ids, truths)


class RestSliceOnPostgresTest(PostgresHostCase):
    def test_link_read_sync_export_and_erase_work_on_postgres(self):
        scenario, truths = scenario_gen.generate(3, SEED, closed_trades=5, open_positions=2)
        host = self.make_host(scenario, "host-rest")
        host.start()
        erased, kept = new_user(), new_user()
        ids = {}
        for truth, user in zip(truths, (erased, erased, kept)):
            body = {"login": truth.login, "password": truth.password, "server": truth.server,
                    "broker_name": "Synthetic Broker Ltd"}
            status, reply, _ = host.request("POST", "/api/mt5/accounts", body, host.auth(user))
            self.assertEqual(status, 201, reply)
            ids[truth.login] = reply["account_id"]
        self.assertEqual(self.sql("SELECT count(*) AS n FROM trading_accounts")[0]["n"], 3)
        sealed = self.sql("SELECT encode(encrypted_password, 'escape') AS c FROM account_integrations")
        self.assertEqual(len(sealed), 3)
        for truth in truths:
            self.assertFalse(any(truth.password in row["c"] for row in sealed), "a password is stored in clear")

        self.start_cycle(host)
        report = self.cycle_done(host, 1)
        self.assertEqual((report["accounts_ok"], report["accounts_failed"]), ("3", "0"), report)
        self.assert_store_matches(ids, truths)

        day = 86400
        today = time.strftime("%Y-%m-%d", time.gmtime())
        since = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 61 * day))
        for truth in truths:
            account_id = ids[truth.login]
            user = erased if truth is not truths[2] else kept
            status, info, _ = host.request("GET", "/api/mt5/account/%s/info" % account_id, headers=host.auth(user))
            self.assertEqual(status, 200, info)
            self.assertAlmostEqual(info["data"]["balance"], truth.balance, places=6)
            status, positions, _ = host.request("GET", "/api/mt5/account/%s/positions" % account_id,
                                                headers=host.auth(user))
            self.assertEqual(status, 200, positions)
            self.assertEqual(sorted(p["ticket"] for p in positions["positions"]), sorted(truth.open_position_tickets))
            status, history, _ = host.request(
                "GET", "/api/mt5/account/%s/history?from_date=%s&to_date=%s" % (account_id, since, today),
                headers=host.auth(user))
            self.assertEqual(status, 200, history)
            self.assertEqual(history["total_trades"], len(truth.closed_position_ids), history)

        status, export, _ = host.request("GET", "/api/mt5/users/%s/export?format=json" % erased,
                                         headers=host.auth(erased))
        self.assertEqual(status, 200, export)
        exported = {a["account_id"]: a for a in export["accounts"]}
        self.assertEqual(set(exported), {ids[t.login] for t in truths[:2]})
        for truth in truths[:2]:
            a = exported[ids[truth.login]]
            self.assertEqual(sorted(d["ticket"] for d in a["deals"]), sorted(truth.deal_tickets))
            self.assertEqual(sorted(t["ticket"] for t in a["transactions"]), sorted(truth.transaction_tickets))
            self.assertEqual(sorted(p["ticket"] for p in a["positions"]), sorted(truth.open_position_tickets))
            self.assertEqual(len(a["sync_logs"]), 1)
            self.assertIsNotNone(a["credential"])
        status, csv_text, headers = host.request("GET", "/api/mt5/users/%s/export?format=csv" % erased,
                                                 headers=host.auth(erased))
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/csv"), headers)
        deal_rows = [line for line in csv_text.splitlines() if line.startswith("deal,")]
        self.assertEqual(len(deal_rows), sum(len(t.deal_tickets) for t in truths[:2]))
        for truth in truths:
            self.assertNotIn(truth.password, csv_text + str(export))

        kept_before = self.row_counts(kept, [ids[truths[2].login]])
        status, body, _ = host.request("DELETE", "/api/mt5/users/%s/data" % erased, headers=host.auth(erased))
        self.assertEqual(status, 200, body)
        self.assertEqual(body["accounts_deleted"], 2, body)

        erased_ids = [ids[t.login] for t in truths[:2]]
        self.assertEqual(self.row_counts(erased, erased_ids), {t: 0 for t in kept_before})
        self.assertEqual(self.row_counts(kept, [ids[truths[2].login]]), kept_before, "another user's data changed")
        self.assert_nowhere_but_audit(erased, erased_ids, [str(t.login) for t in truths[:2]])
        audit = self.sql("SELECT actor, action, subject, details::text AS details FROM audit_log "
                         "WHERE action = 'user_data_deleted'")
        self.assertEqual(len(audit), 1, audit)
        self.assertEqual((audit[0]["subject"], audit[0]["actor"]), (erased, "user:" + erased), audit)
        for secret in erased_ids + [str(t.login) for t in truths[:2]] + [t.password for t in truths]:
            self.assertNotIn(secret, audit[0]["details"], "the audit record holds the erased data")

        status, body, _ = host.request("GET", "/api/mt5/account/%s/info" % erased_ids[0], headers=host.auth(erased))
        self.assertEqual((status, body["error_code"]), (404, "ACCOUNT_NOT_FOUND"), body)
        status, body, _ = host.request("GET", "/api/mt5/users/%s/export" % erased, headers=host.auth(erased))
        self.assertEqual((status, body["accounts"]), (200, []), body)

    def row_counts(self, user, account_ids):
        """{table: rows of `user` or of `account_ids`} over every user-data table."""
        id_list = ",".join("'%s'" % i for i in account_ids) or "NULL"
        counts = {}
        for table in ("trading_accounts",) + ACCOUNT_TABLES:
            where = ("id IN (%s) OR user_id = '%s'" % (id_list, user)) if table == "trading_accounts" else \
                "account_id IN (%s)" % id_list
            counts[table] = self.sql("SELECT count(*) AS n FROM %s WHERE %s" % (table, where))[0]["n"]
        return counts

    def assert_nowhere_but_audit(self, user, account_ids, logins):
        """No row of any table of the schema mentions the user or their accounts, except the
        audit log naming the user as the subject of an event."""
        tables = [r["t"] for r in self.sql("SELECT table_name AS t FROM information_schema.tables "
                                           "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")]
        self.assertIn("audit_log", tables)
        for table in tables:
            rows = [r["j"] for r in self.sql("SELECT row_to_json(t)::text AS j FROM %s t" % table)]
            for row in rows:
                for needle in account_ids + ([] if table == "audit_log" else [user]):
                    self.assertNotIn(needle, row, "table %s still holds %s after the erase" % (table, needle))
                if table == "audit_log":
                    for login in logins:
                        self.assertNotIn(login, row, "the audit log holds an erased login")


class DatabaseRestartTest(PostgresHostCase):
    """Stops and starts a PostgreSQL of its own (inside the module's cluster directory) under a
    running host."""

    def test_requests_during_an_outage_get_503_and_service_resumes_without_a_restart(self):
        own = PgCluster(os.path.join(self.cluster.dir, "restart"))
        self.addCleanup(own.destroy)
        own.start()
        database = "restart_" + uuid.uuid4().hex[:8]
        url = own.create_database(database)
        scenario, truths = scenario_gen.generate(3, SEED, closed_trades=3, open_positions=1)
        host = self.make_host(scenario, "host-restart", url=url,
                              storage_extra={"connect_timeout_s": 2, "statement_timeout_ms": 5000})
        host.start()
        user = new_user()
        account_id = self.link_all(host, truths[:1], users=[user])[truths[0].login]
        self.assertEqual(host.request("GET", "/readyz")[0], 200)
        pid = host.proc.pid

        own.stop()
        link_during_outage = {"login": truths[1].login, "password": truths[1].password,
                              "server": truths[1].server, "broker_name": "Synthetic Broker Ltd"}
        needs_storage = [
            ("GET", "/api/mt5/accounts", None),
            ("GET", "/api/mt5/account/%s/info" % account_id, None),
            ("GET", "/api/mt5/account/%s/positions" % account_id, None),
            ("POST", "/api/mt5/accounts", link_during_outage),
            ("POST", "/api/mt5/account/%s/sync" % account_id, {"sync_type": "incremental"}),
            ("GET", "/api/mt5/users/%s/export" % user, None),
            ("DELETE", "/api/mt5/users/%s/data" % user, None),
        ]
        for method, path, body in needs_storage:
            with self.subTest(during_outage=method + " " + path):
                started = time.time()
                status, reply, _ = host.request(method, path, body, host.auth(user))
                self.assertEqual((status, (reply or {}).get("error_code")), (503, "STORAGE_UNAVAILABLE"), reply)
                self.assertLess(time.time() - started, 8, "the answer waited too long for the database")
        status, ready, _ = host.request("GET", "/readyz")
        self.assertEqual((status, ready["status"], ready["checks"]["storage"]), (503, "not_ready", "unavailable"))
        self.start_cycle(host)  # the cycle cannot lease; it ends and logs why, nothing crashes
        self.assertEqual(self.cycle_done(host, 1)["accounts_ok"], "0")
        self.assertIsNone(host.proc.poll(), "the host died during the outage:\n" + host.logs())
        self.assertEqual(host.request("GET", "/livez")[0], 200)

        own.start()  # returns once the server accepts connections
        # The very first request after the restart already works: the pool drops its dead
        # connections before use instead of failing a request on each of them.
        for attempt in range(3):
            status, reply, _ = host.request("GET", "/api/mt5/accounts", headers=host.auth(user))
            self.assertEqual(status, 200, "request %d after the restart: %r" % (attempt + 1, reply))
        self.assertEqual(host.request("GET", "/readyz")[1]["status"], "ready")
        status, info, _ = host.request("GET", "/api/mt5/account/%s/info" % account_id, headers=host.auth(user))
        self.assertEqual(status, 200, info)
        status, reply, _ = host.request("POST", "/api/mt5/accounts", link_during_outage, host.auth(user))
        self.assertEqual(status, 201, reply)  # the refused link left nothing behind to conflict with
        self.start_cycle(host)
        report = self.cycle_done(host, 2)
        self.assertEqual((report["accounts_ok"], report["accounts_failed"]), ("2", "0"), report)
        self.assertEqual(host.proc.pid, pid)
        self.assertEqual(host.runs, 1, "the host was restarted")
        rows = own.query(database, "SELECT login FROM trading_accounts ORDER BY login")
        self.assertEqual([r["login"] for r in rows], sorted([truths[0].login, truths[1].login]))

        # A restart no request noticed: every pooled connection died while idle, and still the
        # next requests work.
        own.stop()
        own.start()
        for path in ("/api/mt5/accounts", "/api/mt5/account/%s/info" % account_id, "/api/mt5/accounts"):
            status, reply, _ = host.request("GET", path, headers=host.auth(user))
            self.assertEqual(status, 200, "GET %s after an unnoticed restart: %r" % (path, reply))


if __name__ == "__main__":
    unittest.main()
