"""The RPC methods of the MT5 gateway (docs/mt5-gateway-protocol.md, "Methods").

Each method checks its params before anything reaches the terminal (a bad param is a
`protocol` error), runs its MetaTrader5 call on the terminal worker, and turns the package's
named tuples into JSON objects with `_asdict()`. When the package returns None/False the worker
reads `last_error()` right after, on the same thread, so no other call can overwrite it.
"""

import math
import threading
from datetime import datetime, timezone

from terminal_worker import CallTimedOut

PROTOCOL_VERSION = 1
GATEWAY_VERSION = "1.0.0"

# MT5 last_error() codes the gateway itself relies on (../shared/MT5.md).
RES_S_OK = 1
RES_E_FAIL = -1
RES_E_NOT_FOUND = -4

# The largest `timeout=` the gateway hands the package unless --max-timeout-ms says otherwise: a
# login with a longer one keeps the terminal (and every client) waiting.
DEFAULT_MAX_TIMEOUT_MS = 120000

# History dates outside this range are clamped: `datetime` cannot hold them on every platform,
# and MT5 has no records before 1970 or after 3000 anyway.
MAX_HISTORY_EPOCH_S = 32503679999  # 2999-12-31T23:59:59


class RpcError(Exception):
    """An error answer: `kind` from the protocol's table, MT5's code for kind `mt5`."""

    def __init__(self, kind, message, code=None):
        super().__init__(message)
        self.kind = kind
        self.code = code

    def to_wire(self):
        error = {"kind": self.kind, "message": str(self)}
        if self.code is not None:
            error["code"] = self.code
        return error


