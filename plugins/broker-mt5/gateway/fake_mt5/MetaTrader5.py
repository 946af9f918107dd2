"""A fake of the `MetaTrader5` Python package that replays a scenario file.

For the gateway's tests and the broker-mt5 integration tests: put this folder on PYTHONPATH
(or start the gateway with `--mt5-module fake_mt5.MetaTrader5`) and name the scenario in
MT5_FAKE_SCENARIO. It answers as broker-mock does (docs/scenario-format.md, "How a scenario is
replayed"), with the package's calling conventions: failures return None/False and set
`last_error()`, records are named tuples in MT5's field order, history dates are positional.

Test-only environment knobs, beside the scenario's own knobs:
- MT5_FAKE_CRASH_AFTER_CALLS=N: the (N+1)th call (any function but last_error) ends the whole
  process with exit code 70 before answering, as a terminal or gateway dying mid-sync would.
- MT5_FAKE_INIT_ERROR=CODE: initialize() fails with that last_error() code (e.g. -10005).
- MT5_FAKE_LATE_LOGIN=1: a login whose login_latency_ms reaches its timeout still fails with
  -10005 at the timeout, but the terminal completes it once the latency has passed (a real
  terminal keeps connecting after the package gave up), so later calls see that account.
"""

import collections
import fnmatch
import os
import sys
import time
from datetime import datetime

try:
    from . import fake_scenario  # imported as fake_mt5.MetaTrader5
except ImportError:
    import fake_scenario  # imported as MetaTrader5 with this folder on sys.path

__version__ = "5.0.45"
__author__ = "mt5bridge fake (not MetaQuotes)"

RES_S_OK, RES_E_FAIL, RES_E_INVALID_PARAMS, RES_E_NOT_FOUND = 1, -1, -2, -4
RES_E_AUTH_FAILED = -6
RES_E_INTERNAL_FAIL_INIT, RES_E_INTERNAL_FAIL_CONNECT = -10003, -10004
RES_E_INTERNAL_FAIL_TIMEOUT = -10005
CRASH_EXIT_CODE = 70
DEFAULT_TIMEOUT_MS = 10000  # the replayer's default when a login gives timeout 0
LIVE_TICK_AGE_S = 3600
_MESSAGES = {
    RES_S_OK: "Success", RES_E_FAIL: "Terminal: Call failed",
    RES_E_INVALID_PARAMS: "Terminal: Invalid params", -3: "Terminal: No memory",
    RES_E_NOT_FOUND: "Terminal: Not found", -5: "Terminal: Invalid version",
    RES_E_AUTH_FAILED: "Authorization failed", -7: "Terminal: Unsupported",
    -8: "Terminal: Auto-trading disabled", -10000: "IPC internal failure",
    -10001: "IPC send failed", -10002: "IPC receive failed",
    RES_E_INTERNAL_FAIL_INIT: "IPC initialize failed, MetaTrader 5 x64 not found",
    RES_E_INTERNAL_FAIL_CONNECT: "No IPC connection", RES_E_INTERNAL_FAIL_TIMEOUT: "IPC timeout",
}
_FAILURE_CODES = {"auth": RES_E_AUTH_FAILED, "timeout": RES_E_INTERNAL_FAIL_TIMEOUT,
                  "disconnect": RES_E_INTERNAL_FAIL_CONNECT}


def _fields(table):
    return [name for name, _ in table]


# Named tuples in MT5's field order. The real package gives some account and symbol flags as
# booleans; so does the fake, whatever integer the scenario holds.
AccountInfo = collections.namedtuple("AccountInfo", _fields(fake_scenario.ACCOUNT_INFO_FIELDS))
TradePosition = collections.namedtuple("TradePosition",
                                       _fields(fake_scenario.POSITION_FIELDS))
TradeDeal = collections.namedtuple("TradeDeal", _fields(fake_scenario.DEAL_FIELDS))
TradeOrder = collections.namedtuple("TradeOrder", _fields(fake_scenario.ORDER_FIELDS))
Tick = collections.namedtuple("Tick", _fields(fake_scenario.TICK_FIELDS))
SymbolInfo = collections.namedtuple("SymbolInfo", [
    "custom", "chart_mode", "select", "visible", "time", "digits", "spread", "spread_float",
    "trade_calc_mode", "trade_mode", "bid", "ask", "last", "point", "trade_tick_value",
    "trade_tick_value_profit", "trade_tick_value_loss", "trade_tick_size",
    "trade_contract_size", "volume_min", "volume_max", "volume_step", "currency_base",
    "currency_profit", "currency_margin", "description", "name", "path"])
