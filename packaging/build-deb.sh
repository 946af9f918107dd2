#!/usr/bin/env bash
# Builds the Debian packages into build/packages/:
#   mt5bridge_<version>_amd64.deb      host, plugins, gateway files, configuration, unit, docs, man page
#   mt5bridge-dev_<version>_amd64.deb  SDK headers, CMake package, conformance suites
# with CPack (packaging/CMakeLists.txt) from the build tree, building what it holds first.
# Then: sudo apt install ./build/packages/mt5bridge_<version>_amd64.deb (docs/deployment.md).
set -euo pipefail
cd "$(dirname "$0")/.."
packaging/build.sh mt5bridge storage-sqlite storage-postgres auth-apikey auth-jwt broker-mock \
  broker-mt5 transport-http mt5bridge_man mt5bridge-storage-conformance mt5bridge-broker-conformance
rm -f build/packages/*.deb
(cd build && cpack -G DEB --config CPackConfig.cmake >/dev/null)
ls -1 build/packages/*.deb
