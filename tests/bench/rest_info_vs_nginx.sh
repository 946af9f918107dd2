#!/usr/bin/env bash
# The REST benchmark of issue 4 item 6: wrk over loopback against the real mt5bridge serving a
# cached, authenticated GET /api/mt5/account/{id}/info, and against nginx serving the same bytes as
# a static file, measured in the same run. Also the uncached path against the mock broker.
#
#   tests/bench/rest_info_vs_nginx.sh [build dir]      (default: <repo>/build)
#
# Exit status: 0 when measured (whether or not the targets are met), 1 when set-up failed or a run
# got non-2xx answers or measured nothing (the figures would not mean anything). Method and figures: README.md here.
# Knobs (environment): BENCH_DURATION (10s), BENCH_CONNECTIONS (64), BENCH_THREADS (2),
# BENCH_ROUNDS (2), BENCH_WARMUP (2s), BENCH_NGINX_WORKERS (2), BENCH_KEEP=1 keeps the temp dir.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD_DIR=${1:-$ROOT/build}
[[ $BUILD_DIR == /* ]] || BUILD_DIR=$PWD/$BUILD_DIR
DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
ROUNDS=${BENCH_ROUNDS:-2}
WARMUP=${BENCH_WARMUP:-2s}
NGINX_WORKERS=${BENCH_NGINX_WORKERS:-2}
CLIENT=("python3" "$HERE/bench_client.py")
LUA=$HERE/bench_headers.lua

fail() {
  echo "rest_info_vs_nginx: $*" >&2
  exit 1
}

BIN=$BUILD_DIR/bin/mt5bridge
[[ -x $BIN ]] || fail "no mt5bridge binary at $BIN; build first (cmake -S $ROOT -B build -G Ninja \
&& ninja -C build) or pass the build dir as the argument"
[[ -d $BUILD_DIR/plugins ]] || fail "no plugins folder at $BUILD_DIR/plugins; build the plugins"

# --- 1. tools -------------------------------------------------------------------------------
# Debian 12's nginx-light is a transitional package for `nginx` plus an echo module: install nginx.
find_nginx() { command -v nginx || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; } || true; }
missing=()
command -v wrk >/dev/null || missing+=(wrk)
[[ -n $(find_nginx) ]] || missing+=(nginx)
command -v python3 >/dev/null || missing+=(python3)
if ((${#missing[@]})); then
  sudo=()
  ((EUID == 0)) || sudo=(sudo)
  echo "installing ${missing[*]} with apt-get" >&2
  "${sudo[@]}" apt-get update -qq >&2 || fail "apt-get update failed; install ${missing[*]} by hand"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >&2 || fail "apt-get install ${missing[*]} failed; install them by hand"
fi
NGINX=$(find_nginx)
[[ -n $NGINX ]] || fail "nginx is still not installed; apt-get install nginx"

# --- temp dir, processes, cleanup --------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mt5bridge-bench.XXXXXX")
PROCS=() # "name:pid" of every server this script started

process_alive() {
  [[ -e /proc/$1/stat ]] && [[ $(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) != Z ]]
}

stop_process() {
  local name=$1 pid=$2
  if process_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 150); do
      process_alive "$pid" || break
      sleep 0.1
    done
    if process_alive "$pid"; then
      echo "$name (pid $pid) did not stop within 15 s of SIGTERM; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local status=$?
  for ((i = ${#PROCS[@]} - 1; i >= 0; i--)); do stop_process "${PROCS[i]%%:*}" "${PROCS[i]##*:}"; done
  if ((status != 0)); then
    for log in "$WORK"/*/host.log "$WORK"/nginx/error.log; do
      [[ -s $log ]] && { echo "--- last lines of $log" >&2; tail -n 15 "$log" >&2; }
    done
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
export MT5BRIDGE_LOG_LEVEL=warn
export MT5BRIDGE_PLUGIN_DIR=$BUILD_DIR/plugins
export MT5BRIDGE_SCENARIO=$WORK/scenario.json
"${CLIENT[@]}" scenario "$ROOT/config/scenarios/demo.json" "$MT5BRIDGE_SCENARIO"
BENCH_USER_JWT=$("${CLIENT[@]}" jwt "$(python3 -c 'import uuid; print(uuid.uuid4())')")
export BENCH_USER_JWT

# --- 2. mt5bridge: one host with a long info TTL (cached), one with none (uncached) -------------
# start_host NAME INFO_TTL_S: starts it, links the demo account, warms the cache; sets
# HOST_PORT, HOST_PID and ACCOUNT_ID.
start_host() {
  local name=$1 ttl=$2 dir=$WORK/$1
  mkdir -p "$dir"
  "${CLIENT[@]}" config "$ROOT/config/default.yaml" "$dir/config.yaml" "$ttl"
  HOST_PORT=$("${CLIENT[@]}" free-port)
  (cd "$ROOT" && MT5BRIDGE_DB=$dir/mt5bridge.db MT5BRIDGE_LISTEN=127.0.0.1:$HOST_PORT \
    exec "$BIN" serve --config "$dir/config.yaml") >"$dir/host.log" 2>&1 &
  HOST_PID=$!
  PROCS+=("mt5bridge-$name:$HOST_PID")
  "${CLIENT[@]}" wait-http "$HOST_PORT" /livez 30 "$HOST_PID" ||
    fail "mt5bridge ($name) did not start"
  ACCOUNT_ID=$("${CLIENT[@]}" link "$HOST_PORT" "$MT5BRIDGE_SCENARIO") ||
    fail "linking the demo account on mt5bridge ($name) failed"
  "${CLIENT[@]}" fetch "$HOST_PORT" "/api/mt5/account/$ACCOUNT_ID/info" "$dir/warm.json" \
    >/dev/null || fail "the first GET of the account info on mt5bridge ($name) failed"
}

start_host cached 3600
CACHED_PORT=$HOST_PORT
CACHED_PID=$HOST_PID
INFO_PATH=/api/mt5/account/$ACCOUNT_ID/info
# A second GET is a cache hit: that is what wrk will measure, so nginx serves exactly these bytes.
CACHED_SHAPE=$("${CLIENT[@]}" fetch "$CACHED_PORT" "$INFO_PATH" "$WORK/cached/body.json")
[[ $CACHED_SHAPE == *"cached=true"* ]] ||
  fail "the second GET was not served from the cache ($CACHED_SHAPE)"

start_host uncached 0
UNCACHED_PORT=$HOST_PORT
UNCACHED_PID=$HOST_PID
UNCACHED_PATH=/api/mt5/account/$ACCOUNT_ID/info
UNCACHED_SHAPE=$("${CLIENT[@]}" fetch "$UNCACHED_PORT" "$UNCACHED_PATH" "$WORK/uncached/body.json")
[[ $UNCACHED_SHAPE == *"cached=false"* ]] ||
  fail "the uncached host served a cached answer ($UNCACHED_SHAPE)"

# --- 3. nginx: the same bytes at the same path, as a static file --------------------------------
NGINX_DIR=$WORK/nginx
NGINX_PORT=$("${CLIENT[@]}" free-port)
mkdir -p "$(dirname "$NGINX_DIR/www$INFO_PATH")" "$NGINX_DIR/tmp"
cp "$WORK/cached/body.json" "$NGINX_DIR/www$INFO_PATH"
# Run as root, nginx's workers are `nobody`: they must be able to reach the file, nothing else.
chmod 711 "$WORK"
chmod -R a+rX "$NGINX_DIR/www"
cat >"$NGINX_DIR/nginx.conf" <<EOF
# Written by tests/bench/rest_info_vs_nginx.sh; the choices are explained in README.md there.
worker_processes $NGINX_WORKERS;
daemon off;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  server_tokens off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65s;
  keepalive_requests 1000000;
  open_file_cache max=16 inactive=60s;
  open_file_cache_valid 60s;
  types { }
  default_type application/json;
  client_body_temp_path $NGINX_DIR/tmp/body;
  proxy_temp_path $NGINX_DIR/tmp/proxy;
  fastcgi_temp_path $NGINX_DIR/tmp/fastcgi;
  uwsgi_temp_path $NGINX_DIR/tmp/uwsgi;
  scgi_temp_path $NGINX_DIR/tmp/scgi;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $NGINX_DIR/www;
  }
}
EOF
"$NGINX" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/error.log" &
NGINX_PID=$!
PROCS+=("nginx:$NGINX_PID")
"${CLIENT[@]}" wait-http "$NGINX_PORT" "$INFO_PATH" 15 "$NGINX_PID" ||
  fail "nginx did not start"
