"""Loads a scenario file (docs/scenario-format.md) for the fake MetaTrader5 module.

The checks and the messages follow the broker-mock plugin's loader
(plugins/broker-mock/src/scenario_loader.cpp, records.cpp), so one file means the same to both
replayers: structural objects refuse unknown keys, MT5 records ignore them, integers must fit
their field, every failure names the JSON path.

The field tables below are in MT5's field order (../shared/MT5.md); the fake builds its named
tuples from them.
"""

import json
import re

I32, U32, I64, U64, NUM, STR = "i32", "u32", "i64", "u64", "num", "str"
_INT_RANGES = {
    I32: (-2**31, 2**31 - 1, "a 32-bit integer"),
    U32: (0, 2**32 - 1, "an unsigned 32-bit integer"),
    I64: (-2**63, 2**63 - 1, "a 64-bit integer"),
    U64: (0, 2**64 - 1, "an unsigned 64-bit integer"),
}
_MAX_EPOCH_S = (2**63 - 1) // 1000
_MAX_UTC_OFFSET_S = 14 * 3600

ACCOUNT_INFO_FIELDS = [
    ("login", I64), ("trade_mode", I32), ("leverage", I64), ("limit_orders", I32),
    ("margin_so_mode", I32), ("trade_allowed", I32), ("trade_expert", I32),
    ("margin_mode", I32), ("currency_digits", I32), ("fifo_close", I32), ("balance", NUM),
    ("credit", NUM), ("profit", NUM), ("equity", NUM), ("margin", NUM), ("margin_free", NUM),
    ("margin_level", NUM), ("margin_so_call", NUM), ("margin_so_so", NUM),
    ("margin_initial", NUM), ("margin_maintenance", NUM), ("assets", NUM),
    ("liabilities", NUM), ("commission_blocked", NUM), ("name", STR), ("server", STR),
    ("currency", STR), ("company", STR)]
POSITION_FIELDS = [
    ("ticket", I64), ("time", I64), ("time_msc", I64), ("time_update", I64),
    ("time_update_msc", I64), ("type", I32), ("magic", I64), ("identifier", I64),
    ("reason", I32), ("volume", NUM), ("price_open", NUM), ("sl", NUM), ("tp", NUM),
    ("price_current", NUM), ("swap", NUM), ("profit", NUM), ("symbol", STR),
    ("comment", STR), ("external_id", STR)]
DEAL_FIELDS = [
    ("ticket", I64), ("order", I64), ("time", I64), ("time_msc", I64), ("type", I32),
    ("entry", I32), ("magic", I64), ("position_id", I64), ("reason", I32), ("volume", NUM),
    ("price", NUM), ("commission", NUM), ("swap", NUM), ("profit", NUM), ("fee", NUM),
    ("symbol", STR), ("comment", STR), ("external_id", STR)]
ORDER_FIELDS = [
    ("ticket", I64), ("time_setup", I64), ("time_setup_msc", I64), ("time_done", I64),
    ("time_done_msc", I64), ("time_expiration", I64), ("type", I32), ("type_time", I32),
    ("type_filling", I32), ("state", I32), ("magic", I64), ("position_id", I64),
    ("position_by_id", I64), ("reason", I32), ("volume_initial", NUM),
    ("volume_current", NUM), ("price_open", NUM), ("sl", NUM), ("tp", NUM),
    ("price_current", NUM), ("price_stoplimit", NUM), ("symbol", STR), ("comment", STR),
    ("external_id", STR)]
SYMBOL_FIELDS = [
    ("name", STR), ("digits", I32), ("trade_calc_mode", I32), ("point", NUM),
    ("trade_tick_size", NUM), ("trade_tick_value", NUM), ("trade_contract_size", NUM),
    ("currency_base", STR), ("currency_profit", STR)]
