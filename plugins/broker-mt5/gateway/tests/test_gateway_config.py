"""The gateway's own configuration decides, not its clients (docs/mt5-gateway.md, section 4a):
the terminal path, the largest timeout, TLS versions and forward-secret ciphers, and an
optional client certificate in addition to the token.

Run from this folder: python3 -m unittest -v test_gateway_config
"""

import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

from gateway_harness import (DEMO, FAKE_MODULE, GATEWAY, GatewayProcess, make_certificate,
                             make_token_file, write_scenario)

ALICE = {"login": 5001234, "password": "investor-pass-1", "server": "MetaQuotes-Demo"}
FOLDER = CERT = KEY = TOKEN = TOKEN_FILE = None


def setUpModule():
    global FOLDER, CERT, KEY, TOKEN, TOKEN_FILE
    FOLDER = tempfile.mkdtemp(prefix="mt5-gateway-config-")
    CERT, KEY = make_certificate(FOLDER)
    TOKEN, TOKEN_FILE = make_token_file(FOLDER)


def tearDownModule():
    shutil.rmtree(FOLDER, ignore_errors=True)


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, cwd=FOLDER,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def client_ca_and_certificate():
    """A private CA and a client certificate it signed; returns (ca, cert, key) paths."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
            "-subj", "/CN=test client CA", "-keyout", "ca.key", "-out", "ca.crt")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-sha256", "-subj", "/CN=mt5bridge",
            "-keyout", "client.key", "-out", "client.csr")
    openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-sha256", "-days", "2", "-out", "client.crt")
    return tuple(os.path.join(FOLDER, name) for name in ("ca.crt", "client.crt", "client.key"))


def hello_over(context, port):
    """Says hello over a TLS connection made with `context`; the answer, or None if closed."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    with context.wrap_socket(raw, server_hostname="localhost") as sock:
        sock.sendall(json.dumps({"id": 1, "method": "hello",
                                 "params": {"token": TOKEN}}).encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(4096)
            if not chunk:
                return None
            data += chunk
        return json.loads(data)


def client_context(max_version=None, ciphers=None):
    context = ssl.create_default_context(cafile=CERT)
    if max_version is not None:
        context.maximum_version = max_version
    if ciphers is not None:
        context.set_ciphers(ciphers)
    return context


class GatewayConfiguration(unittest.TestCase):
    def start(self, *args, scenario=DEMO, name="config"):
        gateway = GatewayProcess(FOLDER, CERT, KEY, TOKEN_FILE, scenario=scenario,
                                 args=list(args), name=name)
        self.addCleanup(gateway.stop)
        return gateway

    def client(self, gateway):
        client = gateway.connect(CERT)
        self.addCleanup(client.close)
        self.assertIn("result", client.request("hello", {"token": TOKEN}))
        return client

    def test_a_client_cannot_choose_the_terminal_executable(self):
        gateway = self.start(name="no-path")  # no --terminal-path either
        client = self.client(gateway)
        error = client.error("initialize", {"path": "C:/Windows/System32/calc.exe"})
        self.assertEqual(error["kind"], "protocol")
        self.assertIn("--terminal-path", error["message"])
        self.assertIs(client.result("ping")["initialized"], False)
        self.assertIs(client.result("initialize"), True)

    def test_a_client_timeout_above_the_gateways_maximum_is_lowered_to_it(self):
        def hanging_alice(document):
            document["accounts"][0]["knobs"]["fail"] = "hang"
        gateway = self.start("--max-timeout-ms", "1000", name="max-timeout",
                             scenario=write_scenario(FOLDER, "hang.json", hanging_alice))
        client = self.client(gateway)
        client.result("initialize")
        started = time.monotonic()
        error = client.error("login", dict(ALICE, timeout_ms=10**9), deadline_ms=10000)
        self.assertEqual((error["kind"], error["code"]), ("mt5", -10005))
        self.assertLess(time.monotonic() - started, 3)
        self.assertIs(client.result("ping")["busy"], False)

    def test_tls_1_2_without_forward_secrecy_or_aead_is_refused(self):
        gateway = self.start(name="ciphers")
        for ciphers in ("AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA256",
                        "@SECLEVEL=0:ECDHE-RSA-AES128-SHA"):
            with self.subTest(ciphers=ciphers):
                with self.assertRaises((ssl.SSLError, ConnectionError)):
                    hello_over(client_context(ssl.TLSVersion.TLSv1_2, ciphers), gateway.port)
        answer = hello_over(client_context(ssl.TLSVersion.TLSv1_2,
                                           "ECDHE-RSA-AES128-GCM-SHA256"), gateway.port)
        self.assertIn("result", answer)
        self.assertIn("result", hello_over(client_context(), gateway.port))  # TLS 1.3

    def test_the_minimum_tls_version_may_be_raised_to_1_3(self):
        gateway = self.start("--tls-min-version", "1.3", name="tls13")
        with self.assertRaises((ssl.SSLError, ConnectionError)):
            hello_over(client_context(ssl.TLSVersion.TLSv1_2), gateway.port)
        self.assertIn("result", hello_over(client_context(), gateway.port))

    def test_a_client_certificate_may_be_required_in_addition_to_the_token(self):
        ca, cert, key = client_ca_and_certificate()
        gateway = self.start("--client-ca", ca, name="mtls")
        with self.assertRaises((ssl.SSLError, ConnectionError)):
            if hello_over(client_context(), gateway.port) is None:
                raise ConnectionError("closed without an answer")
        with_cert = client_context()
        with_cert.load_cert_chain(cert, key)
        self.assertIn("result", hello_over(with_cert, gateway.port))
        # The certificate does not replace the token.
        raw = socket.create_connection(("127.0.0.1", gateway.port), timeout=10)
        with with_cert.wrap_socket(raw, server_hostname="localhost") as sock:
            sock.sendall(b'{"id": 1, "method": "hello", "params": {"token": "nope"}}\n')
            self.assertEqual(json.loads(sock.makefile("rb").readline())["error"]["kind"],
                             "auth")

    def test_a_weak_cipher_list_or_bad_limits_stop_the_start_with_a_sentence(self):
        environment = dict(os.environ, MT5_FAKE_SCENARIO=DEMO)
        for args, expected in [
                (["--tls-ciphers", "AES128-GCM-SHA256:ECDHE+AESGCM"], "forward secrecy"),
                (["--tls-ciphers", "NOT-A-CIPHER"], "selects no cipher"),
                (["--client-ca", os.path.join(FOLDER, "missing.crt")], "--client-ca"),
                (["--max-timeout-ms", "5"], "--max-timeout-ms")]:
            with self.subTest(expected=expected):
                done = subprocess.run(
                    [sys.executable, GATEWAY, "--mt5-module", FAKE_MODULE, "--port", "0",
                     "--cert", CERT, "--key", KEY, "--token-file", TOKEN_FILE] + args,
                    env=environment, capture_output=True, text=True, timeout=30)
                self.assertEqual(done.returncode, 2, done.stderr)
                self.assertIn(expected, done.stderr)


if __name__ == "__main__":
    unittest.main()
