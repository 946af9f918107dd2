"""Framing and request validation of the gateway protocol (docs/mt5-gateway-protocol.md).

Pure functions and a line reader over any `recv(n)`, so they can be tested without sockets
(tests/test_gateway_properties.py). Nothing here logs or touches the terminal. Every failure is a
ProtocolError whose message is a sentence for the client; nothing a client sends raises anything
else.
"""

import json

PROTOCOL_VERSION = 1
MAX_LINE_BYTES = 16 * 1024 * 1024
# Before the token is checked a client gets this many bytes for its hello line, no more: a hello
# is ~100 bytes, and nothing bigger is parsed for someone who has not proven the token.
MAX_HELLO_BYTES = 4096
MAX_DEPTH = 32  # a request is 2-3 levels deep; deeper input is refused, never recursed into
MAX_ID_CHARS = 128
MAX_METHOD_CHARS = 64
MAX_INT = 2**63 - 1
_READ_CHUNK = 65536


class ProtocolError(Exception):
    """A request the gateway refuses; `request_id` is the id to echo (None when unreadable)."""

    def __init__(self, message, request_id=None):
        super().__init__(message)
        self.request_id = request_id


class LineTooLong(ProtocolError):
    pass


class ClosedMidLine(Exception):
    """The peer closed the connection in the middle of a line."""


class LineReader:
    """Reads '\\n'-terminated lines through `recv(n)`, never buffering more than the limit.

    A line is returned without its '\\n' (a '\\r' before it is left for the JSON parser, which
    takes it as whitespace). The buffer holds at most `max_bytes + 1` bytes of one line: a
    longer line is refused as soon as that many bytes arrived without a '\\n'.
    """

    def __init__(self, recv):
        self._recv = recv
        self._buffer = bytearray()
        self._scanned = 0  # bytes of the buffer known to hold no '\n'

    def read_line(self, max_bytes):
        """The next line, or None at a clean end of stream. Raises LineTooLong, ClosedMidLine."""
        while True:
            newline = self._buffer.find(b"\n", self._scanned)
            if newline >= 0:
                if newline > max_bytes:
                    raise self._too_long(max_bytes)
                line = bytes(self._buffer[:newline])
                del self._buffer[:newline + 1]
                self._scanned = 0
                return line
            if len(self._buffer) > max_bytes:
                raise self._too_long(max_bytes)
            self._scanned = len(self._buffer)
            data = self._recv(max(1, min(_READ_CHUNK, max_bytes + 1 - len(self._buffer))))
            if not data:
                if self._buffer:
                    raise ClosedMidLine()
                return None
            self._buffer += data

    @staticmethod
    def _too_long(max_bytes):
        return LineTooLong("a request line is longer than %d bytes; the connection is closed"
                           % max_bytes)


def _reject_constant(name):
    raise ValueError("%s is not valid JSON" % name)


def _unique_keys(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError("duplicate key")
        obj[key] = value
    return obj


_DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys, parse_constant=_reject_constant)
_MALFORMED = ("a request must be one JSON object on one UTF-8 line, without duplicate keys, "
              "lone surrogates or nesting deeper than %d levels; the connection is closed"
              % MAX_DEPTH)


def _has_surrogate(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _well_formed(value):
    """True when `value` nests at most MAX_DEPTH levels and holds no lone surrogate."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _has_surrogate(item):
                return False
        elif isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                return False
            if isinstance(item, dict):
                for key, child in item.items():
                    if _has_surrogate(key):
                        return False
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)
    return True


def loads_strict(line):
    """Parses one line as strict JSON; raises ProtocolError for anything else."""
    try:
        value = _DECODER.decode(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ProtocolError(_MALFORMED)
    if not _well_formed(value):
        raise ProtocolError(_MALFORMED)
    return value


def valid_id(value):
    """True for an id the gateway echoes: an integer (not a boolean) or a short string."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -MAX_INT - 1 <= value <= MAX_INT
    return isinstance(value, str) and len(value) <= MAX_ID_CHARS


def short(text, limit=MAX_METHOD_CHARS):
    """`text` cut to `limit` characters for logs and messages, saying how long it was."""
    text = str(text)
    if len(text) <= limit:
        return text
    return "%s... (%d characters)" % (text[:limit], len(text))


class Request:
    def __init__(self, request_id, method, params, body):
        self.id = request_id
        self.method = method
        self.params = params
        self.body = body  # the whole request object, for deadline_ms


def parse_request(line):
    """Returns a Request, or raises ProtocolError (with the id to echo when there is one)."""
    request = loads_strict(line)
    if not isinstance(request, dict):
        raise ProtocolError(_MALFORMED)
    request_id = request.get("id")
    if not valid_id(request_id):
        raise ProtocolError("a request needs an 'id' that is an integer or a string of at most "
                            "%d characters; the connection is closed" % MAX_ID_CHARS)
    method = request.get("method")
    if not isinstance(method, str) or not 0 < len(method) <= MAX_METHOD_CHARS:
        raise ProtocolError("a request needs a 'method' that is a string of 1 to %d "
                            "characters; the connection is closed" % MAX_METHOD_CHARS,
                            request_id)
    return Request(request_id, method, request.get("params"), request)


class HelloRefused(Exception):
    """A hello with a missing or wrong token (answered `auth`)."""


def check_hello(request, token_matches):
    """Checks a hello request: the token first (`token_matches(bytes)`), then the version.

    Raises HelloRefused or ProtocolError. `protocol` must be absent or exactly the integer 1
    (not true, not 1.0).
    """
    params = request.params if isinstance(request.params, dict) else {}
    token = params.get("token")
    given = token.encode("utf-8") if isinstance(token, str) else b""
    if not token_matches(given):
        raise HelloRefused()
    if "protocol" in params:
        wanted = params["protocol"]
        if type(wanted) is not int or wanted != PROTOCOL_VERSION:
            raise ProtocolError("this gateway speaks protocol %d, not %s; upgrade the older "
                                "side" % (PROTOCOL_VERSION, short(json.dumps(wanted), 32)),
                                request.id)
    return params
