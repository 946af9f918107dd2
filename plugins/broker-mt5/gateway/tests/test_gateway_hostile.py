"""The gateway against hostile clients, over raw TLS sockets: bounded before authentication,
strict about what it parses, and quiet in its log (docs/mt5-gateway-protocol.md "Limits").

Run from this folder: python3 -m unittest -v test_gateway_hostile
"""

import json
import shutil
import socket
import ssl
import tempfile
import threading
import time
import unittest

from gateway_harness import GatewayProcess, make_certificate, make_token_file

FOLDER = CERT = KEY = TOKEN = TOKEN_FILE = None


def setUpModule():
    global FOLDER, CERT, KEY, TOKEN, TOKEN_FILE
    FOLDER = tempfile.mkdtemp(prefix="mt5-gateway-hostile-")
    CERT, KEY = make_certificate(FOLDER)
    TOKEN, TOKEN_FILE = make_token_file(FOLDER)


def tearDownModule():
    shutil.rmtree(FOLDER, ignore_errors=True)


def tls(port, timeout_s=10):
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout_s)
    context = ssl.create_default_context(cafile=CERT)
    return context.wrap_socket(raw, server_hostname="localhost")


def read_answer(sock):
    """The next answer line as a dict, or None when the connection closed first."""
    data = b""
    while not data.endswith(b"\n"):
        try:
            chunk = sock.recv(65536)
        except (ConnectionError, ssl.SSLError):
            return None
        if not chunk:
            return None
        data += chunk
    return json.loads(data)


def is_closed(sock, timeout_s=5):
    sock.settimeout(timeout_s)
    try:
        return sock.recv(1) == b""
    except (ConnectionError, ssl.SSLError):
        return True
    except socket.timeout:
        return False


def hello_line(token=None, request_id=1, **params):
    body = {"token": token or TOKEN, "client": "hostile"}
    body.update(params)
    return json.dumps({"id": request_id, "method": "hello", "params": body}).encode() + b"\n"