TICK_FIELDS = [
    ("time", I64), ("bid", NUM), ("ask", NUM), ("last", NUM), ("volume", U64),
    ("time_msc", I64), ("flags", U32), ("volume_real", NUM)]

_TIME_PAIRS = {
    "position": [("time", "time_msc"), ("time_update", "time_update_msc")],
    "deal": [("time", "time_msc")],
    "order": [("time_setup", "time_setup_msc"), ("time_done", "time_done_msc")],
    "tick": [("time", "time_msc")],
}
FAILURES = ("auth", "timeout", "disconnect", "hang")


class ScenarioError(ValueError):
    """The scenario file is unreadable or invalid; the message names the file and path."""


def _fail(path, problem):
    raise ScenarioError("%s %s" % (path, problem))


def member_path(parent, key):
    if key and re.fullmatch(r"[A-Za-z0-9_]+", key):
        return "%s.%s" % (parent, key)
    return '%s["%s"]' % (parent, key.replace("\\", "\\\\").replace('"', '\\"'))


def type_phrase(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    return "a fractional number" if isinstance(value, float) else "an integer"


class _Object:
    """One JSON object of the scenario with its path (the C++ ObjectReader's twin)."""

    def __init__(self, value, path):
        if not isinstance(value, dict):
            _fail(path, "must be an object, not %s" % type_phrase(value))
        self.value = value
        self.path = path

    def path_of(self, key):
        return member_path(self.path, key)

    def has(self, key):
        return key in self.value

    def read(self, key, kind):
        """The value under `key` checked against `kind`; None when absent."""
        if key not in self.value:
            return None
        value = self.value[key]
        if kind == STR:
            if not isinstance(value, str):
                _fail(self.path_of(key), "must be a string, not %s" % type_phrase(value))
            return value
        if kind == NUM:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                _fail(self.path_of(key), "must be a number, not %s" % type_phrase(value))
            return float(value)
        if isinstance(value, bool) or not isinstance(value, int):
            _fail(self.path_of(key), "must be an integer, not %s" % type_phrase(value))
        low, high, phrase = _INT_RANGES[kind]
        if not low <= value <= high:
            _fail(self.path_of(key), "is out of range for %s" % phrase)
        return value

    def required(self, key, kind):
        value = self.read(key, kind)
        if value is None:
            _fail(self.path_of(key), "is required")
        return value

    def array(self, key):
        value = self.value.get(key)
        if key in self.value and not isinstance(value, list):
            _fail(self.path_of(key), "must be an array, not %s" % type_phrase(value))
        return value

    def refuse_unknown_keys(self, known):
        for key in self.value:
            if not key.startswith("_") and key not in known:
                _fail(self.path_of(key), "is not a known key here (allowed: %s)"
                      % ", ".join(known))


def _floor_div_1000(msc):
    return msc // 1000  # Python floors for negatives too


def _read_record(reader, fields, kind):
    """A record as a dict with every field of `fields`; absent fields read 0, 0.0 or ""."""
    if kind in ("position", "deal", "order"):
        ticket = reader.required("ticket", I64)
        if ticket <= 0:
            _fail(reader.path_of("ticket"), "must be a positive ticket number")
    if kind == "symbol" and not reader.required("name", STR):
        _fail(reader.path_of("name"), "must not be empty")
    record = {}
    for name, field_kind in fields:
        value = reader.read(name, field_kind)
        if value is None:
            value = "" if field_kind == STR else 0.0 if field_kind == NUM else 0
        record[name] = value
    for seconds_key, msc_key in _TIME_PAIRS.get(kind, []):
        has_seconds, has_msc = reader.has(seconds_key), reader.has(msc_key)
        seconds, msc = record[seconds_key], record[msc_key]
        if has_seconds and not -_MAX_EPOCH_S <= seconds <= _MAX_EPOCH_S:
            _fail(reader.path_of(seconds_key), "is not a plausible epoch time in seconds")
        if has_seconds and not has_msc:
            record[msc_key] = seconds * 1000
        elif has_msc and not has_seconds:
            record[seconds_key] = _floor_div_1000(msc)
        elif has_seconds and has_msc and _floor_div_1000(msc) != seconds:
            _fail(reader.path_of(msc_key), "(%d) does not fall in the second given by %s (%d); "
                  "give both for the same instant, or only one of them"
                  % (msc, seconds_key, seconds))
    if kind == "position" and not reader.has("identifier"):
        record["identifier"] = record["ticket"]  # MT5: the opening order's ticket
    return record


def _read_tickets(account, key, fields, kind):
    items = account.array(key) or []
    records, seen = [], set()
    for index, item in enumerate(items):
        reader = _Object(item, "%s[%d]" % (account.path_of(key), index))
        record = _read_record(reader, fields, kind)
        if record["ticket"] in seen:
            _fail(reader.path_of("ticket"), "repeats ticket %d of an earlier entry"
                  % record["ticket"])
        seen.add(record["ticket"])
        records.append(record)
    return records


def _read_failure(knobs, key, login):
    value = knobs.value.get(key)
    if value is None:
        return None
    allowed = FAILURES if login else FAILURES[1:]
    phrase = "null, " + ", ".join('"%s"' % name for name in allowed[:-1]) + \
        ' or "%s"' % allowed[-1]
    if not isinstance(value, str):
        _fail(knobs.path_of(key), "must be %s, not %s" % (phrase, type_phrase(value)))
    if value not in allowed:
        _fail(knobs.path_of(key), 'must be %s, not "%s"' % (phrase, value))
    return value


def _read_knobs(reader):
    reader.refuse_unknown_keys(["login_latency_ms", "call_latency_ms", "fail", "fail_calls",
                                "fail_after_calls"])
    knobs = {}
    for key in ("login_latency_ms", "call_latency_ms", "fail_after_calls"):
        value = reader.read(key, I64) or 0
        if value < 0:
            _fail(reader.path_of(key), "must not be negative")
        knobs[key] = value
    knobs["fail"] = _read_failure(reader, "fail", login=True)
    knobs["fail_calls"] = _read_failure(reader, "fail_calls", login=False)
    if knobs["fail_after_calls"] > 0 and knobs["fail_calls"] is None:
        _fail(reader.path_of("fail_after_calls"), "has no effect unless fail_calls is set")
    return knobs


def _read_account(reader, servers, accounts):
    reader.refuse_unknown_keys(["login", "password", "server", "account_info", "positions",
                                "deals", "orders", "symbols", "ticks", "knobs"])
    login = reader.required("login", I64)
    if login <= 0:
        _fail(reader.path_of("login"), "must be a positive account number")
    password = reader.required("password", STR)
    if not password:
        _fail(reader.path_of("password"), "must not be empty")
    server = reader.required("server", STR)
    if server not in servers:
        _fail(reader.path_of("server"), 'names "%s", which $.servers lacks' % server)
    if (login, server) in accounts:
        _fail(reader.path_of("login"), 'repeats login %d on server "%s"' % (login, server))

    if not reader.has("account_info"):
        _fail(reader.path_of("account_info"), "is required")
    info_reader = _Object(reader.value["account_info"], reader.path_of("account_info"))
    info = _read_record(info_reader, ACCOUNT_INFO_FIELDS, "account_info")
    if not info_reader.has("login"):
        info["login"] = login
    if info["login"] != login:
        _fail(info_reader.path_of("login"), "(%d) differs from the account's login %d"
              % (info["login"], login))
    if not info_reader.has("server"):
        info["server"] = server
    if info["server"] != server:
        _fail(info_reader.path_of("server"), '("%s") differs from the account\'s server "%s"'
              % (info["server"], server))

    account = {"login": login, "password": password, "server": server, "account_info": info,
               "positions": _read_tickets(reader, "positions", POSITION_FIELDS, "position"),
               "deals": _read_tickets(reader, "deals", DEAL_FIELDS, "deal"),
               "orders": _read_tickets(reader, "orders", ORDER_FIELDS, "order"),
               "symbols": {}, "ticks": {}, "utc_offset_s": servers[server]}
    for index, item in enumerate(reader.array("symbols") or []):
        symbol_reader = _Object(item, "%s[%d]" % (reader.path_of("symbols"), index))
        symbol = _read_record(symbol_reader, SYMBOL_FIELDS, "symbol")
        if symbol["name"] in account["symbols"]:
            _fail(symbol_reader.path_of("name"), 'repeats symbol "%s"' % symbol["name"])
        account["symbols"][symbol["name"]] = symbol
    if reader.has("ticks"):
        ticks = _Object(reader.value["ticks"], reader.path_of("ticks"))
        for name, item in ticks.value.items():
            tick_reader = _Object(item, ticks.path_of(name))
            account["ticks"][name] = _read_record(tick_reader, TICK_FIELDS, "tick")
    account["knobs"] = _read_knobs(_Object(reader.value["knobs"], reader.path_of("knobs"))) \
        if reader.has("knobs") else _read_knobs(_Object({}, reader.path_of("knobs")))

    # The terminal returns history in time order whatever order the file lists it in.
    account["positions"].sort(key=lambda r: (r["time_msc"], r["ticket"]))
    account["deals"].sort(key=lambda r: (r["time_msc"], r["ticket"]))
    account["orders"].sort(key=lambda r: (r["time_setup_msc"], r["ticket"]))
    return account


def _reject_constant(name):
    raise ValueError("%s is not valid JSON" % name)


def parse_scenario(text):
    """Returns {"servers": {name: utc_offset_s}, "accounts": {(login, server): account}}."""
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise ScenarioError("the text is not valid JSON (%s at line %d, column %d)"
                            % (error.msg, error.lineno, error.colno))
    except ValueError as error:
        raise ScenarioError("the text is not valid JSON (%s)" % error)
    root = _Object(document, "$")
    root.refuse_unknown_keys(["servers", "accounts"])
    servers = {}
    server_list = root.array("servers")
    if not server_list:
        _fail(root.path_of("servers"), "must list at least one server")
    for index, item in enumerate(server_list):
        reader = _Object(item, "$.servers[%d]" % index)
        reader.refuse_unknown_keys(["name", "utc_offset_s"])
        name = reader.required("name", STR)
        if not name:
            _fail(reader.path_of("name"), "must not be empty")
        offset = reader.required("utc_offset_s", I64)
        if not -_MAX_UTC_OFFSET_S <= offset <= _MAX_UTC_OFFSET_S:
            _fail(reader.path_of("utc_offset_s"), "must be seconds between -50400 and 50400 "
                  "(UTC-14h..UTC+14h), e.g. 7200 for UTC+2")
        if name in servers:
            _fail(reader.path_of("name"), 'repeats server "%s"' % name)
        servers[name] = offset
    account_list = root.array("accounts")
    if account_list is None:
        _fail(root.path_of("accounts"), "is required")
    accounts = {}
    for index, item in enumerate(account_list):
        account = _read_account(_Object(item, "$.accounts[%d]" % index), servers, accounts)
        accounts[(account["login"], account["server"])] = account
    return {"servers": servers, "accounts": accounts}


def load_scenario_file(path):
    try:
        with open(path, "r", encoding="utf-8") as handle:
            text = handle.read()
    except OSError as error:
        raise ScenarioError("cannot read scenario file '%s': %s; check MT5_FAKE_SCENARIO"
                            % (path, error.strerror))
    try:
        return parse_scenario(text)
    except ScenarioError as error:
        raise ScenarioError("scenario file '%s' is invalid: %s; fix the file (see "
                            "docs/scenario-format.md) and restart" % (path, error))
