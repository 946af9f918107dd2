"""TLS listener and connections of the MT5 gateway (docs/mt5-gateway-protocol.md).

One thread per connection reads line-delimited JSON requests and answers them in order. The
first request must be `hello` with the shared token. MetaTrader5 calls themselves all go
through the one TerminalWorker, whichever connection asks.
"""

import hmac
import itertools
import json
import select
import socket
import ssl
import threading
import time
import traceback

from gateway_log import scrub
from gateway_methods import PROTOCOL_VERSION, RpcError
from terminal_worker import CallTimedOut, TerminalBusy

DEFAULT_DEADLINE_MS = 10000
MAX_DEADLINE_MS = 3600 * 1000
MAX_LINE_BYTES = 16 * 1024 * 1024


class _CloseConnection(Exception):
    """Answer sent; the connection must close (bad framing, bad JSON, failed auth)."""


def _reject_constant(name):
    raise ValueError("%s is not valid JSON" % name)


class GatewayServer:
    def __init__(self, *, host, port, ssl_context, token, methods, log, max_connections=16,
                 hello_timeout_s=10.0, idle_timeout_s=900.0, max_line_bytes=MAX_LINE_BYTES):
        self._ssl_context = ssl_context
        self._token = token.encode("utf-8")
        self._methods = methods
        self._log = log
        self._max_connections = max_connections
        self._hello_timeout_s = hello_timeout_s
        self._idle_timeout_s = idle_timeout_s
        self._max_line_bytes = max_line_bytes
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._active = 0
        self._listener = socket.create_server((host, port), family=self._family(host),
                                              reuse_port=False, backlog=32)
        self.port = self._listener.getsockname()[1]

    @staticmethod
    def _family(host):
        return socket.AF_INET6 if ":" in host else socket.AF_INET

    def serve(self, stop_event):
        """Accepts connections until `stop_event` is set, then closes the listener."""
        self._log.info("listening", port=self.port, tls=self._ssl_context is not None)
        try:
            while not stop_event.is_set():
                readable, _, _ = select.select([self._listener], [], [], 0.5)
                if not readable:
                    continue
                try:
                    raw, peer = self._listener.accept()
                except OSError:
                    continue
                self._admit(raw, "%s:%d" % peer[:2], stop_event)
        finally:
            self._listener.close()

    def _admit(self, raw, peer, stop_event):
        with self._lock:
            if self._active >= self._max_connections:
                raw.close()
                self._log.warning("connection refused: too many connections", peer=peer,
                                  max_connections=self._max_connections)
                return
            self._active += 1
        conn_id = next(self._ids)
        thread = threading.Thread(target=self._serve_connection, daemon=True,
                                  args=(raw, peer, conn_id, stop_event),
                                  name="conn-%d" % conn_id)
        thread.start()

    def _serve_connection(self, raw, peer, conn_id, stop_event):
        self._log.debug("connection opened", conn=conn_id, peer=peer)
        sock = raw
        reason = "closed by client"
        try:
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            # The handshake and hello must come quickly: a silent client cannot hold a slot.
            raw.settimeout(self._hello_timeout_s)
            if self._ssl_context is not None:
                sock = self._ssl_context.wrap_socket(raw, server_side=True)
            reason = self._exchange(sock, conn_id, peer, stop_event)
        except socket.timeout:
            reason = "timed out waiting for the client"
        except _CloseConnection as close:
            reason = str(close)
        except ssl.SSLError as error:
            reason = "TLS failed: %s" % error.reason
        except OSError as error:
            reason = "connection error: %s" % (error.strerror or error)
        except Exception:  # a gateway bug: log it, drop this connection, keep serving
            reason = "gateway error"
            self._log.error("connection failed", conn=conn_id, peer=peer,
                            traceback=traceback.format_exc())
        finally:
            try:
                sock.close()
            except OSError:
                pass
            with self._lock:
                self._active -= 1
            self._log.info("connection closed", conn=conn_id, peer=peer, reason=reason)

    def _exchange(self, sock, conn_id, peer, stop_event):
        reader = sock.makefile("rb")
        authenticated = False
        while not stop_event.is_set():
            sock.settimeout(self._idle_timeout_s if authenticated else self._hello_timeout_s)
            line = reader.readline(self._max_line_bytes + 1)
            if not line:
                return "closed by client"
            if not line.endswith(b"\n"):
                if len(line) > self._max_line_bytes:
                    self._send(sock, None, RpcError(
                        "protocol", "a request line is longer than %d bytes; the connection "
                        "is closed" % self._max_line_bytes))
                    raise _CloseConnection("request line too long")
                return "closed by client mid-line"
            if not line.strip():
                continue
            authenticated = self._handle_line(sock, line, conn_id, peer, authenticated)
        return "gateway stopping"

    @staticmethod
    def _encode(request_id, result):
        if isinstance(result, RpcError):
            message = {"id": request_id, "error": result.to_wire()}
        else:
            message = {"id": request_id, "result": result}
        data = json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return data.encode("utf-8") + b"\n"

    def _send(self, sock, request_id, result=None):
        sock.sendall(self._encode(request_id, result))

    def _parse(self, sock, line):
        """Returns (id, method, request) or answers a protocol error and closes."""
        try:
            request = json.loads(line.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError):
            request = None
        if not isinstance(request, dict):
            self._send(sock, None, RpcError("protocol", "a request must be one JSON object "
                                            "on one UTF-8 line; the connection is closed"))
            raise _CloseConnection("malformed request")
        request_id = request.get("id")
        method = request.get("method")
        if (isinstance(request_id, bool) or not isinstance(request_id, (int, str))
                or not isinstance(method, str)):
            self._send(sock, request_id if isinstance(request_id, (int, str)) else None,
                       RpcError("protocol", "a request needs an integer or string 'id' and a "
                                "string 'method'; the connection is closed"))
            raise _CloseConnection("request without id or method")
        return request_id, method, request

    def _handle_line(self, sock, line, conn_id, peer, authenticated):
        request_id, method, request = self._parse(sock, line)
        if method == "hello":
            self._hello(sock, request_id, request.get("params"), conn_id, peer)
            return True
        if not authenticated:
            self._send(sock, request_id, RpcError(
                "auth", "send hello with the gateway token first; the connection is closed"))
            self._log.warning("request before hello", conn=conn_id, peer=peer)
            raise _CloseConnection("request before hello")
        self._call(sock, request_id, method, request, conn_id)
        return True

    def _hello(self, sock, request_id, params, conn_id, peer):
        params = params if isinstance(params, dict) else {}
        token = params.get("token")
        given = token.encode("utf-8") if isinstance(token, str) else b""
        if not hmac.compare_digest(given, self._token):
            self._send(sock, request_id, RpcError(
                "auth", "the token is missing or wrong; check the gateway token the plugin "
                "is configured with; the connection is closed"))
            self._log.warning("hello refused: wrong token", conn=conn_id, peer=peer)
            raise _CloseConnection("wrong token")
        wanted = params.get("protocol", PROTOCOL_VERSION)
        if wanted != PROTOCOL_VERSION:
            self._send(sock, request_id, RpcError(
                "protocol", "this gateway speaks protocol %d, not %r; upgrade the older side"
                % (PROTOCOL_VERSION, wanted)))
            raise _CloseConnection("protocol version mismatch")
        client = params.get("client")
        self._send(sock, request_id, self._methods.hello_result())
        self._log.info("hello", conn=conn_id, peer=peer, id=request_id,
                       client=str(client)[:200] if client is not None else None)

    def _deadline_s(self, request):
        deadline_ms = request.get("deadline_ms")
        if deadline_ms is None:
            return DEFAULT_DEADLINE_MS / 1000
        if (isinstance(deadline_ms, bool) or not isinstance(deadline_ms, int)
                or not 0 < deadline_ms <= MAX_DEADLINE_MS):
            raise RpcError("protocol", "deadline_ms must be an integer from 1 to %d"
                           % MAX_DEADLINE_MS)
        return deadline_ms / 1000

    def _call(self, sock, request_id, method, request, conn_id):
        params = request.get("params")
        secrets = self._methods.secrets_of(params)
        started = time.monotonic()
        fields = {}
        if isinstance(params, dict) and type(params.get("login")) is int:
            fields["login"] = params["login"]  # an account number is not a secret
        try:
            result = self._methods.call(method, params, self._deadline_s(request))
        except RpcError as error:
            result = error
        except TerminalBusy as error:
            result = RpcError("busy", str(error))
        except CallTimedOut as error:
            result = RpcError("timeout", str(error))
        except Exception as error:  # a gateway bug: answer it, keep serving
            fields["traceback"] = scrub(traceback.format_exc(), secrets)
            result = RpcError("internal", "the gateway failed on %s (%s); see its log"
                              % (method, type(error).__name__))
        if isinstance(result, RpcError):
            result = RpcError(result.kind, scrub(str(result), secrets), code=result.code)
            fields.update(outcome=result.kind, message=str(result))
            if result.code is not None:
                fields["code"] = result.code
        else:
            fields["outcome"] = "ok"
        try:
            data = self._encode(request_id, result)
        except (TypeError, ValueError) as error:  # a value the package gave that JSON lacks
            fields.update(outcome="internal", traceback=scrub(traceback.format_exc(), secrets))
            data = self._encode(request_id, RpcError(
                "internal", "the gateway could not encode the result of %s (%s); see its log"
                % (method, type(error).__name__)))
        sock.sendall(data)
        duration_ms = round((time.monotonic() - started) * 1000)
        level = self._log.error if "traceback" in fields else self._log.info
        level("call", conn=conn_id, id=request_id, method=method, duration_ms=duration_ms,
              **fields)
