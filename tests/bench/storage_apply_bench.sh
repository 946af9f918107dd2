#!/usr/bin/env bash
# The storage benchmark of issue 5 item 7: N synthetic account syncs (20 positions, 50 deals,
# 25 closed trades, 3 transactions, a sync log and a snapshot each; a lease first and a release
# after, as the sync engine does) applied through the storage ABI into SQLite and into a
# throwaway PostgreSQL, next to a reference measured in the same run: the same rows written the
# fastest plain way, one transaction per session: COPY through psql (as many sessions as the
# plugin has threads), multi-row INSERTs through sqlite3.
#
#   tests/bench/storage_apply_bench.sh [build dir]      (default: <repo>/build)
#
# Needs bin/storage_apply_bench (tests/bench/CMakeLists.txt) and plugins/storage-{sqlite,postgres}.so
# in the build dir, PostgreSQL 15 server binaries (tests/pg/pg_ctl.sh), psql and sqlite3.
# Exit status: 0 when measured (whether or not the target is met), 1 when anything failed.
# Knobs (environment): BENCH_ACCOUNTS (2000), BENCH_PG_THREADS (4, the plugin's pool_size),
# BENCH_SQLITE_THREADS (1), BENCH_ROUNDS (1), BENCH_KEEP=1 keeps the temp dir.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD_DIR=${1:-$ROOT/build}
[[ $BUILD_DIR == /* ]] || BUILD_DIR=$PWD/$BUILD_DIR
ACCOUNTS=${BENCH_ACCOUNTS:-2000}
PG_THREADS=${BENCH_PG_THREADS:-4}
SQLITE_THREADS=${BENCH_SQLITE_THREADS:-1}
ROUNDS=${BENCH_ROUNDS:-1}
ROWS_PER_ACCOUNT=99 # 20 positions + 25 closed trades + 50 deals + 3 transactions + 1 sync log
PG_CTL=$ROOT/tests/pg/pg_ctl.sh
DRIVER=$BUILD_DIR/bin/storage_apply_bench
SQLITE_PLUGIN=$BUILD_DIR/plugins/storage-sqlite.so
PG_PLUGIN=$BUILD_DIR/plugins/storage-postgres.so

fail() {
  echo "storage_apply_bench: $*" >&2
  exit 1
}

[[ -x $DRIVER ]] || fail "no driver at $DRIVER; build it: ninja -C $BUILD_DIR storage_apply_bench \
(tests/CMakeLists.txt must have add_subdirectory(bench))"
for plugin in "$SQLITE_PLUGIN" "$PG_PLUGIN"; do
  [[ -f $plugin ]] || fail "no plugin at $plugin; build it: ninja -C $BUILD_DIR $(basename "$plugin" .so)"
done
command -v psql >/dev/null || fail "psql is missing; apt-get install postgresql-client-15"
command -v sqlite3 >/dev/null || fail "sqlite3 is missing; apt-get install sqlite3"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mt5bridge-storage-bench.XXXXXX")
chmod 755 "$WORK" # the server runs as the postgres user when we are root (pg_ctl.sh)
PG_DIR=$WORK/pg
cleanup() {
  # Always destroy the throwaway cluster, even after a failure or ^C.
  "$PG_CTL" destroy "$PG_DIR" >/dev/null 2>&1 || true
  if [[ ${BENCH_KEEP:-0} == 1 ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

now_ns() { date +%s%N; }
per_second() { awk -v n="$1" -v ns="$2" 'BEGIN { printf "%.1f", n / (ns / 1e9) }'; }
result_of() { sed -n 's/^RESULT .* accounts_per_s=\([0-9.]*\).*/\1/p'; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- PostgreSQL: a throwaway cluster, destroyed by the trap (and by pg_ctl.sh's watchdog when
# this script is killed outright).
PORT=$(MT5B_PG_WATCH_PID=$$ "$PG_CTL" start "$PG_DIR") || fail "PostgreSQL did not start"
pg() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U mt5bridge "$@"; }
fresh_db() { pg -d postgres -c "CREATE DATABASE $1 TEMPLATE mt5b_template" >/dev/null; }
pg_config() {
  echo "{\"url\": \"host=127.0.0.1 port=$PORT user=mt5bridge dbname=$1\", \"pool_size\": $PG_THREADS}"
}

counts() { pg -d "$1" -tAc "SELECT (SELECT count(*) FROM deals) || ' ' || (SELECT count(*) FROM trades)"; }
# CPU seconds the cluster has used so far: the postmaster, its live children and the children it
# reaped (backends of closed connections). The machine is shared, so wall-clock rates drift;
# the server's CPU per account does much less.
TICKS=$(getconf CLK_TCK)
pg_cpu() {
  local pm ticks child
  sleep 0.5 # let the postmaster reap the backends of the sessions that just closed
  pm=$(head -1 "$PG_DIR/data/postmaster.pid")
  ticks=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pm/stat")
  for child in $(pgrep -P "$pm"); do
    ticks=$((ticks + $(awk '{ print $14 + $15 }' "/proc/$child/stat" 2>/dev/null || echo 0)))
  done
  awk -v t="$ticks" -v hz="$TICKS" 'BEGIN { printf "%.2f", t / hz }'
}
minus() { awk -v a="$1" -v b="$2" 'BEGIN { print a - b }'; }

declare -A SUM=([sqlite]=0 [sqlite_ref]=0 [pg]=0 [pg_ref]=0 [pg_cpu]=0 [pg_ref_cpu]=0 [client_cpu]=0)
add() { SUM[$1]=$(awk -v a="${SUM[$1]}" -v b="$2" 'BEGIN { print a + b }'); }

for ((round = 1; round <= ROUNDS; round++)); do
  echo "--- round $round of $ROUNDS: $ACCOUNTS accounts"
  # SQLite reference: accounts inserted by the plugin (untimed), then the rows by sqlite3.
  "$DRIVER" --plugin "$SQLITE_PLUGIN" --config "{\"path\": \"$WORK/ref-$round.db\"}" \
    --accounts "$ACCOUNTS" --threads "$SQLITE_THREADS" --setup-only \
    --reference-sql "$WORK/ref-sqlite.sql" --dialect sqlite
  start=$(now_ns)
  sqlite3 -bail "$WORK/ref-$round.db" <"$WORK/ref-sqlite.sql" >/dev/null
  rate=$(per_second "$ACCOUNTS" $(($(now_ns) - start)))
  echo "sqlite3 reference: $rate accounts/s"
  add sqlite_ref "$rate"
  rate=$("$DRIVER" --plugin "$SQLITE_PLUGIN" --label storage-sqlite \
    --config "{\"path\": \"$WORK/apply-$round.db\", \"busy_timeout_ms\": 30000}" \
    --accounts "$ACCOUNTS" --threads "$SQLITE_THREADS" | tee /dev/stderr | result_of)
  add sqlite "$rate"

  # PostgreSQL reference: the same rows in PG_THREADS concurrent psql sessions.
  fresh_db "ref_$round"
  fresh_db "apply_$round"
  "$DRIVER" --plugin "$PG_PLUGIN" --config "$(pg_config "ref_$round")" --accounts "$ACCOUNTS" \
    --threads "$PG_THREADS" --setup-only --reference-sql "$WORK/ref-pg.sql" \
    --dialect postgres --reference-parts "$PG_THREADS"
  cpu=$(pg_cpu)
  start=$(now_ns)
  pids=()
  for ((part = 0; part < PG_THREADS; part++)); do
    pg -d "ref_$round" -f "$WORK/ref-pg.sql.$part" >/dev/null &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || fail "the psql reference failed"; done
  rate=$(per_second "$ACCOUNTS" $(($(now_ns) - start)))
  add pg_ref_cpu "$(minus "$(pg_cpu)" "$cpu")"
  echo "psql COPY reference ($PG_THREADS sessions): $rate accounts/s"
  add pg_ref "$rate"
  "$DRIVER" --plugin "$PG_PLUGIN" --config "$(pg_config "apply_$round")" --accounts "$ACCOUNTS" \
    --threads "$PG_THREADS" --setup-only
  cpu=$(pg_cpu)
  out=$("$DRIVER" --plugin "$PG_PLUGIN" --label storage-postgres --skip-setup \
    --config "$(pg_config "apply_$round")" --accounts "$ACCOUNTS" --threads "$PG_THREADS")
  add pg_cpu "$(minus "$(pg_cpu)" "$cpu")"
  echo "$out" | grep -v '^RESULT'
  add pg "$(echo "$out" | result_of)"
  add client_cpu "$(echo "$out" | sed -n 's/^RESULT .*client_cpu_s=\([0-9.]*\).*/\1/p')"
  # The plugin wrote what the reference wrote: same row counts.
  [[ $(counts "ref_$round") == $(counts "apply_$round") ]] ||
    fail "the plugin and the reference stored different row counts"
done

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
mean() { awk -v s="${SUM[$1]}" -v r="$ROUNDS" 'BEGIN { printf "%.0f", s / r }'; }
ratio() { awk -v a="${SUM[$1]}" -v b="${SUM[$2]}" 'BEGIN { printf "%.2f", a / b }'; }
rows() { awk -v a="$(mean "$1")" -v r="$ROWS_PER_ACCOUNT" 'BEGIN { printf "%.0f", a * r }'; }
# CPU milliseconds per account, over every round.
per_account_ms() {
  awk -v s="${SUM[$1]}" -v n="$((ACCOUNTS * ROUNDS))" 'BEGIN { printf "%.2f", 1000 * s / n }'
}
echo
echo "=== storage apply: $ACCOUNTS accounts x $ROWS_PER_ACCOUNT rows, mean of $ROUNDS round(s)"
printf '%-52s %10s %10s\n' "" "accounts/s" "rows/s"
printf '%-52s %10s %10s\n' "storage-sqlite, $SQLITE_THREADS thread(s)" "$(mean sqlite)" "$(rows sqlite)"
printf '%-52s %10s %10s\n' "reference: sqlite3, multi-row INSERT, 1 session" "$(mean sqlite_ref)" "$(rows sqlite_ref)"
printf '%-52s %10s %10s\n' "storage-postgres, $PG_THREADS thread(s), pool_size $PG_THREADS" "$(mean pg)" "$(rows pg)"
printf '%-52s %10s %10s\n' "reference: psql, COPY, $PG_THREADS sessions" "$(mean pg_ref)" "$(rows pg_ref)"
echo "plugin / reference: SQLite $(ratio sqlite sqlite_ref), PostgreSQL $(ratio pg pg_ref)"
echo "PostgreSQL server CPU per account: plugin $(per_account_ms pg_cpu) ms," \
  "reference $(per_account_ms pg_ref_cpu) ms; the driver's own CPU per account (plugin and" \
  "libpq side) $(per_account_ms client_cpu) ms"
if awk -v r="$(mean pg)" 'BEGIN { exit !(r >= 500) }'; then
  echo "target >= 500 accounts/s into PostgreSQL: met"
else
  echo "target >= 500 accounts/s into PostgreSQL: NOT met"
fi
