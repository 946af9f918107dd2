"""The measuring half of sync_cycle_bench.sh: writes the host config, starts the host, links the
accounts, runs one sync cycle, watches it, and prints the report. Standard library only.

  sync_bench_driver.py WORK_DIR BUILD_DIR PG_DIR DATABASE SCENARIO.json TOTALS_JSON

Secrets come from the environment the script exports (MT5_SERVICE_API_KEY, SUPABASE_JWT_SECRET,
ENCRYPTION_KEY) and are never printed. Knobs: BENCH_CONCURRENCY, BENCH_BATCH_SIZE,
BENCH_POOL_SIZE, BENCH_STORAGE_OPTIONS, BENCH_LINK_THREADS, BENCH_HTTP_THREADS (see README.md). The host's pid is
written to WORK_DIR/host.pid so the script's trap can stop it whatever happens here.
"""

import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import scenario_gen  # noqa: E402
from harness import free_port, replace_top_level_block, sync_config_text, with_postgres_storage  # noqa: E402

PG_BIN = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "20"))
BATCH_SIZE = int(os.environ.get("BENCH_BATCH_SIZE", "10"))
POOL_SIZE = int(os.environ.get("BENCH_POOL_SIZE", str(CONCURRENCY + 4)))
LINK_THREADS = int(os.environ.get("BENCH_LINK_THREADS", "8"))
HTTP_THREADS = int(os.environ.get("BENCH_HTTP_THREADS", "4"))
PRE_CYCLE_SQL = os.environ.get("BENCH_PRE_CYCLE_SQL", "")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def say(text):
    print(text, flush=True)


