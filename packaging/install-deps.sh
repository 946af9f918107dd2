#!/usr/bin/env bash
# Installs what building, running and testing mt5bridge needs on Debian 12, skipping what is
# already there. Run as root, or as a user with sudo.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates curl
  libpistache-dev rapidjson-dev libboost-dev libboost-filesystem-dev libboost-system-dev
  libssl-dev libyaml-cpp-dev libsqlite3-dev sqlite3 libhowardhinnant-date-dev tzdata
  libpqxx-dev libpq-dev postgresql-15 postgresql-client-15
  libcli11-dev libspdlog-dev
  openssl
  googletest libgmock-dev libgtest-dev libbenchmark-dev
  python3
)
# What only the tests, fuzzers, benchmarks and packaging checks need (./test.sh passes --test).
TEST_PACKAGES=(
  clang clang-15 libfuzzer-15-dev libclang-rt-14-dev
  python3-websockets python3-jwt python3-cryptography python3-hypothesis
  nginx wrk prometheus lintian debhelper systemd
  chromium chromium-driver fonts-liberation
)
if [ "${1:-}" = "--test" ]; then
  PACKAGES+=("${TEST_PACKAGES[@]}")
fi
# Node.js and npm: Debian's nodejs, unless a node with npm is already on PATH.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  [ "${1:-}" = "--test" ] && PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