def rss_kib(pid):
    with open("/proc/%d/status" % pid, encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Hostile(unittest.TestCase):
    def start(self, *args, name="hostile"):
        gateway = GatewayProcess(FOLDER, CERT, KEY, TOKEN_FILE, args=list(args), name=name)
        self.addCleanup(gateway.stop)
        return gateway

    def connect(self, gateway):
        sock = tls(gateway.port)
        self.addCleanup(sock.close)
        return sock

    def authenticated(self, gateway):
        sock = self.connect(gateway)
        sock.sendall(hello_line())
        self.assertIn("result", read_answer(sock))
        return sock

    def assert_no_error_lines(self, gateway):
        errors = [line for line in gateway.log_lines() if line.get("level") == "error"]
        self.assertEqual(errors, [])

    # --- bounded before authentication --------------------------------------------------

    def test_an_unauthenticated_line_is_refused_after_the_hello_limit_not_parsed(self):
        gateway = self.start(name="big-hello")
        before = rss_kib(gateway.process.pid)
        socks = [self.connect(gateway) for _ in range(8)]
        blob = b"[" + b"{}," * (1024 * 1024 // 3)  # 1 MiB of objects, no newline
        answers = []

        def flood(sock):
            try:
                sock.sendall(blob)
            except (ConnectionError, ssl.SSLError, OSError):
                pass  # the gateway may close before taking it all
            answers.append(read_answer(sock))

        threads = [threading.Thread(target=flood, args=(s,)) for s in socks]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        self.assertLess(time.monotonic() - started, 5)
        for answer in answers:
            if answer is not None:  # a reset may beat the answer; either way it is refused
                self.assertEqual(answer["error"]["kind"], "protocol")
                self.assertIn("longer than 4096 bytes", answer["error"]["message"])
        self.assertTrue(any(answers))
        self.assertLess(rss_kib(gateway.process.pid) - before, 20 * 1024)
        self.assert_no_error_lines(gateway)

    def test_the_hello_deadline_is_overall_a_byte_a_while_does_not_extend_it(self):
        gateway = self.start("--hello-timeout-s", "1.5", name="trickle")
        sock = self.connect(gateway)
        started = time.monotonic()
        closed_after = None
        while time.monotonic() - started < 4:
            try:
                sock.sendall(b" ")
            except (ConnectionError, ssl.SSLError, OSError):
                closed_after = time.monotonic() - started
                break
            if is_closed(sock, 0.25):
                closed_after = time.monotonic() - started
                break
        self.assertIsNotNone(closed_after, "a trickling client kept its connection for 4 s")
        self.assertLess(closed_after, 2.5)

    def test_a_silent_tls_handshake_is_cut_at_the_hello_deadline(self):
        gateway = self.start("--hello-timeout-s", "1", name="silent")
        raw = socket.create_connection(("127.0.0.1", gateway.port), timeout=5)
        self.addCleanup(raw.close)
        started = time.monotonic()
        self.assertEqual(raw.recv(1), b"")  # no ClientHello ever sent
        self.assertLess(time.monotonic() - started, 2)

    def test_unauthenticated_connections_do_not_take_working_slots(self):
        gateway = self.start("--max-connections", "2", "--max-unauthenticated-per-address",
                             "8", name="slots")
        idle = [self.connect(gateway) for _ in range(6)]
        for sock in idle:
            sock.sendall(b" ")  # connected, handshaken, not a word of hello
        client = self.authenticated(gateway)
        client.sendall(b'{"id": 2, "method": "ping"}\n')
        self.assertIs(read_answer(client)["result"]["pong"], True)
        self.assertEqual(len(idle), 6)

    def test_unauthenticated_connections_are_limited_per_source_address(self):
        gateway = self.start("--max-unauthenticated-per-address", "3", name="per-address")
        idle = [self.connect(gateway) for _ in range(3)]
        self.assertEqual(len(idle), 3)
        with self.assertRaises((ConnectionError, ssl.SSLError, OSError)):
            extra = tls(gateway.port, timeout_s=5)
            self.addCleanup(extra.close)
            extra.sendall(hello_line())
            if read_answer(extra) is None:
                raise ConnectionError("closed")
        for sock in idle:
            sock.close()
        time.sleep(0.3)
        self.authenticated(gateway)  # the slots came back

    def test_a_client_past_the_working_cap_is_answered_busy_after_hello(self):
        gateway = self.start("--max-connections", "1", name="cap")
        self.authenticated(gateway)
        second = self.connect(gateway)
        second.sendall(hello_line())
        answer = read_answer(second)
        self.assertEqual(answer["error"]["kind"], "busy")
        self.assertIn("maximum of 1 connections", answer["error"]["message"])
        self.assertTrue(is_closed(second))

    def test_wrong_tokens_are_delayed_counted_and_then_the_address_is_refused(self):
        gateway = self.start("--wrong-token-delay-ms", "300", "--wrong-tokens-to-block", "3",
                             name="wrong-tokens")
        for attempt in range(3):
            sock = self.connect(gateway)
            started = time.monotonic()
            sock.sendall(hello_line(token="x" * len(TOKEN)))
            self.assertEqual(read_answer(sock)["error"]["kind"], "auth")
            self.assertGreaterEqual(time.monotonic() - started, 0.29)
        refusals = [line for line in gateway.log_lines()
                    if line.get("event") == "hello refused: wrong token"]
        self.assertEqual([line["wrong_tokens"] for line in refusals], [1, 2, 3])
        self.assertIs(refusals[-1]["blocked"], True)
        # Now even the right token is refused at connect, for a while.
        with self.assertRaises((ConnectionError, ssl.SSLError, OSError)):
            sock = tls(gateway.port, timeout_s=5)
            self.addCleanup(sock.close)
            sock.sendall(hello_line())
            if read_answer(sock) is None:
                raise ConnectionError("closed")

    # --- strict parsing, before and after hello ------------------------------------------

    def assert_protocol_answer(self, sock, line, expected_id=None):
        sock.sendall(line)
        answer = read_answer(sock)
        self.assertIsNotNone(answer, "closed without an answer")
        self.assertEqual((answer["id"], answer["error"]["kind"]), (expected_id, "protocol"))
        self.assertTrue(is_closed(sock))

    def test_deep_nesting_and_lone_surrogates_are_protocol_answers_not_tracebacks(self):
        gateway = self.start(name="nesting")
        for line in (b"[" * 2000 + b"]" * 2000 + b"\n",
                     b'{"id": 1, "method": "hello", "params": {"token": "\\ud800"}}\n',
                     b'{"id": "\\udfff", "method": "hello"}\n'):
            with self.subTest(line=line[:40]):
                self.assert_protocol_answer(self.connect(gateway), line)
        for line in (b"[" * 100000 + b"\n",
                     b'{"id": 5, "method": "ping", "params": {"x": "\\ud800"}}\n',
                     b'{"id": 6, "method": "ping", "params": ' + b"[" * 40 + b"]" * 40 + b"}\n"):
            with self.subTest(line=line[:40]):
                self.assert_protocol_answer(self.authenticated(gateway), line)
        self.assert_no_error_lines(gateway)

    def test_ids_protocol_versions_and_duplicate_keys_are_strict(self):
        gateway = self.start(name="strict")
        self.assert_protocol_answer(self.connect(gateway),
                                    b'{"id": true, "method": "hello", "params": {}}\n')
        self.assert_protocol_answer(self.authenticated(gateway),
                                    b'{"id": false, "method": "ping"}\n')
        for version in (True, 1.0, "1", None, 2):
            with self.subTest(version=version):
                sock = self.connect(gateway)
                sock.sendall(hello_line(protocol=version, request_id=9))
                answer = read_answer(sock)
                self.assertEqual((answer["id"], answer["error"]["kind"]), (9, "protocol"))
        sock = self.connect(gateway)
        sock.sendall(hello_line(protocol=1))
        self.assertEqual(read_answer(sock)["result"]["protocol"], 1)
        duplicated = ('{"id": 1, "method": "hello", "params": {"token": "%s", "token": "%s"}}\n'
                      % ("x" * len(TOKEN), TOKEN)).encode()
        self.assert_protocol_answer(self.connect(gateway), duplicated)
        self.assert_protocol_answer(self.authenticated(gateway),
                                    b'{"id": 3, "method": "ping", "method": "shutdown"}\n')

    def test_a_huge_method_name_is_refused_and_never_logged_in_full(self):
        gateway = self.start(name="huge-method")
        sock = self.authenticated(gateway)
        method = "m" * (2 * 1024 * 1024)
        self.assert_protocol_answer(sock, json.dumps({"id": 4, "method": method}).encode()
                                    + b"\n", expected_id=4)
        sock = self.authenticated(gateway)
        sock.sendall(json.dumps({"id": 5, "method": "x" * 60}).encode() + b"\n")
        self.assertEqual(read_answer(sock)["error"]["kind"], "protocol")  # unknown, stays open
        gateway.stop()
        self.assertLess(max(len(line) for line in gateway.log_text().splitlines()), 2000)


if __name__ == "__main__":
    unittest.main()
