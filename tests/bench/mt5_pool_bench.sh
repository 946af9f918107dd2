#!/usr/bin/env bash
# The broker-mt5 pool benchmark (issue 3 "Benchmark"): N accounts synced through T fake
# terminals, each a REAL gateway process (plugins/broker-mt5/gateway/) with the fake
# MetaTrader5 module, over loopback TLS. Every account's sync is login + account_info +
# positions_get + history_deals_get (k = 3 data calls). Prints each cycle's time and its ratio to
# the lower bound N * (L + k * c) / T, where L is the login latency and c the per-call latency
# the fake terminal waits (scenario knobs). Target: ratio <= 1.15 at N = 300, T = 20.
#
# The real figures (L of seconds) would make a run take minutes, so L and c are scaled down:
# by default L = 50 ms and c = 5 ms, a lower bound of 0.975 s per cycle at N = 300, T = 20.
# Cycle 1 logs every account in for the first time; cycle 2 finds each terminal holding
# another account, so it logs in again too (N > T).
#
#   tests/bench/mt5_pool_bench.sh [build-dir]          # default: build
#   N=300 T=20 L_MS=100 C_MS=10 CYCLES=2 tests/bench/mt5_pool_bench.sh /tmp/build
#   FLEET_ARGS=--keep ...                              # keep the gateways' logs
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$repo/build}" && pwd)
N=${N:-300}
T=${T:-20}
L_MS=${L_MS:-100}
C_MS=${C_MS:-10}
CYCLES=${CYCLES:-2}

driver=$build/bin/broker_mt5_pool_bench
plugin=$build/plugins/broker-mt5.so
for file in "$driver" "$plugin"; do
  if [[ ! -x $file && ! -f $file ]]; then
    echo "mt5_pool_bench: $file is missing; build it first:" >&2
    echo "  ninja -C $build broker-mt5 broker_mt5_pool_bench" >&2
    exit 2
  fi
done

work=$(mktemp -d -t mt5-pool-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
scenario=$work/bench-scenario.json

# A synthetic scenario: N accounts on one server, each with one open position and two deals,
# and the latency knobs L and c that the fake terminal applies to every login and data call.
python3 - "$scenario" "$N" "$L_MS" "$C_MS" <<'PY'
import json, sys
path, n, login_ms, call_ms = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
accounts = []
for i in range(n):
    login = 8100000 + i
    accounts.append({
        "login": login, "password": "bench-pass-%d" % i, "server": "Bench-Server",
        "account_info": {"leverage": 100, "margin_mode": 2, "currency_digits": 2,
                         "balance": 1010.0, "equity": 1015.0, "currency": "USD",
                         "name": "Bench %d" % i, "company": "Bench Broker"},
        "positions": [{"ticket": 2, "time": 1762336800, "type": 0, "volume": 0.1,
                       "price_open": 1.151, "price_current": 1.1515, "profit": 5.0,
                       "symbol": "EURUSD"}],
        "deals": [{"ticket": 1, "time": 1762156800, "type": 2, "profit": 1000.0,
                   "comment": "Deposit"},
                  {"ticket": 3, "order": 2, "time": 1762336800, "type": 0, "entry": 0,
                   "position_id": 2, "volume": 0.1, "price": 1.151, "commission": -0.35,
                   "symbol": "EURUSD"}],
        "knobs": {"login_latency_ms": login_ms, "call_latency_ms": call_ms},
    })
json.dump({"servers": [{"name": "Bench-Server", "utc_offset_s": 7200}],
           "accounts": accounts}, open(path, "w"))
PY

echo "# mt5_pool_bench: N=$N accounts, T=$T gateways (real processes, fake MetaTrader5 module)"
echo "# scaled down: login latency L=${L_MS} ms, call latency c=${C_MS} ms (real terminals: L of seconds)"
# Other work on the machine delays every wake-up of the gateways' threads: say how busy it was.
echo "# load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
python3 "$repo/plugins/broker-mt5/tests/gateway_fleet.py" --log-level warning ${FLEET_ARGS:-} --terminals "$T" --scenario "$scenario" -- \
  "$driver" --plugin "$plugin" --config "@{config}" --scenario "$scenario" \
  --workers "$T" --terminals "$T" --cycles "$CYCLES" \
  --login-latency-ms "$L_MS" --call-latency-ms "$C_MS"
