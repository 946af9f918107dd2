#!/usr/bin/env bash
# Builds every libFuzzer target with clang (ASan + UBSan), replays its committed seed corpus,
# then fuzzes it for SECONDS (0: replay only). New inputs go to a scratch corpus, so the
# committed seeds change only by hand. A crash fails the run and leaves its input in the work dir.
#
#   tests/fuzz/run.sh SECONDS [target...]   (targets: http_request json_body gateway_answer)
#
# gateway_answer is broker-mt5's own target (plugins/broker-mt5/fuzz), built here the same way.
#
# Environment: FUZZ_CXX (default: the first of clang++-15, clang++ with a libFuzzer runtime),
# FUZZ_WORK (default: a temp dir, removed unless FUZZ_KEEP=1), FUZZ_JOBS (parallel targets, 1).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SECONDS_EACH=${1:?usage: run.sh SECONDS [target...]}
shift
targets=("$@")
((${#targets[@]})) || targets=(http_request json_body gateway_answer)

cxx=${FUZZ_CXX:-}
if [[ -z $cxx ]]; then
  for c in clang++-15 clang++; do
    if command -v "$c" >/dev/null; then cxx=$c; break; fi
  done
fi
[[ -n $cxx ]] || { echo "run.sh: no clang++ found; apt-get install clang-15 libfuzzer-15-dev" >&2; exit 1; }
work=${FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/mt5bridge-fuzz.XXXXXX")}
mkdir -p "$work"
[[ ${FUZZ_KEEP:-0} == 1 || -n ${FUZZ_WORK:-} ]] || trap 'rm -rf "$work"' EXIT

# RapidJSON 1.1 adds offsets to a null stack pointer (internal/stack.h:117) on every parse: that
# one UBSan check is off, the others stay fatal.
flags=(-std=c++20 -O1 -g -DRAPIDJSON_HAS_STDSTRING=1 -fsanitize=fuzzer,address,undefined
       -fno-sanitize=pointer-overflow -fno-sanitize-recover=undefined
       -I"$ROOT/sdk/include")
sources_http_request=("$ROOT/plugins/transport-http/src/request_parser.cpp")
includes_http_request=(-I"$ROOT/plugins/transport-http/src")
sources_json_body=("$ROOT/host/api/json_body.cpp" "$ROOT/host/api/http_types.cpp")
includes_json_body=(-I"$ROOT/host")
libs_json_body=(-lcrypto)
mt5=$ROOT/plugins/broker-mt5
driver_gateway_answer=$mt5/fuzz/gateway_answer_fuzz.cpp
corpus_gateway_answer=$mt5/fuzz/corpus
sources_gateway_answer=()
for f in "$mt5"/src/*.cpp; do [[ $f == */plugin_entry.cpp ]] || sources_gateway_answer+=("$f"); done
includes_gateway_answer=(-I"$mt5/src")
# Open defect (tests/fuzz/README.md): RapidJSON 1.1's full-precision number path calls
# __builtin_clzll(0) on some numbers with all-zero digits, which broker-mt5 still reaches. Until
# its reader parses numbers another way, that one check (-fsanitize=builtin) is off for this
# target so the brief CI run is not decided by chance; every other check stays fatal.
extra_flags_gateway_answer=(-fno-sanitize=builtin)
libs_gateway_answer=(-lssl -lcrypto -lpthread)

status=0
for t in "${targets[@]}"; do
  src_var="sources_${t}[@]"; inc_var="includes_${t}[@]"; lib_var="libs_${t}[@]"
  extra_var="extra_flags_${t}[@]"
  driver_var="driver_$t"; corpus_var="corpus_$t"
  driver=${!driver_var:-$HERE/${t}_fuzz.cpp}
  corpus=${!corpus_var:-$HERE/corpus/$t}
  [[ -f $driver ]] || { echo "run.sh: no target $t" >&2; exit 1; }
  bin=$work/${t}_fuzz
  if ! "$cxx" "${flags[@]}" ${!extra_var+"${!extra_var}"} "${!inc_var}" "$driver" "${!src_var}" -o "$bin" \
       ${!lib_var+"${!lib_var}"} >"$work/$t.build.log" 2>&1; then
    echo "FAIL $t: does not build"; tail -30 "$work/$t.build.log"; status=1; continue
  fi
  scratch=$work/corpus_$t
  mkdir -p "$scratch"
  # Replay: every committed seed once.
  if ! "$bin" -runs=0 "$corpus" >"$work/$t.replay.log" 2>&1; then
    echo "FAIL $t: a committed seed crashes (log: $work/$t.replay.log)"; tail -30 "$work/$t.replay.log"; status=1; continue
  fi
  if ((SECONDS_EACH > 0)); then
    if ! (cd "$work" && "$bin" -max_total_time="$SECONDS_EACH" -max_len=65536 -print_final_stats=1 \
          "$scratch" "$corpus" >"$work/$t.log" 2>&1); then
      echo "FAIL $t: crash while fuzzing (log: $work/$t.log)"; tail -40 "$work/$t.log"; status=1; continue
    fi
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$t.log" | grep -o '[0-9]*$' || echo '?')
    cov=$(grep -o 'cov: [0-9]*' "$work/$t.log" | tail -1 || true)
    echo "ok   $t: ${SECONDS_EACH}s, $runs executions, $cov, 0 crashes"
  else
    echo "ok   $t: corpus replayed"
  fi
done
exit $status
