"""TLS listener and connections of the MT5 gateway (docs/mt5-gateway-protocol.md).

One thread per connection reads line-delimited JSON requests and answers them in order. The
first request must be `hello` with the shared token; until then a connection is bounded
(gateway_admission.py): one hello line of at most MAX_HELLO_BYTES, one overall deadline, its
own caps. MetaTrader5 calls themselves all go through the one TerminalWorker, whichever
connection asks.
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

from gateway_admission import Admission, HelloDeadlines, Limits
from gateway_log import scrub
from gateway_methods import DataAnswer, RpcError
from gateway_protocol import (MAX_HELLO_BYTES, MAX_LINE_BYTES, ClosedMidLine, HelloRefused,
                              LineReader, ProtocolError, check_hello, parse_request, short)
from terminal_worker import CallTimedOut, TerminalBusy

DEFAULT_DEADLINE_MS = 10000
MAX_DEADLINE_MS = 3600 * 1000


class _CloseConnection(Exception):
    """Answer sent; the connection must close (bad framing, bad JSON, failed auth)."""


class GatewayServer:
    def __init__(self, *, host, port, ssl_context, token, methods, log, limits=None,
                 idle_timeout_s=900.0, max_line_bytes=MAX_LINE_BYTES):
        self._ssl_context = ssl_context
        self._token = token.encode("utf-8")
        self._methods = methods
        self._log = log
        self._limits = limits or Limits()
        self._admission = Admission(self._limits)
        self._deadlines = HelloDeadlines()
        self._idle_timeout_s = idle_timeout_s
        self._max_line_bytes = max_line_bytes
        self._ids = itertools.count(1)
        self._listener = socket.create_server((host, port), family=self._family(host),
                                              reuse_port=False, backlog=128)
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
                self._admit(raw, peer[0], "%s:%d" % peer[:2], stop_event)
        finally:
            self._listener.close()

    def _admit(self, raw, address, peer, stop_event):
        refused = self._admission.admit(address)
        if refused is not None:
            raw.close()
            self._log.debug("connection refused", peer=peer, reason=refused)
            return
        conn_id = next(self._ids)
        thread = threading.Thread(target=self._serve_connection, daemon=True,
                                  args=(raw, address, peer, conn_id, stop_event),
                                  name="conn-%d" % conn_id)
        thread.start()

    def _serve_connection(self, raw, address, peer, conn_id, stop_event):
        self._log.debug("connection opened", conn=conn_id, peer=peer)
        sock = raw
        stage = {"working": False, "deadline_key": None}
        reason = "closed by client"
        hello_until = time.monotonic() + self._limits.hello_timeout_s
        try:
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            # The handshake and hello share one deadline from accept; the reaper shuts the
            # socket down at that deadline however the client trickles its bytes.
            raw.settimeout(self._limits.hello_timeout_s)
            if self._ssl_context is not None:
                sock = self._ssl_context.wrap_socket(raw, server_side=True,
                                                     do_handshake_on_connect=False)
            stage["deadline_key"] = self._deadlines.add(sock, self._limits.hello_timeout_s)
            if self._ssl_context is not None:
                sock.do_handshake()
            reason = self._exchange(sock, address, conn_id, peer, stop_event, stage,
                                    hello_until)
        except (socket.timeout, ConnectionError, ssl.SSLError, OSError) as error:
            if not stage["working"] and time.monotonic() >= hello_until:
                reason = "no hello within %g s" % self._limits.hello_timeout_s
            elif isinstance(error, socket.timeout):
                reason = "timed out waiting for the client"
            elif isinstance(error, ssl.SSLError):
                reason = "TLS failed: %s" % (error.reason or error)
            else:
                reason = "connection error: %s" % (error.strerror or error)
        except _CloseConnection as close:
            reason = str(close)
        except Exception:  # a gateway bug: log it, drop this connection, keep serving
            reason = "gateway error"
            self._log.error("connection failed", conn=conn_id, peer=peer,
                            traceback=traceback.format_exc())
        finally:
            if stage["deadline_key"] is not None:
                self._deadlines.cancel(stage["deadline_key"])
            try:
                sock.close()
            except OSError:
                pass
            if stage["working"] is not None:
                self._admission.closed(address, stage["working"])
            level = self._log.info if stage["working"] else self._log.debug
            level("connection closed", conn=conn_id, peer=peer, reason=reason)

    def _exchange(self, sock, address, conn_id, peer, stop_event, stage, hello_until):
        def recv(size):
            if not stage["working"]:
                left = hello_until - time.monotonic()
                if left <= 0:
                    raise socket.timeout("hello deadline")
                sock.settimeout(left)
            return sock.recv(size)

        reader = LineReader(recv)
        while not stop_event.is_set():
            limit = self._max_line_bytes if stage["working"] else MAX_HELLO_BYTES
            try:
                line = reader.read_line(limit)
            except ProtocolError as error:
                self._refuse(sock, error, conn_id, peer, stage)
            except ClosedMidLine:
                return "closed by client mid-line"
            if line is None:
                return "closed by client"
            if not line.strip():
                continue
            try:
                request = parse_request(line)
            except ProtocolError as error:
                self._refuse(sock, error, conn_id, peer, stage)
            if not stage["working"]:
                self._hello(sock, request, address, conn_id, peer, stage)
            elif request.method == "hello":
                self._send(sock, request.id, RpcError("protocol", "hello was already said on "
                                                      "this connection"))
            else:
                self._call(sock, request, conn_id)
        return "gateway stopping"

    def _refuse(self, sock, error, conn_id, peer, stage):
        """Answers a malformed request with kind `protocol` and closes the connection."""
        self._send(sock, error.request_id, RpcError("protocol", str(error)))
        # Before hello anyone can send garbage: not worth a warning each time.
        level = self._log.warning if stage["working"] else self._log.debug
        level("malformed request", conn=conn_id, peer=peer, message=str(error))
        raise _CloseConnection("malformed request")

    @staticmethod
    def _encode(request_id, result):
        if isinstance(result, RpcError):
            message = {"id": request_id, "error": result.to_wire()}
        elif isinstance(result, DataAnswer):
            message = {"id": request_id, "result": result.result, "account": result.account}
        else:
            message = {"id": request_id, "result": result}
        data = json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return data.encode("utf-8") + b"\n"

    def _send(self, sock, request_id, result=None):
        sock.sendall(self._encode(request_id, result))

    def _hello(self, sock, request, address, conn_id, peer, stage):
        if request.method != "hello":
            # Counted as a failed attempt: no client that knows the protocol does this.
            failures, blocked = self._admission.wrong_token(address)
            self._send(sock, request.id, RpcError(
                "auth", "send hello with the gateway token first; the connection is closed"))
            self._log.warning("request before hello", conn=conn_id, peer=peer,
                              method=short(request.method), wrong_tokens=failures,
                              blocked=blocked)
            raise _CloseConnection("request before hello")
        try:
            params = check_hello(request, lambda given: hmac.compare_digest(given, self._token))
        except HelloRefused:
            failures, blocked = self._admission.wrong_token(address)
            # Each guess costs the guesser this delay, on a connection that still counts
            # against its address's unauthenticated cap.
            time.sleep(self._limits.wrong_token_delay_s)
            self._log.warning("hello refused: wrong token", conn=conn_id, peer=peer,
                              wrong_tokens=failures, blocked=blocked)
            self._send(sock, request.id, RpcError(
                "auth", "the token is missing or wrong; check the gateway token the plugin "
                "is configured with; the connection is closed"))
            raise _CloseConnection("wrong token")
        except ProtocolError as error:
            self._send(sock, request.id, RpcError("protocol", str(error)))
            raise _CloseConnection("protocol version mismatch")
        self._deadlines.cancel(stage["deadline_key"])
        stage["deadline_key"] = None
        if not self._admission.authenticated(address):
            self._send(sock, request.id, RpcError(
                "busy", "the gateway already serves its maximum of %d connections; close "
                "another or retry later" % self._limits.max_working))
            self._log.warning("connection refused: too many connections", conn=conn_id,
                              peer=peer, max_connections=self._limits.max_working)
            # The admission no longer counts it as unauthenticated, nor as working.
            stage["working"] = None
            raise _CloseConnection("too many connections")
        stage["working"] = True
        sock.settimeout(self._idle_timeout_s)
        client = params.get("client")
        self._send(sock, request.id, self._methods.hello_result())
        self._log.info("hello", conn=conn_id, peer=peer, id=request.id,
                       client=short(client, 200) if client is not None else None)

    def _deadline_s(self, request):
        deadline_ms = request.body.get("deadline_ms")
        if deadline_ms is None:
            return DEFAULT_DEADLINE_MS / 1000
        if (isinstance(deadline_ms, bool) or not isinstance(deadline_ms, int)
                or not 0 < deadline_ms <= MAX_DEADLINE_MS):
            raise RpcError("protocol", "deadline_ms must be an integer from 1 to %d"
                           % MAX_DEADLINE_MS)
        return deadline_ms / 1000

    def _call(self, sock, request, conn_id):
        method, params = request.method, request.params
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
                              % (short(method), type(error).__name__))
        if isinstance(result, RpcError):
            result = RpcError(result.kind, scrub(str(result), secrets), code=result.code)
            fields.update(outcome=result.kind, message=short(str(result), 500))
            if result.code is not None:
                fields["code"] = result.code
        else:
            fields["outcome"] = "ok"
            if isinstance(result, DataAnswer):
                fields["account"] = result.account["login"] if result.account else None
        try:
            data = self._encode(request.id, result)
        except (TypeError, ValueError) as error:  # a value the package gave that JSON lacks
            fields.update(outcome="internal", traceback=scrub(traceback.format_exc(), secrets))
            data = self._encode(request.id, RpcError(
                "internal", "the gateway could not encode the result of %s (%s); see its log"
                % (short(method), type(error).__name__)))
        sock.sendall(data)
        duration_ms = round((time.monotonic() - started) * 1000)
        level = self._log.error if "traceback" in fields else self._log.info
        level("call", conn=conn_id, id=request.id, method=short(method),
              duration_ms=duration_ms, **fields)
