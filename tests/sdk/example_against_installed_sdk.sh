#!/usr/bin/env bash
# Installs the SDK package from this build into a scratch prefix, builds the example plugin in
# sdk/examples/ out of tree with find_package(mt5bridge-sdk), and checks the host loads it.
# Usage: example_against_installed_sdk.sh <build dir> <source dir> <mt5bridge binary>
set -euo pipefail
build="$1"; src="$2"; bin="$3"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --component sdk --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/mt5bridge/abi.h"
cmake -S "$src/sdk/examples/auth-static-token" -B "$work/example" -G Ninja \
      -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/example" >/dev/null
so="$work/example/auth-static-token.so"
test -f "$so"

# The host lists it, with its option table, from a plugin directory given by the environment.
mkdir -p "$work/plugins"
cp "$so" "$work/plugins/"
MT5BRIDGE_PLUGIN_DIR="$work/plugins" "$bin" plugins | grep -E '^auth-static-token +auth +0\.1\.0'

# And a pipeline that names it by explicit path validates.
cat > "$work/pipeline.yaml" <<YAML
pipeline:
  storage: { plugin: storage-sqlite, path: ":memory:" }
  auth:
    - { plugin: "$so", tokens: { demo-token-0001: 11111111-2222-4333-8444-555555555555 } }
  brokers: [ { plugin: broker-mock, scenario: config/scenarios/demo.json } ]
  transports: [ { plugin: transport-http } ]
crypto: { keys: [ { id: k1, key: "ZGV2LWVuY3J5cHRpb24ta2V5LWNoYW5nZS1tZS0wMDE=" } ] }
YAML
(cd "$src" && "$bin" check-config "$work/pipeline.yaml")
echo "example plugin built against the installed SDK and accepted by the host"
