#!/usr/bin/python3
"""Property-based tests (Hypothesis, Debian's python3-hypothesis) of the gateway's framing and
request validation (gateway_protocol.py), its log scrubber, and the real gateway process fed
arbitrary bytes before hello.

Run from this folder: /usr/bin/python3 -m unittest -v test_gateway_properties
"""

import json
import os
import shutil
import socket
import ssl
import sys
import tempfile
import unittest

# Hypothesis keeps caches in .hypothesis/ of the working directory: not in the source tree.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY",
                      os.path.join(tempfile.gettempdir(), "mt5-gateway-hypothesis"))

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from gateway_harness import GATEWAY_DIR, GatewayProcess, make_certificate, make_token_file

sys.path.insert(0, GATEWAY_DIR)

from gateway_log import scrub  # noqa: E402
from gateway_protocol import (MAX_DEPTH, MAX_ID_CHARS, MAX_METHOD_CHARS,  # noqa: E402
                              ClosedMidLine, HelloRefused, LineReader, LineTooLong,
                              ProtocolError, check_hello, parse_request)

# No example database: it would be written into the source tree, and CI starts afresh anyway.
settings.register_profile("gateway", database=None, deadline=None)
settings.load_profile("gateway")
FAST = settings(max_examples=100)


class ChunkedRecv:
    """A recv(n) that hands out `data` in the chunk sizes Hypothesis picked."""

    def __init__(self, data, sizes):
        self.data = data
        self.sizes = sizes or [1]
        self.calls = 0
        self.largest_request = 0

    def __call__(self, n):
        self.largest_request = max(self.largest_request, n)
        size = min(n, self.sizes[self.calls % len(self.sizes)])
        self.calls += 1
        chunk, self.data = self.data[:size], self.data[size:]
        return chunk


lines_without_newline = st.lists(st.binary(max_size=80).map(lambda b: b.replace(b"\n", b"")),
                                 max_size=12)
chunk_sizes = st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=8)
json_ids = st.one_of(st.integers(min_value=-2**63, max_value=2**63 - 1),
                     st.text(max_size=MAX_ID_CHARS))
methods = st.text(min_size=1, max_size=MAX_METHOD_CHARS)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20)


class Framing(unittest.TestCase):
    @FAST
    @given(lines_without_newline, chunk_sizes)
    def test_lines_come_back_whole_however_the_bytes_are_chunked(self, lines, sizes):
        recv = ChunkedRecv(b"".join(line + b"\n" for line in lines), sizes)
        reader = LineReader(recv)
        self.assertEqual([reader.read_line(100) for _ in lines], lines)
        self.assertIsNone(reader.read_line(100))

    @FAST
    @given(st.integers(min_value=1, max_value=200), st.integers(min_value=0, max_value=400),
           chunk_sizes)
    def test_a_line_over_the_limit_is_refused_having_read_at_most_limit_plus_one(
            self, limit, extra, sizes):
        data = b"x" * (limit + 1 + extra) + b"\n"
        recv = ChunkedRecv(data, sizes)
        with self.assertRaises(LineTooLong):
            LineReader(recv).read_line(limit)
        self.assertLessEqual(len(data) - len(recv.data), limit + 1)
        self.assertLessEqual(recv.largest_request, limit + 1)

    @FAST
    @given(st.binary(min_size=1, max_size=60).map(lambda b: b.replace(b"\n", b"x")), chunk_sizes)
    def test_a_connection_closed_mid_line_is_told_apart_from_a_clean_end(self, tail, sizes):
        with self.assertRaises(ClosedMidLine):
            LineReader(ChunkedRecv(tail, sizes)).read_line(100)