TerminalInfo = collections.namedtuple("TerminalInfo", [
    "community_account", "community_connection", "connected", "dlls_allowed", "trade_allowed",
    "tradeapi_disabled", "email_enabled", "ftp_enabled", "notifications_enabled", "mqid",
    "build", "maxbars", "codepage", "ping_last", "community_balance", "retransmission",
    "company", "name", "language", "path", "data_path", "commondata_path"])
_ACCOUNT_BOOL_FIELDS = ("trade_allowed", "trade_expert", "fifo_close")
_TERMINAL_BUILD = 4755


class _Failed(Exception):
    """Ends a call: the function returns its failure value after setting last_error."""

    def __init__(self, code, detail=None):
        super().__init__(code)
        self.code = code
        self.message = _MESSAGES.get(code, "Terminal: error %d" % code)
        if detail:
            self.message += " (%s)" % detail


class _Session:
    def __init__(self, account, timeout_ms):
        self.account = account
        self.timeout_ms = timeout_ms
        self.calls = 0


class _FakeTerminal:
    """The state one terminal process holds: at most one logged-in account."""

    def __init__(self, scenario, crash_after_calls, init_error, late_login=False):
        self.scenario = scenario
        self.crash_after_calls = crash_after_calls
        self.init_error = init_error
        self.late_login = late_login
        self.initialized = False
        self.path = ""
        self.session = None
        # (account, monotonic time it completes, timeout_ms) of MT5_FAKE_LATE_LOGIN
        self.pending = None
        self.calls_total = 0
        self.error = (RES_S_OK, _MESSAGES[RES_S_OK])

    def count_call(self, name):
        self.calls_total += 1
        if self.crash_after_calls is not None and self.calls_total > self.crash_after_calls:
            sys.stderr.write("fake MetaTrader5: crashing on call %d (%s) as "
                             "MT5_FAKE_CRASH_AFTER_CALLS=%d asks\n"
                             % (self.calls_total, name, self.crash_after_calls))
            sys.stderr.flush()
            os._exit(CRASH_EXIT_CODE)

    def require_initialized(self):
        if not self.initialized:
            raise _Failed(RES_E_INTERNAL_FAIL_CONNECT, "call initialize() first")

    def login(self, login, password, server, timeout_ms):
        """docs/scenario-format.md "Login", steps 1 to 5."""
        started = time.monotonic()
        self.session = None
        self.pending = None
        if not server or not isinstance(login, int) or login <= 0:
            raise _Failed(RES_E_INVALID_PARAMS, "login needs a positive account and a server")
        account = self.scenario["accounts"].get((login, server))
        if account is None:
            raise _Failed(RES_E_AUTH_FAILED)
        deadline_ms = timeout_ms if timeout_ms else DEFAULT_TIMEOUT_MS
        knobs = account["knobs"]
        latency_ms = knobs["login_latency_ms"]
        if (self.late_login and latency_ms >= deadline_ms and knobs["fail"] is None
                and password == account["password"]):
            self.pending = (account, started + latency_ms / 1000, deadline_ms)
        _wait_latency(latency_ms, started, deadline_ms)
        if knobs["fail"] == "hang":
            _sleep_until(started, deadline_ms)
            raise _Failed(RES_E_INTERNAL_FAIL_TIMEOUT)
        if knobs["fail"] is not None:
            raise _Failed(_FAILURE_CODES[knobs["fail"]])
        if password != account["password"]:
            raise _Failed(RES_E_AUTH_FAILED)
        self.session = _Session(account, deadline_ms)

    def settle_late_login(self):
        """Completes a login that timed out in the package but not in the terminal."""
        if self.pending is not None and time.monotonic() >= self.pending[1]:
            account, _, timeout_ms = self.pending
            self.pending = None
            self.session = _Session(account, timeout_ms)

    def begin_data_call(self):
        """Applies the session's call knobs; returns its account when the call may go on."""
        started = time.monotonic()
        self.require_initialized()
        self.settle_late_login()
        session = self.session
        if session is None:
            raise _Failed(RES_E_FAIL, "no account is logged in")
        session.calls += 1
        knobs = session.account["knobs"]
        _wait_latency(knobs["call_latency_ms"], started, session.timeout_ms)
        if session.calls > knobs["fail_after_calls"] and knobs["fail_calls"] is not None:
            if knobs["fail_calls"] == "hang":
                _sleep_until(started, session.timeout_ms)
                raise _Failed(RES_E_INTERNAL_FAIL_TIMEOUT)
            raise _Failed(_FAILURE_CODES[knobs["fail_calls"]])
        return session.account


def _sleep_until(started, deadline_ms):
    remaining = started + deadline_ms / 1000 - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)


