"""Set-up steps of rest_info_vs_nginx.sh that are easier in Python than in shell.

Standard library only, so it runs on a fresh Debian 12. Secrets come from the environment the
script exports for the host (MT5_SERVICE_API_KEY, SUPABASE_JWT_SECRET) and are never printed,
except the user token by `jwt`, whose output the script keeps in a variable.

  bench_client.py free-port
  bench_client.py config SRC DST INFO_TTL_S     copy a host config, overriding the api keys
  bench_client.py scenario SRC DST              the scenario's first account, all knobs zeroed
  bench_client.py jwt USER_ID                   an HS256 user token like tests/e2e/harness.py
  bench_client.py wait-http PORT PATH TIMEOUT_S PID   poll PATH until 200, or until PID exits
  bench_client.py link PORT SCENARIO            link the scenario's first account; prints its id
  bench_client.py fetch PORT PATH OUT           GET with the bench headers; body to OUT, head to
                                                OUT.head, sizes on stdout
"""

import base64
import hashlib
import hmac
import json
import os
import re
import socket
import sys
import time
import uuid


def die(message):
    sys.stderr.write("bench_client: " + message + "\n")
    sys.exit(1)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def override_api_section(text, overrides):
    """Replaces the given keys inside the top-level `api:` block (block style), keeping every other
    key and comment, or appends an `api:` block when the file has none. Line-based on purpose: the
    host's YAML must stay byte-identical apart from these keys, and PyYAML is not installed."""
    lines = text.splitlines()
    start = next((i for i, l in enumerate(lines) if re.match(r"^api\s*:", l)), None)
    new_keys = ["  %s: %s" % (k, v) for k, v in overrides.items()]
    if start is None:
        return "\n".join(lines + ["", "api:"] + new_keys) + "\n"
    if lines[start].split(":", 1)[1].split("#", 1)[0].strip():
        die("the api section of the config is in flow style (api: {...}); write it as a block")
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t#"):
        end += 1
    body, skipping = [], False
    for line in lines[start + 1:end]:
        key = re.match(r"^  (\w+)\s*:", line)
        if key:
            skipping = key.group(1) in overrides
        elif re.match(r"^ ? ?\S", line):
            skipping = False  # a comment at key level belongs to the next key
        if not skipping:
            body.append(line)
    while body and not body[-1].strip():
        body.pop()
    tail = lines[end:]
    return "\n".join(lines[:start + 1] + body + new_keys + ([""] if tail else []) + tail) + "\n"


def write_config(src, dst, info_ttl_s):
    with open(src) as f:
        text = f.read()
    # per_key_per_min 0 = unlimited: the benchmark sends ~10^6 requests with one key in 10 s.
    text = override_api_section(text, {"info_cache_ttl_s": str(int(info_ttl_s)),
                                       "rate_limits": "{ per_key_per_min: 0 }"})
    with open(dst, "w") as f:
        f.write(text)


def write_scenario(src, dst):
    with open(src) as f:
        scenario = json.load(f)
    if not scenario.get("accounts"):
        die(src + " lists no accounts; the benchmark links the first one")
    account = dict(scenario["accounts"][0])
    # The uncached path is measured against the mock broker at zero latency and without failures.
    account["knobs"] = {"login_latency_ms": 0, "call_latency_ms": 0, "fail": None,
                        "fail_calls": None, "fail_after_calls": 0}
    scenario["accounts"] = [account]
    with open(dst, "w") as f:
        json.dump(scenario, f)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(sub, secret, exp_in=6 * 3600):
    header = {"alg": "HS256", "typ": "JWT"}
    now = int(time.time())
    payload = {"sub": sub, "role": "authenticated", "aud": "authenticated", "iat": now,
               "exp": now + exp_in}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
    sig = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(sig)


def env(name):
    value = os.environ.get(name)
    if not value:
        die("the environment variable %s is not set; run this through rest_info_vs_nginx.sh" % name)
    return value


def bench_headers():
    return {"X-API-Key": env("MT5_SERVICE_API_KEY"),
            "Authorization": "Bearer " + env("BENCH_USER_JWT")}


def http(port, method, path, headers, body=None, timeout=30):
    """One HTTP/1.1 exchange on a raw socket, so the exact header bytes can be reported.
    Returns (status, head bytes with the blank line, body bytes, header dict with lower-case
    names)."""
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1:%d" % port,
             "Connection: close"]
    lines += ["%s: %s" % kv for kv in headers.items()]
    if body is not None:
        lines += ["Content-Type: application/json", "Content-Length: %d" % len(body)]
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(raw)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep:
        raise OSError("the server closed the connection before a complete response")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    fields = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    length = int(fields.get("content-length", len(rest)))
    return int(status_line.split()[1]), head + sep, rest[:length], fields


def process_gone(pid):
    """True once the server has exited (a zombie counts: the script reaps it later)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def wait_http(port, path, timeout_s, pid):
    deadline = time.time() + float(timeout_s)
    while time.time() < deadline:
        if process_gone(pid):
            die("the server (pid %d) exited before answering GET %s" % (pid, path))
        try:
            if http(port, "GET", path, {}, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    die("nothing answered 200 to GET %s on port %s within %s s" % (path, port, timeout_s))


def link(port, scenario_path):
    with open(scenario_path) as f:
        account = json.load(f)["accounts"][0]
    body = json.dumps({"login": account["login"], "password": account["password"],
                       "server": account["server"], "broker_name": "Bench Broker Ltd"}).encode()
    status, _, payload, _ = http(port, "POST", "/api/mt5/accounts", bench_headers(), body)
    if status != 201:
        die("linking the demo account answered %d: %s"
            % (status, payload[:300].decode("utf-8", "replace")))
    print(json.loads(payload)["account_id"])


def fetch(port, path, out):
    status, head, payload, fields = http(port, "GET", path, bench_headers())
    if status != 200:
        die("GET %s answered %d: %s" % (path, status, payload[:300].decode("utf-8", "replace")))
    with open(out, "wb") as f:
        f.write(payload)
    with open(out + ".head", "wb") as f:  # for comparing what each server sends besides the body
        f.write(head)
    print("status=%d head_bytes=%d body_bytes=%d content_type=%s cached=%s" % (
        status, len(head), len(payload), fields.get("content-type", "-"),
        str(json.loads(payload).get("cached", "-")).lower()))


def main(argv):
    if len(argv) < 2:
        die(__doc__)
    command, args = argv[1], argv[2:]
    if command == "free-port":
        print(free_port())
    elif command == "config" and len(args) == 3:
        write_config(*args)
    elif command == "scenario" and len(args) == 2:
        write_scenario(*args)
    elif command == "jwt" and len(args) == 1:
        print(make_jwt(args[0] or str(uuid.uuid4()), env("SUPABASE_JWT_SECRET")))
    elif command == "wait-http" and len(args) == 4:
        wait_http(int(args[0]), args[1], args[2], int(args[3]))
    elif command == "link" and len(args) == 2:
        link(int(args[0]), args[1])
    elif command == "fetch" and len(args) == 3:
        fetch(int(args[0]), args[1], args[2])
    else:
        die("unknown command or wrong arguments: " + " ".join(argv[1:]) + "\n" + __doc__)


if __name__ == "__main__":
    main(sys.argv)