class Pg:
    def __init__(self, pg_dir, database):
        self.dir, self.database = pg_dir, database
        with open(os.path.join(pg_dir, "port")) as f:
            self.port = int(f.read())

    def url(self):
        return "postgresql://mt5bridge@127.0.0.1:%d/%s" % (self.port, self.database)

    def psql(self, sql, database=None):
        done = subprocess.run([os.path.join(PG_BIN, "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                               "-h", "127.0.0.1", "-p", str(self.port), "-U", "mt5bridge", "-d",
                               database or self.database, "-c", sql], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=1200)
        if done.returncode:
            raise SystemExit("sync_bench: psql failed: " + done.stderr.decode())
        return done.stdout.decode().strip()

    def rows(self, sql):
        return json.loads(self.psql("SELECT coalesce(json_agg(q), '[]') FROM (%s) q" % sql))

    def server_pids(self):
        with open(os.path.join(self.dir, "data", "postmaster.pid")) as f:
            postmaster = int(f.readline())
        return [postmaster] + children_of(postmaster)


def children_of(parent):
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == parent:
                    kids.append(int(entry))
            except OSError:
                pass
    return kids


def cpu_seconds(pids):
    total = 0.0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK
        except OSError:
            pass
    return total


def thread_cpu(pid):
    """{thread name: CPU seconds} of the host's threads, summed by name."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                text = f.read()
            name = text[text.index("(") + 1:text.rindex(")")]
            fields = text.rsplit(")", 1)[1].split()
            out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / CLK_TCK
        except (OSError, ValueError):
            pass
    return out


def proc_status(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024  # kB -> MB
    return 0.0


def reset_peak_rss(pid):
    """Resets VmHWM to the current RSS (Linux >= 4.0, needs the process's owner or root)."""
    try:
        with open("/proc/%d/clear_refs" % pid, "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class HostClient:
    def __init__(self, port, api_key):
        self.port, self.api_key = port, api_key

    def request(self, method, path, body=None, conn=None):
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"X-API-Key": self.api_key}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        if own:
            conn.close()
        return resp.status, raw


def write_config(work, pg, scenario, port):
    api_yaml = "\n".join(["  service_key_acts_on_any_account: true", "  broker_timeout_ms: 10000",
                          "  rate_limits:", "    per_key_per_min: 0", "    connect_per_min: 0"])
    sync_yaml = "\n".join(["  enabled: false", "  batch_size: %d" % BATCH_SIZE, "  concurrency: %d" % CONCURRENCY,
                           "  lease_ttl_s: 300", "  cycle_budget_s: 1800", "  retry_backoff_ms: 100",
                           "  initial_history_days: 30"])
    text = sync_config_text(sync_yaml, api_yaml, broker_yaml="default_timeout_ms: 10000",
                            time_zones=scenario_gen.time_zones_yaml())
    extra = {"statement_timeout_ms": 60000}
    extra.update(json.loads(os.environ.get("BENCH_STORAGE_OPTIONS", "{}")))
    text = with_postgres_storage(text, pool_size=POOL_SIZE, extra=extra)
    text, n = re.subn(r"(?m)^(\s+threads:) \d+", r"\1 %d" % HTTP_THREADS, text)
    assert n == 1, "the config has no transport threads: line"
    text = replace_top_level_block(text, "service", '  instance_id: "sync-bench"\n  log_level: info')
    path = os.path.join(work, "config.yaml")
    with open(path, "w") as f:
        f.write(text)
    env = dict(os.environ, MT5BRIDGE_DATABASE_URL=pg.url(), MT5BRIDGE_SCENARIO=scenario,
               MT5BRIDGE_LISTEN="127.0.0.1:%d" % port, MT5BRIDGE_PLUGIN_DIR="")
    return path, env


def start_host(work, build, config, env, client):
    env["MT5BRIDGE_PLUGIN_DIR"] = os.path.join(build, "plugins")
    log = open(os.path.join(work, "host.log"), "wb")
    started = time.monotonic()
    proc = subprocess.Popen([os.path.join(build, "bin", "mt5bridge"), "serve", "--config", config], cwd=ROOT,
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    with open(os.path.join(work, "host.pid"), "w") as f:
        f.write(str(proc.pid))
    while True:
        if proc.poll() is not None:
            raise SystemExit("sync_bench: mt5bridge exited with %s at start-up; see %s/host.log"
                             % (proc.returncode, work))
        try:
            if client.request("GET", "/livez")[0] == 200:
                return proc, time.monotonic() - started
        except OSError:
            pass
        if time.monotonic() - started > 600:
            raise SystemExit("sync_bench: mt5bridge did not answer /livez within 600 s")
        time.sleep(0.1)


def stop_host(proc):
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def link_all(client, scenario_accounts, servers):
    """Links every account through POST /api/mt5/accounts on LINK_THREADS keep-alive
    connections; each link is the host's own test login, sealing and insert."""
    users = [str(uuid.uuid4()) for _ in range(max(1, scenario_accounts // 5))]
    failures = []
    next_index = iter(range(scenario_accounts))
    lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", client.port, timeout=120)
        while True:
            with lock:
                i = next(next_index, None)
            if i is None:
                return
            login = sync_scenario().FIRST_LOGIN + i
            body = {"user_id": users[i % len(users)], "login": login, "password": "bench-%d" % login,
                    "server": servers[i % len(servers)], "broker_name": "Synthetic Broker Ltd"}
            try:
                status, raw = client.request("POST", "/api/mt5/accounts", body, conn)
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", client.port, timeout=120)
                status, raw = 0, str(e).encode()
            if status != 201:
                with lock:
                    failures.append((login, status, raw[:300]))
    threads = [threading.Thread(target=worker) for _ in range(LINK_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return failures


def sync_scenario():
    sys.path.insert(0, HERE)
    import sync_scenario as module
    return module


def metric_lines(client, prefix):
    status, raw = client.request("GET", "/metrics")
    return [line for line in raw.decode().splitlines() if line.startswith(prefix)] if status == 200 else []


def histogram_summary(lines, name):
    """(count, sum, [(le, cumulative count)]) of one unlabelled histogram."""
    count = total = 0.0
    buckets = []
    for line in lines:
        value = float(line.rsplit(" ", 1)[1])
        if line.startswith(name + "_count"):
            count = value
        elif line.startswith(name + "_sum"):
            total = value
        elif line.startswith(name + "_bucket"):
            buckets.append((line[line.index('le="') + 4:line.index('"}')], value))
    return count, total, buckets


def quantile(buckets, count, q):
    for le, cumulative in buckets:
        if cumulative >= q * count:
            return le
    return "+Inf"


def run_cycle(client, proc, work, pg):
    """Starts a cycle and samples the host until it logs "sync cycle done"."""
    log_path = os.path.join(work, "host.log")
    with open(log_path, "rb") as f:
        f.seek(0, os.SEEK_END)
        offset = f.tell()
    server_pids = pg.server_pids()
    cpu_host_0, cpu_pg_0 = cpu_seconds([proc.pid]), cpu_seconds(server_pids)
    threads_0 = thread_cpu(proc.pid)
    peak_reset = reset_peak_rss(proc.pid)
    rss_samples, cpu_samples = [], []
    started = time.monotonic()
    status, raw = client.request("POST", "/api/mt5/sync/run", {})
    if status != 202:
        raise SystemExit("sync_bench: POST /api/mt5/sync/run answered %d %s" % (status, raw[:300]))
    report = None
    last_cpu = (started, cpu_host_0, cpu_pg_0)
    while report is None:
        time.sleep(0.25)
        if proc.poll() is not None:
            raise SystemExit("sync_bench: mt5bridge died during the cycle; see " + log_path)
        rss_samples.append(proc_status(proc.pid, "VmRSS"))
        now, h, p = time.monotonic(), cpu_seconds([proc.pid]), cpu_seconds(pg.server_pids())
        cpu_samples.append(((h - last_cpu[1]) / (now - last_cpu[0]), (p - last_cpu[2]) / (now - last_cpu[0])))
        last_cpu = (now, h, p)
        with open(log_path, "rb") as f:
            f.seek(offset)
            for line in f.read().decode("utf-8", "replace").splitlines():
                if '"sync cycle done"' in line:
                    report = json.loads(line[line.index("{"):])
        if time.monotonic() - started > 3600:
            raise SystemExit("sync_bench: no \"sync cycle done\" within an hour")
    wall = time.monotonic() - started
    return {"report": report, "wall_s": wall, "peak_reset": peak_reset,
            "hwm_mb": proc_status(proc.pid, "VmHWM"), "rss_after_mb": proc_status(proc.pid, "VmRSS"),
            "rss_max_sampled_mb": max(rss_samples or [0]),
            "cpu_host_s": cpu_seconds([proc.pid]) - cpu_host_0,
            "cpu_pg_s": cpu_seconds(pg.server_pids()) - cpu_pg_0,
            "threads": {k: v - threads_0.get(k, 0.0) for k, v in thread_cpu(proc.pid).items()},
            "log_offset": offset}


def batch_timings(work, offset):
    durations = []
    with open(os.path.join(work, "host.log"), "rb") as f:
        f.seek(offset)
        for line in f.read().decode("utf-8", "replace").splitlines():
            if '"sync batch done"' in line:
                durations.append(int(json.loads(line[line.index("{"):])["duration_ms"]))
    return sorted(durations)


def storage_reference(pg, totals):
    """The database alone writing the cycle's rows: each table's rows copied with one
    INSERT ... SELECT into an empty copy of the table (same columns, indexes and constraints)."""
    timings = {}
    for table in ("deals", "trades", "account_transactions", "sync_logs"):
        pg.psql("CREATE TABLE ref_%s (LIKE %s INCLUDING ALL)" % (table, table))
        started = time.monotonic()
        pg.psql("INSERT INTO ref_%s SELECT * FROM %s" % (table, table))
        timings[table] = time.monotonic() - started
        pg.psql("DROP TABLE ref_%s" % table)
    started = time.monotonic()
    pg.psql("UPDATE trading_accounts SET balance = balance, updated_at = now()")
    timings["trading_accounts (update)"] = time.monotonic() - started
    return timings


def main():
    work, build, pg_dir, database, scenario_path, totals_json = sys.argv[1:7]
    totals = json.loads(totals_json)
    accounts = totals["accounts"]
    pg = Pg(pg_dir, database)
    pg.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    port = free_port()
    client = HostClient(port, os.environ["MT5_SERVICE_API_KEY"])
    config, env = write_config(work, pg, scenario_path, port)

    # Reference: the host's own footprint, on a 1-account scenario and a database of its own.
    tiny = os.path.join(work, "scenario-1.json")
    sync_scenario().write(tiny, 1, totals["positions"] // accounts, totals["deals"] // accounts, 1)
    pg.psql("CREATE DATABASE bench_baseline TEMPLATE mt5b_template", database="postgres")
    baseline_env = dict(env, MT5BRIDGE_SCENARIO=tiny,
                        MT5BRIDGE_DATABASE_URL=pg.url().rsplit("/", 1)[0] + "/bench_baseline")
    proc, _ = start_host(work, build, config, baseline_env, client)
    rss_baseline = proc_status(proc.pid, "VmRSS")
    stop_host(proc)

    proc, start_s = start_host(work, build, config, env, client)
    try:
        rss_started = proc_status(proc.pid, "VmRSS")
        say("host started in %.1f s (loading the %.0f MB scenario); RSS %.0f MB, VmHWM %.0f MB"
            % (start_s, totals["bytes"] / 1e6, rss_started, proc_status(proc.pid, "VmHWM")))

        started = time.monotonic()
        servers = [name for name, _ in scenario_gen.SERVERS]
        failures = link_all(client, accounts, servers)
        link_s = time.monotonic() - started
        if failures:
            raise SystemExit("sync_bench: %d links failed, e.g. %r" % (len(failures), failures[:3]))
        linked = int(pg.psql("SELECT count(*) FROM account_integrations"))
        if linked != accounts:
            raise SystemExit("sync_bench: %d credentials stored for %d accounts" % (linked, accounts))
        say("linked %d accounts in %.1f s (%.0f/s, %d client threads)" % (accounts, link_s, accounts / link_s,
                                                                           LINK_THREADS))
        if PRE_CYCLE_SQL:
            say("before the cycle, as BENCH_PRE_CYCLE_SQL asks: " + PRE_CYCLE_SQL)
            pg.psql(PRE_CYCLE_SQL)
        pg.psql("VACUUM ANALYZE")
        pg.psql("SELECT pg_stat_statements_reset()")
        rss_before = proc_status(proc.pid, "VmRSS")

        cycle = run_cycle(client, proc, work, pg)
        report = cycle["report"]
        lines = metric_lines(client, "mt5bridge_sync_account_seconds")
        count, total, buckets = histogram_summary(lines, "mt5bridge_sync_account_seconds")
        statements = pg.rows(
            "SELECT calls, round(total_exec_time)::bigint AS ms, round(mean_exec_time::numeric, 3) AS mean_ms, "
            "round((total_plan_time / greatest(calls, 1))::numeric, 3) AS plan_ms, plans, "
            "rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS query FROM pg_stat_statements "
            "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "ORDER BY total_exec_time DESC LIMIT 8")
        stored = pg.rows("SELECT (SELECT count(*) FROM deals) AS deals, "
                         "(SELECT count(*) FROM trades WHERE status = 'closed') AS closed_trades, "
                         "(SELECT count(*) FROM trades WHERE status = 'open') AS positions, "
                         "(SELECT count(*) FROM account_transactions) AS transactions, "
                         "(SELECT count(*) FROM sync_logs WHERE status = 'success') AS sync_ok")[0]
        batches = batch_timings(work, cycle["log_offset"])
        reference = storage_reference(pg, totals)
    finally:
        stop_host(proc)

    ok = int(report["accounts_ok"])
    host_s = int(report["duration_ms"]) / 1000
    rate = ok / host_s if host_s else 0
    hwm = cycle["hwm_mb"] if cycle["peak_reset"] else max(cycle["hwm_mb"], cycle["rss_max_sampled_mb"])
    say("")
    say("== one sync cycle: %d accounts x (%d positions, %d new deals) into PostgreSQL, zero broker latency =="
        % (accounts, totals["positions"] // accounts, totals["deals"] // accounts))
    say("settings: sync.concurrency %d, sync.batch_size %d, storage pool_size %d" % (CONCURRENCY, BATCH_SIZE,
                                                                                     POOL_SIZE))
    say("cycle: accounts_ok %s, failed %s, skipped %s, deals_inserted %s, trades_inserted %s, budget_exhausted %s"
        % (report["accounts_ok"], report["accounts_failed"], report["accounts_skipped"], report["deals_inserted"],
           report["trades_inserted"], report["budget_exhausted"]))
    say("stored: %s" % json.dumps(stored))
    say("wall time: %.2f s (host's duration_ms), %.2f s (client, POST to log line)" % (host_s, cycle["wall_s"]))
    say("accounts/s: %.0f   (target >= 500: %s)" % (rate, "met" if rate >= 500 else "MISSED"))
    say("peak RSS during the cycle (VmHWM%s): %.0f MB   (target <= 300 MB: %s)"
        % (" reset before the cycle" if cycle["peak_reset"] else ", never reset", hwm,
           "met" if hwm <= 300 else "MISSED"))
    say("  RSS after start-up %.0f MB, before the cycle %.0f MB, growth during the cycle %.0f MB"
        % (rss_started, rss_before, hwm - rss_before))
    say("  reference, same run: the same host on a 1-account scenario has %.0f MB after start-up, so %.0f MB of the "
        "start-up RSS is broker-mock holding the scenario; without it the cycle's peak would be about %.0f MB"
        % (rss_baseline, rss_started - rss_baseline, rss_baseline + hwm - rss_started))
    say("CPU during the cycle: host %.1f s, PostgreSQL %.1f s (of %.1f s x 2 cores)"
        % (cycle["cpu_host_s"], cycle["cpu_pg_s"], cycle["wall_s"]))
    top_threads = sorted(cycle["threads"].items(), key=lambda kv: -kv[1])[:5]
    say("  host threads by CPU: " + ", ".join("%s %.1f s" % kv for kv in top_threads))
    if count:
        say("per account (mt5bridge_sync_account_seconds): mean %.1f ms, p50 <= %s s, p90 <= %s s, p99 <= %s s"
            % (total / count * 1000, quantile(buckets, count, 0.5), quantile(buckets, count, 0.9),
               quantile(buckets, count, 0.99)))
    if batches:
        say("batches: %d, duration_ms p50 %d, p90 %d, max %d" % (len(batches), batches[len(batches) // 2],
                                                                 batches[int(len(batches) * 0.9)], batches[-1]))
    say("PostgreSQL statements by total time (pg_stat_statements):")
    for s in statements:
        say("  %7d calls %8d ms (%s ms each + %s ms planning, %d plans)  %s"
            % (s["calls"], s["ms"], s["mean_ms"], s["plan_ms"], s["plans"], s["query"]))
    ref_total = sum(reference.values())
    say("reference, same run: PostgreSQL alone writes the cycle's rows (one INSERT...SELECT per table into an "
        "indexed copy) in %.2f s = %.0f accounts/s: %s"
        % (ref_total, accounts / ref_total, ", ".join("%s %.2f s" % kv for kv in reference.items())))
    say("reference, same run: the host loads the scenario in %.1f s (%.0f accounts/s of parsing alone)"
        % (start_s, accounts / start_s))
    if ok != accounts or int(report["accounts_failed"]):
        raise SystemExit("sync_bench: the cycle synced %d of %d accounts; the figures mean nothing" % (ok, accounts))


if __name__ == "__main__":
    main()
