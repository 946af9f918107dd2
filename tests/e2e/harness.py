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
