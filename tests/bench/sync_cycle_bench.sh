#!/usr/bin/env bash
# The sync benchmark of issue 6 item 7: one sync cycle of the real mt5bridge over 10,000 mock
# accounts (20 open positions and 50 new deals each) at zero broker latency into PostgreSQL.
# Prints wall time, accounts/s (target >= 500/s) and the host's peak RSS (target <= 300 MB), with
# same-run references and where the time went. Method and figures: README.md here.
#
#   tests/bench/sync_cycle_bench.sh [build dir]      (default: <repo>/build)
#
# Exit status: 0 when measured (whether or not the targets are met), 1 when set-up failed or the
# cycle did not sync every account (the figures would mean nothing).
# Knobs (environment): BENCH_ACCOUNTS (10000), BENCH_POSITIONS (20), BENCH_DEALS (50),
# BENCH_CONCURRENCY (20), BENCH_BATCH_SIZE (10), BENCH_POOL_SIZE (concurrency + 4),
# BENCH_STORAGE_OPTIONS (JSON merged into storage-postgres's options),
# BENCH_LINK_THREADS (8), BENCH_HTTP_THREADS (4), BENCH_KEEP=1 keeps the temp dir (not the
# database: the cluster is always destroyed).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD_DIR=${1:-$ROOT/build}
[[ $BUILD_DIR == /* ]] || BUILD_DIR=$PWD/$BUILD_DIR
ACCOUNTS=${BENCH_ACCOUNTS:-10000}
POSITIONS=${BENCH_POSITIONS:-20}
DEALS=${BENCH_DEALS:-50}
PG_CTL=$ROOT/tests/pg/pg_ctl.sh

fail() {
  echo "sync_cycle_bench: $*" >&2
  exit 1
}

BIN=$BUILD_DIR/bin/mt5bridge
[[ -x $BIN ]] || fail "no mt5bridge binary at $BIN; build first (cmake -S $ROOT -B build -G Ninja \
&& ninja -C build) or pass the build dir as the argument"
for plugin in storage-postgres broker-mock auth-apikey auth-jwt transport-http; do
  [[ -f $BUILD_DIR/plugins/$plugin.so ]] || fail "no $plugin.so in $BUILD_DIR/plugins; build the plugins"
done
command -v python3 >/dev/null || fail "python3 is needed; apt-get install python3"

# --- temp dir, processes, cleanup --------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mt5bridge-sync-bench.XXXXXX")
chmod 755 "$WORK" # the PostgreSQL server user must enter it
PG_DIR=$WORK/pg

cleanup() {
  local status=$?
  # The driver writes the host's pid; it stops the host itself unless it was killed.
  if [[ -f $WORK/host.pid ]]; then
    local pid
    pid=$(cat "$WORK/host.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  "$PG_CTL" destroy "$PG_DIR" >/dev/null 2>&1 || echo "could not destroy the cluster in $PG_DIR" >&2
  if ((status != 0)) && [[ -s $WORK/host.log ]]; then
    echo "--- last lines of $WORK/host.log" >&2
    tail -n 15 "$WORK/host.log" >&2
  fi
  if [[ ${BENCH_KEEP:-0} == 1 ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- secrets: fresh per run, only ever in the environment ---------------------------------------
eval "$(python3 -c 'import base64, secrets
print("export MT5_SERVICE_API_KEY=bench-" + secrets.token_hex(16))
print("export SUPABASE_JWT_SECRET=" + secrets.token_hex(32))
print("export ENCRYPTION_KEY=" + base64.b64encode(secrets.token_bytes(32)).decode())')"

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r)"

# --- 1. PostgreSQL: a throwaway cluster, pg_stat_statements loaded for the profile ---------------
# The watchdog destroys the cluster if this shell dies without running its trap.
MT5B_PG_WATCH_PID=$$ "$PG_CTL" start "$PG_DIR" >/dev/null || fail "PostgreSQL did not start"
PG_PORT=$(cat "$PG_DIR/port")
psql_admin() {
  "${PG_BIN:-/usr/lib/postgresql/15/bin}/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 \
    -p "$PG_PORT" -U mt5bridge -d postgres -c "$1"
}
psql_admin "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" >/dev/null
if ! { "$PG_CTL" stop "$PG_DIR" && MT5B_PG_WATCH_PID=$$ "$PG_CTL" start "$PG_DIR" >/dev/null; }; then
  fail "PostgreSQL did not restart with pg_stat_statements"
fi
# Planning time too: the sync's statements are planned for each call (custom plans).
psql_admin "ALTER SYSTEM SET pg_stat_statements.track_planning = on" >/dev/null
psql_admin "SELECT pg_reload_conf()" >/dev/null
psql_admin "CREATE DATABASE bench TEMPLATE mt5b_template" >/dev/null
echo "PostgreSQL $(psql_admin 'SHOW server_version'), fsync $(psql_admin 'SHOW fsync'),\
 synchronous_commit $(psql_admin 'SHOW synchronous_commit') (tests/pg/pg_ctl.sh's throwaway settings)"

# --- 2. the scenario ------------------------------------------------------------------------------
TOTALS=$(python3 "$HERE/sync_scenario.py" "$WORK/scenario.json" --accounts "$ACCOUNTS" \
  --positions "$POSITIONS" --deals "$DEALS") || fail "generating the scenario failed"
echo "scenario: $TOTALS"
# Reference: python's json.load parsing the scenario (the file is in the page cache).
cat "$WORK/scenario.json" >/dev/null
started=$(date +%s.%N)
python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$WORK/scenario.json"
echo "reference: python's json.load reads the scenario in $(python3 -c "import sys, time; \
print('%.1f s' % (time.time() - float(sys.argv[1])))" "$started")"

# --- 3. the host, the links, the cycle, the report -------------------------------------------------
python3 "$HERE/sync_bench_driver.py" "$WORK" "$BUILD_DIR" "$PG_DIR" bench "$WORK/scenario.json" "$TOTALS"
