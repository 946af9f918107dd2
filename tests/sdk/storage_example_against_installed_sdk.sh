#!/usr/bin/env bash
# A third party's storage plugin, the way its author works: installs the SDK package from this
# build into a scratch prefix, builds sdk/examples/storage-jsonfile out of tree with
# find_package(mt5bridge-sdk), runs the INSTALLED storage conformance suite against it through
# the example's own CTest test (mt5bridge::storage-conformance), then checks that the host
# lists it and migrates a store through it, down and up.
# Usage: storage_example_against_installed_sdk.sh <build dir> <source dir> <mt5bridge binary>
set -euo pipefail
build="$1"; src="$2"; bin="$3"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --component sdk --prefix "$work/prefix" >/dev/null
test -x "$work/prefix/bin/mt5bridge-storage-conformance"
cmake -S "$src/sdk/examples/storage-jsonfile" -B "$work/example" -G Ninja \
      -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/example" >/dev/null
so="$work/example/storage-jsonfile.so"
test -f "$so"

# The example registers the installed suite as its test; it must be there and pass.
ctest --test-dir "$work/example" --show-only | grep 'storage-jsonfile.conformance' >/dev/null
ctest --test-dir "$work/example" --output-on-failure

# The host lists it from a plugin directory given by the environment, with its option.
mkdir -p "$work/plugins"
cp "$so" "$work/plugins/"
MT5BRIDGE_PLUGIN_DIR="$work/plugins" "$bin" plugins | grep -E '^storage-jsonfile +storage +0\.1\.0'
MT5BRIDGE_PLUGIN_DIR="$work/plugins" "$bin" plugins --schema | grep '"path"' >/dev/null

# A pipeline that names it by explicit path validates, and `mt5bridge migrate` moves its store.
cat > "$work/pipeline.yaml" <<YAML
pipeline:
  storage: { plugin: "$so", path: "$work/store.json" }
  auth:
    - { plugin: auth-apikey, keys: [ "example-service-key-0123456789abcdef" ] }
  brokers: [ { plugin: broker-mock, scenario: config/scenarios/demo.json } ]
  transports: [ { plugin: transport-http } ]
crypto: { keys: [ { id: k1, key: "ZGV2LWVuY3J5cHRpb24ta2V5LWNoYW5nZS1tZS0wMDE=" } ] }
YAML
cd "$src"
"$bin" check-config "$work/pipeline.yaml"
"$bin" migrate --config "$work/pipeline.yaml" | grep 'version 2' >/dev/null
"$bin" migrate --config "$work/pipeline.yaml" --to 1 | grep 'version 1' >/dev/null
"$bin" migrate --config "$work/pipeline.yaml" | grep 'version 2' >/dev/null
grep -q '"schema_version":2' "$work/store.json"
echo "storage-jsonfile built against the installed SDK, passed the installed conformance suite" \
     "and was loaded and migrated by the host"