class RequestValidation(unittest.TestCase):
    @settings(max_examples=300, deadline=None)
    @given(st.binary(max_size=300))
    def test_arbitrary_bytes_are_a_request_or_a_protocol_error_never_a_crash(self, line):
        try:
            request = parse_request(line)
        except ProtocolError as error:
            self.assertTrue(str(error))
            return
        self.assertIsInstance(request.method, str)

    @FAST
    @given(json_values)
    def test_arbitrary_json_is_a_request_or_a_protocol_error(self, value):
        try:
            parse_request(json.dumps(value).encode())
        except ProtocolError:
            pass

    @FAST
    @given(json_ids, methods, st.dictionaries(st.text(max_size=8), json_values, max_size=3))
    def test_well_formed_requests_keep_their_id_method_and_params(self, request_id, method,
                                                                  params):
        line = json.dumps({"id": request_id, "method": method, "params": params}).encode()
        request = parse_request(line)
        self.assertEqual((request.id, request.method, request.params),
                         (request_id, method, params))
        self.assertIs(type(request.id), type(request_id))

    @FAST
    @given(st.one_of(st.booleans(), st.floats(), st.none(), st.lists(st.integers(), max_size=2),
                     st.integers(min_value=2**63), st.integers(max_value=-2**63 - 1),
                     st.text(alphabet="aé\u20ac", min_size=MAX_ID_CHARS + 1,
                             max_size=MAX_ID_CHARS + 20)))
    def test_ids_that_are_not_integers_or_short_strings_are_refused_and_never_echoed(self, bad):
        line = json.dumps({"id": bad, "method": "ping"}).encode()
        with self.assertRaises(ProtocolError) as raised:
            parse_request(line)
        self.assertIsNone(raised.exception.request_id)

    @FAST
    @given(json_ids, st.text(alphabet="mé_", min_size=MAX_METHOD_CHARS + 1,
                             max_size=MAX_METHOD_CHARS + 50))
    def test_long_method_names_are_refused_with_the_id(self, request_id, method):
        line = json.dumps({"id": request_id, "method": method}).encode()
        with self.assertRaises(ProtocolError) as raised:
            parse_request(line)
        self.assertEqual(raised.exception.request_id, request_id)
        self.assertNotIn(method, str(raised.exception))

    @FAST
    @given(st.integers(min_value=1, max_value=3 * MAX_DEPTH))
    def test_nesting_is_accepted_up_to_the_limit_and_refused_beyond(self, depth):
        inner = "[" * (depth - 1) + "]" * (depth - 1)  # the request object is level 1
        line = ('{"id": 1, "method": "ping", "params": {"x": %s}}' % (inner or "0")).encode()
        if depth + 1 <= MAX_DEPTH:
            parse_request(line)
        else:
            with self.assertRaises(ProtocolError):
                parse_request(line)

    @FAST
    @given(st.sampled_from(["id", "method", "params"]), json_values, json_values)
    def test_a_duplicate_key_anywhere_is_refused(self, key, first, second):
        body = {"id": 1, "method": "ping", "params": {}}
        text = json.dumps(body)[:-1] + ", %s: %s}" % (json.dumps(key), json.dumps(second))
        with self.assertRaises(ProtocolError):
            parse_request(text.encode())
        nested = '{"id": 1, "method": "ping", "params": {"a": %s, "a": %s}}' % (
            json.dumps(first), json.dumps(second))
        with self.assertRaises(ProtocolError):
            parse_request(nested.encode())

    @FAST
    @given(st.integers(min_value=0xD800, max_value=0xDFFF),
           st.sampled_from(["id", "method", "key", "value"]))
    def test_a_lone_surrogate_anywhere_is_refused(self, code, where):
        escape = "\\u%04x" % code
        line = {"id": '{"id": "%s", "method": "ping"}' % escape,
                "method": '{"id": 1, "method": "p%s"}' % escape,
                "key": '{"id": 1, "method": "ping", "params": {"%s": 1}}' % escape,
                "value": '{"id": 1, "method": "ping", "params": {"x": "%s"}}' % escape}[where]
        with self.assertRaises(ProtocolError):
            parse_request(line.encode())

    @FAST
    @given(st.one_of(json_values, st.just(1)), st.booleans())
    def test_hello_accepts_exactly_protocol_1_and_checks_the_token_first(self, version, right):
        token = b"the-right-token-0123"
        params = {"token": (token if right else b"wrong").decode(), "protocol": version}
        request = parse_request(json.dumps({"id": 1, "method": "hello",
                                            "params": params}).encode())
        matches = lambda given: given == token  # noqa: E731
        if not right:
            with self.assertRaises(HelloRefused):
                check_hello(request, matches)
        elif type(version) is int and version == 1:
            check_hello(request, matches)
        else:
            with self.assertRaises(ProtocolError):
                check_hello(request, matches)


class Scrubbing(unittest.TestCase):
    @FAST
    @given(st.text(min_size=4, max_size=30).filter(lambda s: s.strip() == s and s.strip()))
    def test_a_secret_is_gone_from_str_repr_ascii_and_bytes_spellings(self, secret):
        text = "failed for %s %r %a %r %s" % (secret, secret, secret, secret.encode("utf-8",
                                              "surrogatepass"), json.dumps(secret))
        scrubbed = scrub(text, [secret])
        for spelling in (secret, repr(secret)[1:-1], ascii(secret)[1:-1],
                         json.dumps(secret)[1:-1]):
            if len(spelling) >= 4:
                self.assertNotIn(spelling, scrubbed)


class RealGatewayBeforeHello(unittest.TestCase):
    """Arbitrary bytes before hello never crash a real gateway or log an error."""

    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp(prefix="mt5-gateway-properties-")
        cls.cert, key = make_certificate(cls.folder)
        cls.token, token_file = make_token_file(cls.folder)
        cls.gateway = GatewayProcess(cls.folder, cls.cert, key, token_file,
                                     args=["--max-unauthenticated-per-address", "64",
                                           "--hello-timeout-s", "1",
                                           "--wrong-token-delay-ms", "0",
                                           "--wrong-tokens-to-block", "100000"],
                                     name="properties")

    @classmethod
    def tearDownClass(cls):
        cls.gateway.stop()
        shutil.rmtree(cls.folder, ignore_errors=True)

    def exchange(self, data):
        raw = socket.create_connection(("127.0.0.1", self.gateway.port), timeout=10)
        context = ssl.create_default_context(cafile=self.cert)
        with context.wrap_socket(raw, server_hostname="localhost") as sock:
            try:
                sock.sendall(data)
                return sock.makefile("rb").readline()
            except (ConnectionError, ssl.SSLError):
                return b""

    @settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.binary(min_size=1, max_size=6000).map(lambda b: b + b"\n"))
    def test_garbage_is_answered_or_closed_and_the_gateway_keeps_serving(self, data):
        answer = self.exchange(data)
        if answer:
            error = json.loads(answer).get("error")
            self.assertIn(error["kind"], ("protocol", "auth"))
        errors = [line for line in self.gateway.log_lines() if line.get("level") == "error"]
        self.assertEqual(errors, [])
        hello = json.dumps({"id": 1, "method": "hello", "params": {"token": self.token}})
        self.assertIn(b'"result"', self.exchange(hello.encode() + b"\n"))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    unittest.main()