def _wait_latency(latency_ms, started, deadline_ms):
    """A latency that reaches the deadline ends in a timeout at the deadline."""
    if latency_ms <= 0:
        return
    if latency_ms >= deadline_ms:
        _sleep_until(started, deadline_ms)
        raise _Failed(RES_E_INTERNAL_FAIL_TIMEOUT)
    _sleep_until(started, latency_ms)


def _env_int(name):
    value = os.environ.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise ImportError("%s must be an integer, not %r" % (name, value))


def _load_terminal():
    path = os.environ.get("MT5_FAKE_SCENARIO")
    scenario = None
    if path:
        try:
            scenario = fake_scenario.load_scenario_file(path)
        except fake_scenario.ScenarioError as error:
            raise ImportError(str(error))
    return _FakeTerminal(scenario, _env_int("MT5_FAKE_CRASH_AFTER_CALLS"),
                         _env_int("MT5_FAKE_INIT_ERROR"),
                         late_login=bool(_env_int("MT5_FAKE_LATE_LOGIN")))


_terminal = _load_terminal()


def _api(name, failure_value=None):
    """Wraps a package function: counts it for the crash knob and maps _Failed to last_error."""
    def wrap(fn):
        def call(*args, **kwargs):
            _terminal.count_call(name)
            try:
                result = fn(*args, **kwargs)
            except _Failed as failed:
                _terminal.error = (failed.code, failed.message)
                return failure_value
            _terminal.error = (RES_S_OK, _MESSAGES[RES_S_OK])
            return result
        call.__name__ = name
        call.__doc__ = fn.__doc__
        return call
    return wrap


@_api("initialize", failure_value=False)
def initialize(path=None, *, login=None, password=None, server=None, timeout=60000,
               portable=False):
    """Attaches to the fake terminal; with login= it also logs in, as the package does."""
    if _terminal.init_error is not None:
        _terminal.initialized = False
        raise _Failed(_terminal.init_error, "MT5_FAKE_INIT_ERROR")
    if _terminal.scenario is None:
        raise _Failed(RES_E_INTERNAL_FAIL_INIT, "set MT5_FAKE_SCENARIO to a scenario file")
    _terminal.initialized = True
    _terminal.path = path or ""
    if login is not None:
        try:
            _terminal.login(login, password, server, timeout)
        except _Failed:
            _terminal.initialized = False
            raise
    return True


@_api("login", failure_value=False)
def login(login, password=None, server=None, timeout=60000):
    _terminal.require_initialized()
    _terminal.login(login, password, server, timeout)
    return True


@_api("shutdown")
def shutdown():
    _terminal.initialized = False
    _terminal.session = None
    _terminal.pending = None


def last_error():
    """(code, message) of the last call; not counted, and it does not reset the error."""
    return _terminal.error


@_api("version")
def version():
    _terminal.require_initialized()
    return (500, _TERMINAL_BUILD, "20 Feb 2025")


@_api("terminal_info")
def terminal_info():
    _terminal.require_initialized()
    _terminal.settle_late_login()
    folder = os.path.dirname(_terminal.path) if _terminal.path else \
        "C:\\Program Files\\MetaTrader 5"
    return TerminalInfo(
        community_account=False, community_connection=False,
        connected=_terminal.session is not None, dlls_allowed=False, trade_allowed=False,
        tradeapi_disabled=False, email_enabled=False, ftp_enabled=False,
        notifications_enabled=False, mqid=False, build=_TERMINAL_BUILD, maxbars=100000,
        codepage=0, ping_last=25000, community_balance=0.0, retransmission=0.0,
        company="MetaQuotes Ltd.", name="MetaTrader 5 (fake)", language="English",
        path=folder, data_path=folder, commondata_path=folder)


@_api("account_info")
def account_info():
    info = dict(_terminal.begin_data_call()["account_info"])
    for name in _ACCOUNT_BOOL_FIELDS:
        info[name] = bool(info[name])
    return AccountInfo(**info)


def _refuse_unknown(kwargs):
    if kwargs:
        raise _Failed(RES_E_INVALID_PARAMS, "unexpected argument(s) %s" % ", ".join(kwargs))


def _in_group(symbol, group):
    """MT5 group filters: comma-separated patterns with *, a leading ! excludes."""
    selected = False
    for pattern in (p.strip() for p in group.split(",")):
        if pattern.startswith("!"):
            if fnmatch.fnmatchcase(symbol, pattern[1:]):
                return False
        elif fnmatch.fnmatchcase(symbol, pattern):
            selected = True
    return selected


