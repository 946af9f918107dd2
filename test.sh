#!/usr/bin/env bash
# Quick start, command 2: installs what is missing, builds, and runs every test (unit tests of
# the host and of each plugin, and end-to-end tests against the real binary over loopback).
set -euo pipefail
cd "$(dirname "$0")"
packaging/install-deps.sh --test
packaging/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc 2>/dev/null || echo 2)" --timeout 900