NGINX_SHAPE=$("${CLIENT[@]}" fetch "$NGINX_PORT" "$INFO_PATH" "$NGINX_DIR/check.json")
cmp -s "$NGINX_DIR/check.json" "$WORK/cached/body.json" || fail "nginx does not serve the same bytes"
[[ $NGINX_SHAPE == *"content_type=application/json"* ]] ||
  fail "nginx answers with the wrong type ($NGINX_SHAPE)"

# --- 4. wrk, alternating ----------------------------------------------------------------------
RESULTS=() # one line of key=value per measured run, read by report.awk
CLK_TCK=$(getconf CLK_TCK)

# CPU ticks (user + system) a server has used: all threads of the process plus its direct
# children, which are nginx's workers. Requests per CPU-second are steadier than req/s when
# other work shares the cores.
cpu_ticks() {
  local total=0 pid
  for pid in "$1" $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    total=$((total + $(sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }')))
  done
  echo "$total"
}

# "idle total" ticks of all CPUs since boot: idle time during a run means the server waited
# rather than computed.
cpu_idle() { awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }

# run_wrk TARGET ROUND PID PORT PATH DURATION: ROUND 0 is a warm-up and is not recorded.
run_wrk() {
  local target=$1 round=$2 pid=$3 port=$4 path=$5 duration=$6
  local out=$WORK/wrk-$target-$round.txt line ticks0 ticks1 idle0 total0 idle1 total1
  ticks0=$(cpu_ticks "$pid")
  read -r idle0 total0 < <(cpu_idle)
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" --latency -s "$LUA" \
    "http://127.0.0.1:$port$path" >"$out" 2>&1 ||
    fail "wrk against $target failed: $(tail -n 3 "$out")"
  ticks1=$(cpu_ticks "$pid")
  read -r idle1 total1 < <(cpu_idle)
  line=$(grep '^BENCH ' "$out") || fail "wrk printed no summary for $target: $(tail -n 3 "$out")"
  ((round == 0)) && return 0
  RESULTS+=("target=$target round=$round cpu_centis=$(((ticks1 - ticks0) * 100 / CLK_TCK))\
 idle_pct=$((total1 > total0 ? 100 * (idle1 - idle0) / (total1 - total0) : 0)) ${line#BENCH }")
  echo "  ${RESULTS[-1]}" >&2
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "warming up ($WARMUP each), then $ROUNDS rounds of nginx, mt5bridge cached, mt5bridge" \
  "uncached ($DURATION each)" >&2
run_wrk nginx 0 "$NGINX_PID" "$NGINX_PORT" "$INFO_PATH" "$WARMUP"
run_wrk cached 0 "$CACHED_PID" "$CACHED_PORT" "$INFO_PATH" "$WARMUP"
run_wrk uncached 0 "$UNCACHED_PID" "$UNCACHED_PORT" "$UNCACHED_PATH" "$WARMUP"
for ((round = 1; round <= ROUNDS; round++)); do
  run_wrk nginx "$round" "$NGINX_PID" "$NGINX_PORT" "$INFO_PATH" "$DURATION"
  run_wrk cached "$round" "$CACHED_PID" "$CACHED_PORT" "$INFO_PATH" "$DURATION"
  run_wrk uncached "$round" "$UNCACHED_PID" "$UNCACHED_PORT" "$UNCACHED_PATH" "$DURATION"
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- 5. report --------------------------------------------------------------------------------
echo
echo "GET /api/mt5/account/{id}/info over loopback:" \
  "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, $ROUNDS rounds"
echo "nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///') worker_processes $NGINX_WORKERS;" \
  "mt5bridge $(grep -m1 -o 'threads: *[0-9]*' "$WORK/cached/config.yaml");" \
  "$(nproc) CPUs shared with wrk"
echo "load average before: $LOAD_BEFORE; after: $LOAD_AFTER" \
  "(wrk and one server alone make ~2; more means other work shared the CPUs)"
echo "responses: nginx ${NGINX_SHAPE/status=200 /}"
echo "           mt5bridge cached ${CACHED_SHAPE/status=200 /}"
echo "           mt5bridge uncached ${UNCACHED_SHAPE/status=200 /}"
echo
printf '%s\n' "${RESULTS[@]}" | awk -v rounds="$ROUNDS" -f "$HERE/report.awk" ||
  fail "the measurement is not valid"
