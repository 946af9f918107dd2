#!/usr/bin/env bash
# Configures and builds mt5bridge into build/ (RelWithDebInfo, warnings as errors in CI).
# Arguments name the targets to build (default: everything, tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
werror=OFF
[ "${CI:-}" = "true" ] && werror=ON
# ccache, when installed, makes rebuilds of unchanged files (another checkout, a clean build) cheap.
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMT5BRIDGE_WERROR=$werror "${launcher[@]}" >/dev/null
if [ $# -gt 0 ]; then
  for target in "$@"; do cmake --build build -j "$jobs" --target "$target"; done
else
  cmake --build build -j "$jobs"
fi
