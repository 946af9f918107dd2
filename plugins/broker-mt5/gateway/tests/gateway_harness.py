"""Starts real gateway processes on loopback and speaks the protocol to them, for the tests.

A throwaway self-signed certificate is made with the openssl CLI; the client verifies the
gateway against it, as the plugin does with its CA file.
"""

import json
import os
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GATEWAY_DIR = os.path.dirname(HERE)
GATEWAY = os.path.join(GATEWAY_DIR, "mt5_gateway.py")
REPO = os.path.abspath(os.path.join(GATEWAY_DIR, "..", "..", ".."))
DEMO = os.path.join(REPO, "config", "scenarios", "demo.json")
FAKE_MODULE = "fake_mt5.MetaTrader5"


def make_certificate(folder):
    """A self-signed certificate for 127.0.0.1/localhost; returns (cert, key) paths."""
    cert, key = os.path.join(folder, "gateway.crt"), os.path.join(folder, "gateway.key")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", key, "-out", cert],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return cert, key


def make_token_file(folder):
    token = secrets.token_hex(24)
    path = os.path.join(folder, "token.txt")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    os.chmod(path, 0o600)
    return token, path


def write_scenario(folder, name, edit):
    """demo.json changed by `edit(document)`, written to folder/name; returns its path."""
    with open(DEMO, encoding="utf-8") as handle:
        document = json.load(handle)
    edit(document)
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle)
    return path


class GatewayProcess:
    """One gateway process with the fake terminal; its log goes to a file the test reads."""

    def __init__(self, folder, cert, key, token_file, scenario=DEMO, env=None, args=(),
                 tls=True, name="gateway"):
        self.log_path = os.path.join(folder, name + ".log")
        self.tls = tls
        command = [sys.executable, GATEWAY, "--port", "0", "--mt5-module", FAKE_MODULE,
                   "--log-level", "debug"]
        command += ["--cert", cert, "--key", key] if tls else ["--insecure-plaintext"]
        if token_file:
            command += ["--token-file", token_file]
        environment = dict(os.environ, MT5_FAKE_SCENARIO=scenario)
        environment.pop("MT5_GATEWAY_TOKEN", None)
        environment.update(env or {})
        self._log_handle = open(self.log_path, "wb")
        self.process = subprocess.Popen(command + list(args), env=environment,
                                        stdout=subprocess.PIPE, stderr=self._log_handle)
        self.port = self._wait_for_port()

    def _wait_for_port(self, timeout_s=15):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for line in self.log_lines():
                if line.get("event") == "listening":
                    return line["port"]
            if self.process.poll() is not None:
                raise AssertionError("the gateway exited with %s before listening:\n%s"
                                     % (self.process.returncode, self.log_text()))
            time.sleep(0.05)
        raise AssertionError("the gateway did not listen within %d s:\n%s"
                             % (timeout_s, self.log_text()))

    def log_text(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def log_lines(self):
        lines = []
        for text in self.log_text().splitlines():
            try:
                lines.append(json.loads(text))
            except ValueError:
                pass  # e.g. the fake's crash notice
        return lines

    def wait_exit(self, timeout_s=15):
        return self.process.wait(timeout=timeout_s)

    def stop(self):
        """SIGTERM, as a service manager would; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self.process.stdout.close()
        self._log_handle.close()
        return code

    def connect(self, cafile, timeout_s=15):
        return Client(self.port, cafile if self.tls else None, timeout_s)


class Client:
    """A minimal protocol client: one request at a time, as the plugin sends them."""

    def __init__(self, port, cafile, timeout_s=15):
        raw = socket.create_connection(("127.0.0.1", port), timeout=timeout_s)
        if cafile:
            context = ssl.create_default_context(cafile=cafile)
            self.sock = context.wrap_socket(raw, server_hostname="localhost")
        else:
            self.sock = raw
        self.reader = self.sock.makefile("rb")
        self.next_id = 0

    def close(self):
        try:
            self.reader.close()
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def read(self):
        """The next answer as a dict, or None when the gateway closed the connection."""
        line = self.reader.readline()
        return json.loads(line) if line else None

    def request(self, method, params=None, deadline_ms=None, **extra):
        self.next_id += 1
        message = {"id": self.next_id, "method": method}
        if params is not None:
            message["params"] = params
        if deadline_ms is not None:
            message["deadline_ms"] = deadline_ms
        message.update(extra)
        self.send_raw(json.dumps(message).encode("utf-8") + b"\n")
        answer = self.read()
        if answer is not None and answer.get("id") not in (self.next_id, None):
            raise AssertionError("answer %r does not match request %d" % (answer, self.next_id))
        return answer

    def result(self, method, params=None, deadline_ms=None):
        """The result of a call that must succeed."""
        answer = self.request(method, params, deadline_ms)
        if answer is None or "result" not in answer:
            raise AssertionError("%s failed: %r" % (method, answer))
        return answer["result"]

    def error(self, method, params=None, deadline_ms=None):
        """The error of a call that must fail."""
        answer = self.request(method, params, deadline_ms)
        if answer is None or "error" not in answer:
            raise AssertionError("%s did not fail: %r" % (method, answer))
        return answer["error"]

    def closed(self):
        """True when the gateway has closed the connection."""
        try:
            return self.reader.readline() == b""
        except (ConnectionError, ssl.SSLError):
            return True
