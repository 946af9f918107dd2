#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests (see /work/shared/PLATFORM.md).
#
#   pg_ctl.sh start   <dir> [port]   create (first time) and start a cluster in <dir>; prints the port
#   pg_ctl.sh stop    <dir>          stop it, keeping its data (start it again with `start <dir>`)
#   pg_ctl.sh destroy <dir> [token]  stop every cluster under <dir> and delete <dir>; with a token,
#                                    only when <dir>/token still holds it
#
# The first start also creates the database `mt5b_template` holding the Supabase-like shim
# (supabase_shim.sql next to this script), so a test makes a fresh database with
# `CREATE DATABASE x TEMPLATE mt5b_template` in milliseconds and without racing other tests over
# the cluster-wide roles.
#
# Connection: host=127.0.0.1 port=$(cat <dir>/port) user=mt5bridge dbname=postgres (trust auth).
#
# A watchdog started with the cluster destroys it once the process that asked for it is gone
# (MT5B_PG_WATCH_PID, default: the caller, e.g. ctest), so a killed test run leaves nothing
# running. MT5B_PG_WATCH_PID=0 disables it.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
SELF=$(readlink -f "$0")
HERE=$(dirname "$SELF")

usage() {
  echo "usage: $0 start|stop|destroy <dir> [port|token]" >&2
  exit 2
}

# Runs a server binary as the postgres user when we are root (initdb and postgres refuse root).
as_server_user() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

make_server_dir() { # <path> <mode>
  if [ "$(id -u)" -eq 0 ]; then
    install -d -o postgres -g postgres -m "$2" "$1"
  else
    install -d -m "$2" "$1"
  fi
}

port_is_free() {
  if command -v ss >/dev/null; then
    [ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
  else
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 1; fi
  fi
}

is_running() { # <dir>
  [ -f "$1/data/postmaster.pid" ] && as_server_user "$PG_BIN/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

server_start() { # <dir> <port>
  as_server_user "$PG_BIN/pg_ctl" -D "$1/data" -l "$1/run/pg.log" -w -t 30 \
    -o "-p $2 -k $1/run -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
}

start_watchdog() { # <dir> <token>
  local watch=${MT5B_PG_WATCH_PID:-$PPID}
  [ "$watch" = "0" ] && return 0
  # Detached and with no inherited descriptors, so ctest does not wait for it. The script is
  # single-quoted on purpose: its $0..$3 are the arguments after it.
  # shellcheck disable=SC2016
  setsid bash -c 'while kill -0 "$0" 2>/dev/null; do sleep 1; done; "$1" destroy "$2" "$3"' \
    "$watch" "$SELF" "$1" "$2" </dev/null >/dev/null 2>&1 &
}

cmd_start() { # <dir> [port]
  local dir port fresh=0
  if [ ! -x "$PG_BIN/initdb" ]; then
    echo "pg_ctl.sh: no PostgreSQL server in $PG_BIN; install it: apt-get install postgresql-15" >&2
    exit 1
  fi
  mkdir -p "$1"
  dir=$(readlink -f "$1")
  port=${2:-}
  if is_running "$dir"; then
    cat "$dir/port"
    return 0
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    make_server_dir "$dir/run" 755
    local seed
    seed="$(dirname "$dir")/seed-data"
    if [ -f "$seed/PG_VERSION" ]; then
      # A cluster inside another one's directory (a test that restarts its own server) copies
      # the parent's fresh initdb instead of running initdb again (seconds on a busy machine).
      cp -a "$seed" "$dir/data"
    else
      make_server_dir "$dir/data" 700
      as_server_user "$PG_BIN/initdb" -D "$dir/data" -U mt5bridge -A trust -E UTF8 \
        --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1
      cp -a "$dir/data" "$dir/seed-data"
    fi
    fresh=1
  fi
  [ -z "$port" ] && [ -f "$dir/port" ] && port=$(cat "$dir/port")
  if [ -n "$port" ]; then
    # A port the caller chose, or the one this cluster had before a stop: no substitute.
    if server_start "$dir" "$port"; then echo "$port" >"$dir/port"; fi
  else
    local _
    for _ in 1 2 3 4 5 6 7 8; do
      port=$((20000 + RANDOM % 40000))
      port_is_free "$port" || continue
      if server_start "$dir" "$port"; then
        echo "$port" >"$dir/port"
        break
      fi
    done
  fi
  if ! is_running "$dir"; then
    echo "pg_ctl.sh: PostgreSQL did not start in $dir; see $dir/run/pg.log" >&2
    exit 1
  fi
  if [ "$fresh" -eq 1 ]; then
    local token="$$-$RANDOM$RANDOM"
    echo "$token" >"$dir/token"
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U mt5bridge -d postgres \
      -c "CREATE DATABASE mt5b_template" >/dev/null
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U mt5bridge \
      -d mt5b_template -f "$HERE/supabase_shim.sql" >/dev/null
    start_watchdog "$dir" "$token"
  fi
  cat "$dir/port"
}

cmd_stop() { # <dir>
  [ -d "$1" ] || return 0
  if is_running "$1"; then
    as_server_user "$PG_BIN/pg_ctl" -D "$1/data" -m fast -w -t 30 stop >/dev/null
  fi
}

cmd_destroy() { # <dir> [token]
  [ -d "$1" ] || return 0
  if [ -n "${2:-}" ] && [ "$(cat "$1/token" 2>/dev/null)" != "$2" ]; then
    return 0 # a newer cluster lives there now: not ours to remove
  fi
  local pidfile
  while IFS= read -r pidfile; do
    local data
    data=$(dirname "$pidfile")
    as_server_user "$PG_BIN/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  done < <(find "$1" -name postmaster.pid 2>/dev/null)
  rm -rf "$1"
}

[ $# -ge 2 ] || usage
case "$1" in
  start) cmd_start "$2" "${3:-}" ;;
  stop) cmd_stop "$2" ;;
  destroy) cmd_destroy "$2" "${3:-}" ;;
  *) usage ;;
esac
