#!/usr/bin/env bash
# Quick start, command 1: installs what is missing, builds, and starts mt5bridge on the embedded
# default (SQLite + mock broker replaying config/scenarios/demo.json) at 127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")"
packaging/install-deps.sh
# Only what the embedded default runs: the host and its five plugins (./test.sh builds the rest).
packaging/build.sh mt5bridge storage-sqlite auth-apikey auth-jwt broker-mock transport-http

export MT5_SERVICE_API_KEY="${MT5_SERVICE_API_KEY:-dev-service-key-change-me-0123456789}"
export SUPABASE_JWT_SECRET="${SUPABASE_JWT_SECRET:-dev-jwt-secret-change-me-0123456789abcdef}"
export MT5BRIDGE_LISTEN="${MT5BRIDGE_LISTEN:-127.0.0.1:8000}"
export MT5BRIDGE_LOG_FORMAT="${MT5BRIDGE_LOG_FORMAT:-text}"  # readable lines in the terminal
mkdir -p var

# A demo user token (HS256, like Supabase's) and the first demo account, for the curl example.
read -r TOKEN LOGIN PASSWORD SERVER < <(python3 - <<'PY'
import base64, hashlib, hmac, json, os, time
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
payload = b64(json.dumps({"sub": "11111111-2222-4333-8444-555555555555", "role": "authenticated",
                          "aud": "authenticated", "exp": int(time.time()) + 7 * 86400}).encode())
sig = b64(hmac.new(os.environ["SUPABASE_JWT_SECRET"].encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest())
acc = json.load(open("config/scenarios/demo.json"))["accounts"][0]
print(f"{header}.{payload}.{sig}", acc["login"], acc["password"], acc["server"])
PY
)

URL="http://${MT5BRIDGE_LISTEN}"
cat <<MSG

mt5bridge is starting at ${URL} (Ctrl-C stops it). Try, in another terminal:

  curl -s ${URL}/health

  export KEY='${MT5_SERVICE_API_KEY}'
  export TOKEN='${TOKEN}'
  curl -s -X POST ${URL}/api/mt5/accounts -H "X-API-Key: \$KEY" -H "Authorization: Bearer \$TOKEN" \\
       -H 'Content-Type: application/json' \\
       -d '{"login": ${LOGIN}, "password": "${PASSWORD}", "server": "${SERVER}", "broker_name": "Demo Broker"}'
  # then, with the account_id it answers:
  curl -s ${URL}/api/mt5/account/<account_id>/info -H "X-API-Key: \$KEY" -H "Authorization: Bearer \$TOKEN"

MSG
exec build/bin/mt5bridge serve --config config/default.yaml