@_api("positions_get")
def positions_get(symbol=None, group=None, ticket=None, **kwargs):
    _refuse_unknown(kwargs)
    if sum(x is not None for x in (symbol, group, ticket)) > 1:
        raise _Failed(RES_E_INVALID_PARAMS, "give one of symbol, group, ticket")
    account = _terminal.begin_data_call()
    return tuple(TradePosition(**p) for p in account["positions"]
                 if (symbol is None or p["symbol"] == symbol)
                 and (group is None or _in_group(p["symbol"], group))
                 and (ticket is None or p["ticket"] == ticket))


def _epoch_seconds(value):
    """The package takes a datetime or seconds since 1970; a naive datetime is local time."""
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    raise _Failed(RES_E_INVALID_PARAMS, "dates must be datetime or seconds since 1970")


def _history(records, record_type, time_key, ticket_key, args, group, ticket, position,
             kwargs):
    """The package's history_*_get: (date_from, date_to[, group=]) or ticket= or position=."""
    _refuse_unknown(kwargs)
    if ticket is None and position is None and len(args) != 2:
        raise _Failed(RES_E_INVALID_PARAMS, "give date_from and date_to positionally, or "
                      "ticket=, or position=")
    if args and (ticket is not None or position is not None):
        raise _Failed(RES_E_INVALID_PARAMS, "dates cannot be combined with ticket/position")
    if ticket is not None:
        selected = [r for r in records if r[ticket_key] == ticket]
    elif position is not None:
        selected = [r for r in records if r["position_id"] == position]
    else:
        date_from, date_to = _epoch_seconds(args[0]), _epoch_seconds(args[1])
        selected = [r for r in records if date_from <= r[time_key] <= date_to
                    and (group is None or _in_group(r["symbol"], group))]
    return tuple(record_type(**r) for r in selected)


@_api("history_deals_get")
def history_deals_get(*args, group=None, ticket=None, position=None, **kwargs):
    """Deals in [date_from, date_to] by `time`; ticket= selects by the deal's order ticket."""
    if len(args) > 2:
        raise _Failed(RES_E_INVALID_PARAMS, "too many positional arguments")
    account = _terminal.begin_data_call()
    return _history(account["deals"], TradeDeal, "time", "order", args, group, ticket,
                    position, kwargs)


@_api("history_orders_get")
def history_orders_get(*args, group=None, ticket=None, position=None, **kwargs):
    """Orders in [date_from, date_to] by `time_setup`; ticket= is the order's own ticket."""
    if len(args) > 2:
        raise _Failed(RES_E_INVALID_PARAMS, "too many positional arguments")
    account = _terminal.begin_data_call()
    return _history(account["orders"], TradeOrder, "time_setup", "ticket", args, group,
                    ticket, position, kwargs)


def _live_tick(tick, utc_offset_s):
    """A tick older than an hour is served as if it had just arrived, so that a client can
    detect the server's offset from it (time - now_utc = utc_offset_s)."""
    now_broker_msc = int(time.time() * 1000) + utc_offset_s * 1000
    if tick["time"] >= now_broker_msc // 1000 - LIVE_TICK_AGE_S:
        return dict(tick)
    return dict(tick, time=now_broker_msc // 1000, time_msc=now_broker_msc)


@_api("symbol_info_tick")
def symbol_info_tick(symbol):
    account = _terminal.begin_data_call()
    tick = account["ticks"].get(symbol)
    if tick is None:
        raise _Failed(RES_E_NOT_FOUND, "no tick for %r" % symbol)
    return Tick(**_live_tick(tick, account["utc_offset_s"]))


@_api("symbol_info")
def symbol_info(symbol):
    account = _terminal.begin_data_call()
    info = account["symbols"].get(symbol)
    if info is None:
        raise _Failed(RES_E_NOT_FOUND, "no symbol %r" % symbol)
    tick = account["ticks"].get(symbol)
    tick = _live_tick(tick, account["utc_offset_s"]) if tick else None
    bid, ask = (tick["bid"], tick["ask"]) if tick else (0.0, 0.0)
    spread = round((ask - bid) / info["point"]) if tick and info["point"] else 0
    return SymbolInfo(
        custom=False, chart_mode=0, select=True, visible=True,
        time=tick["time"] if tick else 0, digits=info["digits"], spread=spread,
        spread_float=True, trade_calc_mode=info["trade_calc_mode"], trade_mode=4, bid=bid,
        ask=ask, last=tick["last"] if tick else 0.0, point=info["point"],
        trade_tick_value=info["trade_tick_value"],
        trade_tick_value_profit=info["trade_tick_value"],
        trade_tick_value_loss=info["trade_tick_value"],
        trade_tick_size=info["trade_tick_size"],
        trade_contract_size=info["trade_contract_size"], volume_min=0.01, volume_max=100.0,
        volume_step=0.01, currency_base=info["currency_base"],
        currency_profit=info["currency_profit"], currency_margin=info["currency_base"],
        description="", name=info["name"], path="")
