"""End-to-end harness: starts the real mt5bridge binary on loopback and speaks HTTP to it.

Only the standard library is used, so the tests run on a fresh Debian 12 with python3.
Environment (set by CTest): MT5BRIDGE_BIN, MT5BRIDGE_PLUGIN_DIR, MT5BRIDGE_SOURCE_DIR.
"""

import base64
import hashlib
import hmac
import http.client
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import uuid

SOURCE_DIR = os.environ.get("MT5BRIDGE_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BIN = os.environ.get("MT5BRIDGE_BIN", os.path.join(SOURCE_DIR, "build", "bin", "mt5bridge"))
PLUGIN_DIR = os.environ.get("MT5BRIDGE_PLUGIN_DIR", os.path.join(os.path.dirname(BIN), "..", "plugins"))

API_KEY = "e2e-service-key-0123456789abcdef"
JWT_SECRET = "e2e-jwt-secret-0123456789abcdef0123456789"
ENCRYPTION_KEY = base64.b64encode(b"e2e-encryption-key-32-bytes-long").decode()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(sub, secret=JWT_SECRET, role="authenticated", aud="authenticated", exp_in=3600, alg="HS256", extra=None):
    """A Supabase-style access token signed HS256 (or not at all for alg=none)."""
    header = {"alg": alg, "typ": "JWT"}
    now = int(time.time())
    payload = {"sub": sub, "role": role, "aud": aud, "iat": now, "exp": now + exp_in}
    if extra:
        payload.update(extra)
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
    if alg == "none":
        return signing_input + "."
    sig = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(sig)


def load_scenario(name="demo.json"):
    with open(os.path.join(SOURCE_DIR, "config", "scenarios", name)) as f:
        return json.load(f)


def healthy_demo_account(scenario):
    """The first scenario account whose login works without injected failures."""
    for acc in scenario["accounts"]:
        knobs = acc.get("knobs") or {}
        if not knobs.get("fail") and not knobs.get("fail_calls"):
            return acc
    raise AssertionError("the scenario has no account without failure knobs")


class Host:
    """One mt5bridge process with its own port, database and log file."""

    def __init__(self, scenario=None, extra_env=None, config_text=None):
        self.dir = tempfile.mkdtemp(prefix="mt5bridge-e2e-")
        self.port = free_port()
        self.log_path = os.path.join(self.dir, "host.log")
        self.db_path = os.path.join(self.dir, "mt5bridge.db")
        self.config_path = os.path.join(SOURCE_DIR, "config", "default.yaml")
        if config_text is not None:
            self.config_path = os.path.join(self.dir, "config.yaml")
            with open(self.config_path, "w") as f:
                f.write(config_text)
        self.env = dict(os.environ)
        self.env.update({
            "MT5BRIDGE_PLUGIN_DIR": PLUGIN_DIR,
            "MT5_SERVICE_API_KEY": API_KEY,
            "SUPABASE_JWT_SECRET": JWT_SECRET,
            "ENCRYPTION_KEY": ENCRYPTION_KEY,
            "MT5BRIDGE_DB": self.db_path,
            "MT5BRIDGE_LISTEN": "127.0.0.1:%d" % self.port,
            "MT5BRIDGE_SCENARIO": scenario or os.path.join(SOURCE_DIR, "config", "scenarios", "demo.json"),
            "MT5BRIDGE_LOG_LEVEL": "debug",
            # The suites send many refused requests from 127.0.0.1 on purpose; the per-IP limit
            # of failed authentications has its own test (test_refusal_flood).
            "MT5BRIDGE_AUTH_FAILURES_PER_IP_PER_MIN": "0",
        })
        if extra_env:
            self.env.update(extra_env)
        self.proc = None

    def start(self, timeout_s=20):
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([BIN, "serve", "--config", self.config_path], cwd=SOURCE_DIR,
                                     env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("mt5bridge exited with %s during start-up:\n%s" % (self.proc.returncode, self.logs()))
            try:
                status, _, _ = self.request("GET", "/livez")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError("mt5bridge did not answer /livez in time:\n" + self.logs())

    def stop(self, sig=signal.SIGTERM, timeout_s=15):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("mt5bridge did not stop within %ss of %s" % (timeout_s, sig))
        if getattr(self, "log", None):
            self.log.close()
        return self.proc.returncode if self.proc else None

    def logs(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def settled_logs(self, timeout_s=10):
        """logs() once every line written so far has reached the file. The host writes its log
        asynchronously, in order: a marker request's access line appearing means every line
        before it is there too."""
        marker = "e2e-settle-" + uuid.uuid4().hex
        self.request("GET", "/livez", headers={"X-Request-ID": marker})
        deadline = time.time() + timeout_s
        while True:
            text = self.logs()
            if marker in text or time.time() > deadline:
                return text
            time.sleep(0.02)

    def request(self, method, path, body=None, headers=None, conn=None):
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        data = None
        hdrs = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            hdrs.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()
        if own:
            conn.close()
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = raw.decode("utf-8", "replace")
        return resp.status, payload, {k.lower(): v for k, v in resp.getheaders()}

    def auth(self, user=None, api_key=API_KEY, token=None):
        h = {}
        if api_key is not None:
            h["X-API-Key"] = api_key
        if token is None and user is not None:
            token = make_jwt(user)
        if token is not None:
            h["Authorization"] = "Bearer " + token
        return h


def new_user():
    return str(uuid.uuid4())


# ---------------------------------------------------------------------------------------------
# Helpers for the REST API suites (test_api, test_openapi).

import re  # noqa: E402  (kept with the helpers that use it)

ERROR_KEYS = ("success", "error_code", "error_message", "details", "request_id")


def config_text(api_yaml=None, broker_yaml=None, extra_api_keys=()):
    """config/default.yaml with its `api:` block replaced by `api_yaml` (YAML lines indented two
    spaces, without the `api:` line), `broker_yaml` lines added to the demo broker instance, and
    more service API keys accepted beside MT5_SERVICE_API_KEY (each its own rate-limit bucket)."""
    with open(os.path.join(SOURCE_DIR, "config", "default.yaml")) as f:
        text = f.read()
    if api_yaml is not None and "auth_failures_per_ip_per_min" not in api_yaml:
        # Keep the suites' own limit of failed authentications (see Host's environment).
        knob = '    auth_failures_per_ip_per_min: "${MT5BRIDGE_AUTH_FAILURES_PER_IP_PER_MIN:-30}"\n'
        if re.search(r"(?m)^  rate_limits:\s*\n", api_yaml):
            api_yaml = re.sub(r"(?m)^(  rate_limits:\s*\n)", lambda m: m.group(1) + knob, api_yaml, count=1)
        else:
            api_yaml = api_yaml.rstrip("\n") + "\n  rate_limits:\n" + knob
    if api_yaml is not None:
        text, count = re.subn(r"(?m)^api:\n(?:(?:[ \t].*)?\n)*", "api:\n" + api_yaml.rstrip("\n") + "\n\n", text)
        assert count == 1, "config/default.yaml has no top-level api: block any more"
    if broker_yaml:
        match = re.search(r"(?m)^([ \t]+)scenario: .*\n", text)
        assert match, "config/default.yaml has no broker scenario: line any more"
        indent = match.group(1)
        lines = "".join(indent + line + "\n" for line in broker_yaml.strip("\n").split("\n"))
        text = text[:match.end()] + lines + text[match.end():]
    if extra_api_keys:
        keys = ", ".join(json.dumps(k) for k in extra_api_keys)
        text, count = re.subn(r'(?m)^(\s+keys: \[ "\$\{MT5_SERVICE_API_KEY[^"]*")', r"\1, " + keys.replace("\\", "\\\\"), text)
        assert count == 1, "config/default.yaml lists the API keys differently now"
    return text


def raw_exchange(port, data, timeout_s=10, read_limit=1 << 20):
    """Sends raw bytes on a fresh connection and reads one response (or until the server closes).
    Returns (status, headers, body bytes); status None when the server closed without answering.
    Send errors (the server closing early, e.g. on a body it refuses) are not raised."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as s:
        try:
            for i in range(0, len(data), 65536):
                s.sendall(data[i:i + 65536])
        except OSError:
            pass
        received = b""
        try:
            while len(received) < read_limit:
                chunk = s.recv(65536)
                if not chunk:
                    break
                received += chunk
                head_end = received.find(b"\r\n\r\n")
                if head_end >= 0:
                    length = re.search(rb"(?im)^content-length:\s*(\d+)", received[:head_end])
                    if length and len(received) >= head_end + 4 + int(length.group(1)):
                        break
        except OSError:
            pass
    head_end = received.find(b"\r\n\r\n")
    if not received.startswith(b"HTTP/") or head_end < 0:
        return None, {}, received
    lines = received[:head_end].decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, received[head_end + 4:]


def host_route_table(source_dir=SOURCE_DIR):
    """The (METHOD, path) of every `router.add({"METHOD", "/path", ...` in host/**/*.cpp."""
    pattern = re.compile(r'router\.add\(\s*\{\s*"([A-Z]+)"\s*,\s*"([^"]+)"')
    routes = set()
    for root, _, files in os.walk(os.path.join(source_dir, "host")):
        for name in files:
            if name.endswith(".cpp"):
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    routes.update(pattern.findall(f.read()))
    return routes


def resolve_ref(doc, node):
    """Follows local $refs (#/a/b) until `node` is not a reference."""
    while isinstance(node, dict) and "$ref" in node:
        target = doc
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


_JSON_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
}


def schema_errors(doc, schema, value, where="$"):
    """Where `value` breaks the OpenAPI 3.0 `schema` (the subset docs/openapi.json uses: $ref,
    allOf, type, nullable, enum, required, properties, additionalProperties, items, minimum,
    maximum, minLength, maxLength, pattern). An empty list when it conforms."""
    schema = resolve_ref(doc, schema)
    errors = []
    for part in schema.get("allOf", []):
        errors += schema_errors(doc, part, value, where)
    if value is None:
        if not schema.get("nullable") and "type" in schema:
            errors.append("%s is null but not nullable" % where)
        return errors
    kind = schema.get("type")
    if kind and not _JSON_TYPES[kind](value):
        return errors + ["%s should be %s, not %r" % (where, kind, value)]
    if "enum" in schema and value not in schema["enum"]:
        errors.append("%s is %r, not one of %r" % (where, value, schema["enum"]))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append("%s is %r, below %r" % (where, value, schema["minimum"]))
        if "maximum" in schema and value > schema["maximum"]:
            errors.append("%s is %r, above %r" % (where, value, schema["maximum"]))
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", len(value)):
            errors.append("%s has a length outside the schema's" % where)
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append("%s (%r) does not match %s" % (where, value, schema["pattern"]))
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                errors.append("%s lacks %s" % (where, name))
        for name, item in value.items():
            if name in props:
                errors += schema_errors(doc, props[name], item, "%s.%s" % (where, name))
            elif schema.get("additionalProperties") is False:
                errors.append("%s has the undocumented field %s" % (where, name))
            elif isinstance(schema.get("additionalProperties"), dict):
                errors += schema_errors(doc, schema["additionalProperties"], item, "%s.%s" % (where, name))
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            errors += schema_errors(doc, schema["items"], item, "%s[%d]" % (where, index))
    return errors


# ---------------------------------------------------------------------------------------------
# Helpers for the sync suite (test_sync).

def replace_top_level_block(text, key, body_yaml):
    """`text` with its top-level `key:` block replaced by `body_yaml` (lines indented two spaces,
    without the `key:` line); the block is appended when the text has none."""
    block = key + ":\n" + body_yaml.rstrip("\n") + "\n\n"
    text, count = re.subn(r"(?m)^%s:\n(?:(?:[ \t].*)?\n)*" % re.escape(key), lambda _: block, text)
    return text if count else text.rstrip("\n") + "\n\n" + block


def sync_config_text(sync_yaml, api_yaml, broker_yaml=None, time_zones=None):
    """config/default.yaml with its `sync:` and `api:` blocks replaced, `broker_yaml` lines added
    to the broker instance, and (when given) its `time_zones:` mapping replaced by `time_zones`."""
    text = config_text(api_yaml=api_yaml, broker_yaml=broker_yaml)
    text = replace_top_level_block(text, "sync", sync_yaml)
    if time_zones is not None:
        text, count = re.subn(r"(?m)^([ \t]+)time_zones: .*$", lambda m: m.group(1) + "time_zones: " + time_zones, text)
        assert count == 1, "config/default.yaml has no time_zones: line any more"
    return text


def json_log_records(text):
    """The JSON objects of a host log (one per line); other lines are skipped."""
    records = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except ValueError:
                pass
    return records


class RestartableHost(Host):
    """A Host started many times on one database and temp dir. Each start keeps the previous
    run's log as host.log.<n>, so logs() reads the current run only; kill() is a SIGKILL."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.runs = 0

    def start(self, timeout_s=20):
        if os.path.exists(self.log_path):
            os.replace(self.log_path, "%s.%d" % (self.log_path, self.runs))
        self.runs += 1
        return super().start(timeout_s)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()

    def log_records(self, message=None):
        records = json_log_records(self.logs())
        return [r for r in records if message is None or r.get("message") == message]

    def all_logs(self):
        """Every run's log, oldest first."""
        parts = []
        for n in range(1, self.runs):
            path = "%s.%d" % (self.log_path, n)
            if os.path.exists(path):
                with open(path, "rb") as f:
                    parts.append(f.read().decode("utf-8", "replace"))
        return "\n".join(parts + [self.logs()])


# ---------------------------------------------------------------------------------------------
# Helpers for the PostgreSQL and secrets suites (test_postgres_host, test_no_plaintext).

PG_BIN = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")
PG_CTL_SCRIPT = os.path.join(SOURCE_DIR, "tests", "pg", "pg_ctl.sh")


class PgCluster:
    """A throwaway PostgreSQL 15 cluster (tests/pg/pg_ctl.sh) this process may stop and start.
    Its watchdog destroys it if this process dies without calling destroy()."""

    def __init__(self, directory=None):
        """`directory` (not existing yet) inside another cluster's directory makes a second
        cluster copied from that one's fresh initdb, removed with it."""
        if directory is None:
            directory = tempfile.mkdtemp(prefix="mt5b-e2e-pg-")
            os.chmod(directory, 0o755)  # postgres (not root) must be able to enter it
        self.dir = directory
        self.port = None

    def _pg_ctl(self, *args):
        env = dict(os.environ, MT5B_PG_WATCH_PID=str(os.getpid()), PG_BIN=PG_BIN)
        done = subprocess.run([PG_CTL_SCRIPT] + list(args), env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=120)
        if done.returncode != 0:
            raise AssertionError("pg_ctl.sh %s failed: %s" % (" ".join(args), done.stderr.decode()))
        return done.stdout.decode().strip()

    def start(self):
        self.port = int(self._pg_ctl("start", self.dir).splitlines()[-1])
        return self

    def stop(self):
        self._pg_ctl("stop", self.dir)

    def destroy(self):
        self._pg_ctl("destroy", self.dir)

    def url(self, database):
        return "postgresql://mt5bridge@127.0.0.1:%d/%s" % (self.port, database)

    def log_path(self):
        return os.path.join(self.dir, "run", "pg.log")

    def psql(self, database, sql, timeout_s=120):
        """Runs `sql` (several statements allowed) and returns psql's unaligned output."""
        done = subprocess.run(
            [os.path.join(PG_BIN, "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
             "-p", str(self.port), "-U", "mt5bridge", "-d", database, "-c", sql],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout_s)
        if done.returncode != 0:
            raise AssertionError("psql failed on %r: %s" % (sql, done.stderr.decode()))
        return done.stdout.decode()

    def query(self, database, sql):
        """The rows of one SELECT as a list of dicts (through json_agg, so types survive)."""
        out = self.psql(database, "SELECT coalesce(json_agg(q), '[]'::json) FROM (%s) q" % sql).strip()
        return json.loads(out)

    def scalar(self, database, sql):
        rows = self.query(database, sql)
        return next(iter(rows[0].values())) if rows else None

    def create_database(self, name):
        """A fresh database copied from pg_ctl.sh's template (the Supabase-like shim); its url."""
        self.psql("postgres", "CREATE DATABASE %s TEMPLATE mt5b_template" % name)
        return self.url(name)

    def dump(self, database):
        """pg_dump of `database` (schema and data, plain SQL) as bytes."""
        done = subprocess.run([os.path.join(PG_BIN, "pg_dump"), "-h", "127.0.0.1", "-p", str(self.port),
                               "-U", "mt5bridge", "-d", database], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=300)
        if done.returncode != 0:
            raise AssertionError("pg_dump failed: " + done.stderr.decode())
        return done.stdout


def with_postgres_storage(text, url_variable="MT5BRIDGE_DATABASE_URL", pool_size=4, extra=None):
    """`text` (a config) with its pipeline.storage instance replaced by storage-postgres reading
    its url from the environment variable `url_variable`."""
    lines = ["    plugin: storage-postgres", '    url: "${%s}"' % url_variable, "    pool_size: %d" % pool_size]
    lines += ["    %s: %s" % (k, v) for k, v in (extra or {}).items()]
    text, count = re.subn(r"(?m)^  storage:\n(?:    .*\n)+", lambda _: "  storage:\n" + "\n".join(lines) + "\n", text)
    assert count == 1, "the config has no pipeline.storage block in the expected layout"
    return text


def wait_until(what, predicate, timeout_s, interval_s=0.1):
    """predicate()'s first truthy value, polling until `timeout_s` passes."""
    deadline = time.time() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError("timed out after %ss waiting for %s" % (timeout_s, what))
        time.sleep(interval_s)