def to_wire(value):
    """Converts what the package returns into JSON-ready values.

    Named tuples become objects in MT5's field order; other tuples become arrays. Non-finite
    floats (MT5 may report an infinite margin level) become null, as JSON has no such number.
    """
    if hasattr(value, "_asdict"):
        return {key: to_wire(item) for key, item in value._asdict().items()}
    if isinstance(value, (tuple, list)):
        return [to_wire(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_wire(item) for key, item in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "replace")
    if isinstance(value, datetime):
        return int(value.timestamp())
    return value


class Params:
    """Reads one request's params; `finish()` refuses any the method does not take."""

    def __init__(self, method, params):
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise RpcError("protocol", "%s: params must be a JSON object" % method)
        self._method = method
        self._params = dict(params)

    def has(self, name):
        return self._params.get(name) is not None

    def _fail(self, name, wanted):
        raise RpcError("protocol", "%s: param '%s' must be %s" % (self._method, name, wanted))

    def take_int(self, name, required=False, minimum=None):
        value = self._params.pop(name, None)
        if value is None:
            if required:
                self._fail(name, "given")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self._fail(name, "an integer")
        if minimum is not None and value < minimum:
            self._fail(name, "at least %d" % minimum)
        if abs(value) >= 2**63:
            self._fail(name, "a 64-bit integer")
        return value

    def take_str(self, name, required=False):
        value = self._params.pop(name, None)
        if value is None:
            if required:
                self._fail(name, "given")
            return None
        if not isinstance(value, str) or not value:
            self._fail(name, "a non-empty string")
        return value

    def take_bool(self, name):
        value = self._params.pop(name, None)
        if value is not None and not isinstance(value, bool):
            self._fail(name, "true or false")
        return value

    def finish(self):
        if self._params:
            unknown = ", ".join(sorted(self._params))
            raise RpcError("protocol", "%s does not take param(s) %s; see "
                           "docs/mt5-gateway-protocol.md" % (self._method, unknown))


class DataAnswer:
    """A result read from an account's data, with the account it was read from.

    `account` is {"login", "server"} as the terminal reported them around the call, or None when
    the terminal held no account or changed accounts during the call (docs/mt5-gateway-protocol.md
    "The account check").
    """

    def __init__(self, result, account):
        self.result = result
        self.account = account


class TerminalState:
    """What the gateway last saw the terminal do, for `ping` (never asks the terminal).

    The account is either known (proven by a call that read it from the terminal) or unknown:
    after a login that failed, timed out or completed late, after an initialize without
    credentials, or when two reads around one call disagreed. Only reads prove an account;
    what a client asked for proves nothing.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self.initialized = False
        self.account = None
        self.known = True

    def set_initialized(self, initialized):
        with self._lock:
            self.initialized = initialized

    def proven(self, account):
        """The terminal was just read to hold `account` ({"login", "server"} or None)."""
        with self._lock:
            self.account, self.known = account, True

    def unknown(self):
        with self._lock:
            self.account, self.known = None, False

    def detached(self):
        with self._lock:
            self.initialized, self.account, self.known = False, None, True

    def snapshot(self):
        with self._lock:
            return self.initialized, self.account, self.known


class Methods:
    def __init__(self, mt5, worker, log, terminal_path=None, portable=False,
                 history_time_arg="datetime", max_timeout_ms=DEFAULT_MAX_TIMEOUT_MS):
        self._mt5 = mt5
        self._worker = worker
        self._log = log
        self._terminal_path = terminal_path
        self._max_timeout_ms = max_timeout_ms
        self._portable = portable
        self._history_time_arg = history_time_arg
        self.state = TerminalState()
        self._handlers = {
            "ping": self._ping,
            "initialize": self._initialize,
            "login": self._login,
            "shutdown": self._shutdown,
            "version": self._simple("version", "list"),
            "last_error": self._simple("last_error", "raw"),
            "terminal_info": self._simple("terminal_info", "object"),
            "account_info": self._account_info,
            "positions_get": self._positions_get,
            "history_deals_get": self._history("history_deals_get"),
            "history_orders_get": self._history("history_orders_get"),
            "symbol_info": self._symbol("symbol_info"),
            "symbol_info_tick": self._symbol("symbol_info_tick"),
        }

    def names(self):
        return sorted(["hello"] + list(self._handlers))

    def hello_result(self):
        return {"protocol": PROTOCOL_VERSION, "gateway_version": GATEWAY_VERSION,
                "mt5_package_version": getattr(self._mt5, "__version__", None)}

    @staticmethod
    def secrets_of(params):
        """The request's own secrets, to scrub from any text that answers or logs it."""
        if isinstance(params, dict) and isinstance(params.get("password"), str):
            return [params["password"]]
        return []

    def call(self, method, params, deadline_s):
        handler = self._handlers.get(method)
        if handler is None:
            raise RpcError("protocol", "unknown method '%s'; the gateway offers: %s"
                           % (method, ", ".join(self.names())))
        return handler(Params(method, params), deadline_s)

    # --- running a call on the terminal ---------------------------------------------------

    def _read_account(self):
        """The account the terminal holds now, read from it ({"login", "server"} or None)."""
        info = self._mt5.account_info()
        login = getattr(info, "login", None)
        if info is None or isinstance(login, bool) or not isinstance(login, int):
            return None
        server = getattr(info, "server", None)
        return {"login": login, "server": server if isinstance(server, str) else None}

    def _run(self, label, fn, deadline_s, account=None):
        """Runs fn on the worker; returns (value, None) or (failed value, (code, message)).

        account="around": the terminal's account is read before and after fn, in the same
        worker job (no other gateway call can run in between), and returned as a third item:
        None unless both reads name the same account. account="after": read once after a
        successful fn (a login: the read proves where it landed). Either updates the state.
        """
        mt5 = self._mt5
        state = self.state

        def job():
            before = self._read_account() if account == "around" else None
            value = fn()
            if value is None or value is False:
                code, message = mt5.last_error()
                if account == "after":
                    state.unknown()  # a failed login may leave no account or the old one
                return value, (code, message), None
            if account is None:
                return value, None, None
            after = self._read_account()
            read = after if account == "after" or after == before else None
            if read is None:
                state.unknown()
            else:
                state.proven(read)
            return value, None, read

        # A login its caller gave up on leaves the account unknown even when it completes.
        on_late = state.unknown if account == "after" else None
        value, failure, read = self._worker.call(job, deadline_s, label, on_late)
        if account is None:
            return value, failure
        return value, failure, read

    @staticmethod
    def _mt5_error(label, failure, nothing_means=RES_E_FAIL):
        code, message = failure
        if code == RES_S_OK:
            # The package returned nothing yet reports success; do not answer "Success".
            code, message = nothing_means, "%s returned no data although MT5 reported " \
                "success" % label
        return RpcError("mt5", str(message), code=code)

    def _shaped(self, label, value, failure, shape):
        if shape == "raw":
            return to_wire(value)
        if failure is not None:
            if shape == "list" and label != "version" and failure[0] == RES_S_OK:
                return []  # nothing found, and MT5 says so
            raise self._mt5_error(label, failure)
        return to_wire(list(value) if shape == "list" else value)

    def _simple(self, name, shape):
        def handler(params, deadline_s):
            params.finish()
            value, failure = self._run(name, getattr(self._mt5, name), deadline_s)
            return self._shaped(name, value, failure, shape)
        return handler

    # --- methods ---------------------------------------------------------------------------

    def _ping(self, params, deadline_s):
        params.finish()
        initialized, account, known = self.state.snapshot()
        return {"pong": True, "initialized": initialized,
                "login": account["login"] if account else None,
                "server": account["server"] if account else None,
                "account_known": known,
                "busy": self._worker.overrun_call() is not None}

    def _timeout_ms(self, params, deadline_s):
        # By default the terminal gives up a little before the client does, so a slow login
        # comes back as MT5's own -10005 rather than as a gateway timeout followed by `busy`.
        # Never more than the operator's --max-timeout-ms: a call the package cannot interrupt
        # must not hold the terminal for longer than the operator allows.
        timeout_ms = params.take_int("timeout_ms", minimum=1)
        if timeout_ms is None:
            timeout_ms = max(1, int(deadline_s * 900))
        return min(timeout_ms, self._max_timeout_ms)

    def _credentials(self, params, required):
        login = params.take_int("login", required=required, minimum=1)
        password = params.take_str("password", required=required or login is not None)
        server = params.take_str("server", required=required or login is not None)
        if login is None and (password or server):
            raise RpcError("protocol", "initialize: give login, password and server together")
        return login, password, server

    def _initialize(self, params, deadline_s):
        if params.has("path"):
            raise RpcError("protocol", "initialize: the terminal is the gateway's own "
                           "configuration (--terminal-path); leave 'path' out of the request")
        kwargs = {"timeout": self._timeout_ms(params, deadline_s)}
        portable = params.take_bool("portable")
        if portable is None and self._portable:
            portable = True  # the operator's --portable
        if portable is not None:
            kwargs["portable"] = portable
        login, password, server = self._credentials(params, required=False)
        if login is not None:
            kwargs.update(login=login, password=password, server=server)
        params.finish()
        args = (self._terminal_path,) if self._terminal_path else ()
        # With credentials the account is read after; without, a real terminal may log in to
        # whatever account it last held, so the account is unknown until a call reads it.
        self.state.unknown()
        try:
            answer = self._run("initialize", lambda: self._mt5.initialize(*args, **kwargs),
                               deadline_s, account="after" if login is not None else None)
        except CallTimedOut:
            self.state.unknown()
            raise
        value, failure = answer[0], answer[1]
        if failure is not None:
            self.state.set_initialized(False)
            raise self._mt5_error("initialize", failure)
        self.state.set_initialized(True)
        if login is None:
            return True
        return DataAnswer(True, answer[2])

    def _login(self, params, deadline_s):
        login, password, server = self._credentials(params, required=True)
        timeout = self._timeout_ms(params, deadline_s)
        params.finish()
        self.state.unknown()
        try:
            value, failure, account = self._run(
                "login", lambda: self._mt5.login(login, password=password, server=server,
                                                 timeout=timeout), deadline_s, account="after")
        except CallTimedOut:
            self.state.unknown()
            raise
        if failure is not None:
            raise self._mt5_error("login", failure)
        return DataAnswer(True, account)

    def _shutdown(self, params, deadline_s):
        params.finish()
        # shutdown() returns None by design, so None is not a failure here.
        self._worker.call(self._mt5.shutdown, deadline_s, "shutdown")
        self.state.detached()
        return True

    def _account_info(self, params, deadline_s):
        params.finish()
        state = self.state

        def read():
            info = self._mt5.account_info()
            if info is None:
                state.unknown()  # no account, or the terminal could not say
            else:
                state.proven({"login": getattr(info, "login", None),
                              "server": getattr(info, "server", None)})
            return info

        value, failure = self._run("account_info", read, deadline_s)
        result = self._shaped("account_info", value, failure, "object")
        return DataAnswer(result, {"login": result.get("login"), "server": result.get("server")})

    def _positions_get(self, params, deadline_s):
        kwargs = {}
        for name in ("symbol", "group"):
            if params.has(name):
                kwargs[name] = params.take_str(name)
        if params.has("ticket"):
            kwargs["ticket"] = params.take_int("ticket", minimum=1)
        params.finish()
        if len(kwargs) > 1:
            raise RpcError("protocol", "positions_get: give at most one of symbol, group, "
                           "ticket")
        value, failure, account = self._run(
            "positions_get", lambda: self._mt5.positions_get(**kwargs), deadline_s, "around")
        return DataAnswer(self._shaped("positions_get", value, failure, "list"), account)

    def _history_time(self, seconds):
        seconds = min(max(seconds, 0), MAX_HISTORY_EPOCH_S)
        if self._history_time_arg == "int":
            return seconds
        # An aware UTC datetime: its fields are the broker wall clock and its timestamp() is
        # the broker-clock epoch, so the package reads the same instant however it converts.
        # A naive datetime would be read in the gateway host's local time zone.
        return datetime.fromtimestamp(seconds, tz=timezone.utc)

    def _history(self, name):
        def handler(params, deadline_s):
            date_from = params.take_int("date_from")
            date_to = params.take_int("date_to")
            group = params.take_str("group")
            position = params.take_int("position", minimum=1)
            ticket = params.take_int("ticket", minimum=1)
            params.finish()
            ranged = date_from is not None or date_to is not None or group is not None
            if ranged + (position is not None) + (ticket is not None) != 1 or (
                    ranged and (date_from is None or date_to is None)):
                raise RpcError("protocol", "%s: give date_from and date_to (and optionally "
                               "group), or position, or ticket" % name)
            fn = getattr(self._mt5, name)
            if position is not None:
                call = lambda: fn(position=position)  # noqa: E731
            elif ticket is not None:
                call = lambda: fn(ticket=ticket)  # noqa: E731
            else:
                # The package takes the dates positionally only; as keywords it fails with -2.
                span = (self._history_time(date_from), self._history_time(date_to))
                extra = {"group": group} if group is not None else {}
                call = lambda: fn(*span, **extra)  # noqa: E731
            value, failure, account = self._run(name, call, deadline_s, "around")
            return DataAnswer(self._shaped(name, value, failure, "list"), account)
        return handler

    def _symbol(self, name):
        def handler(params, deadline_s):
            symbol = params.take_str("symbol", required=True)
            params.finish()
            value, failure, account = self._run(
                name, lambda: getattr(self._mt5, name)(symbol), deadline_s, "around")
            if failure is not None and failure[0] in (RES_S_OK, RES_E_FAIL, RES_E_NOT_FOUND):
                # The package does not say "not found" consistently; the contract does.
                raise RpcError("mt5", "symbol '%s' is not known to the terminal for this "
                               "account (MT5 last_error %d: %s); check the name, including "
                               "any broker suffix" % (symbol, failure[0], failure[1]),
                               code=RES_E_NOT_FOUND)
            return DataAnswer(self._shaped(name, value, failure, "object"), account)
        return handler
