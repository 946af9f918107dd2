"""The fake MetaTrader5 module replays scenario files as broker-mock does.

Run from this folder: python3 -m unittest -v test_fake_mt5
"""

import importlib
import json
import os
import sys
import tempfile
import time
import unittest
from datetime import datetime, timezone
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
GATEWAY_DIR = os.path.dirname(HERE)
FAKE_DIR = os.path.join(GATEWAY_DIR, "fake_mt5")
REPO = os.path.abspath(os.path.join(GATEWAY_DIR, "..", "..", ".."))
DEMO = os.path.join(REPO, "config", "scenarios", "demo.json")
KNOBS = os.path.join(REPO, "plugins", "broker-mock", "tests", "fixtures", "knobs.json")
sys.path.insert(0, FAKE_DIR)

import fake_scenario  # noqa: E402

ALICE = (5001234, "investor-pass-1", "MetaQuotes-Demo")


def load_fake(scenario, **env):
    """A fresh fake terminal reading `scenario`, with the given MT5_FAKE_* variables."""
    variables = {"MT5_FAKE_SCENARIO": scenario, "MT5_FAKE_CRASH_AFTER_CALLS": "",
                 "MT5_FAKE_INIT_ERROR": "", "MT5_FAKE_LATE_LOGIN": ""}
    variables.update(env)
    with mock.patch.dict(os.environ, variables):
        sys.modules.pop("MetaTrader5", None)
        return importlib.import_module("MetaTrader5")


def logged_in(scenario, login, password, server, timeout=10000):
    mt5 = load_fake(scenario)
    assert mt5.initialize()
    assert mt5.login(login, password=password, server=server, timeout=timeout), mt5.last_error()
    return mt5


class DemoReplay(unittest.TestCase):
    def setUp(self):
        self.mt5 = logged_in(DEMO, *ALICE)

    def test_account_info_is_the_scenarios_with_mt5_field_order_and_booleans(self):
        info = self.mt5.account_info()._asdict()
        self.assertEqual(list(info)[:3], ["login", "trade_mode", "leverage"])
        self.assertEqual(list(info)[-4:], ["name", "server", "currency", "company"])
        self.assertEqual(info["balance"], 9994.52)
        self.assertIs(info["trade_allowed"], True)
        self.assertIs(info["fifo_close"], False)

    def test_positions_come_in_time_order(self):
        self.assertEqual([p.ticket for p in self.mt5.positions_get()], [70010, 70011])
        self.assertEqual([p.ticket for p in self.mt5.positions_get(symbol="XAUUSD")], [70011])
        self.assertEqual([p.ticket for p in self.mt5.positions_get(group="*,!XAU*")], [70010])

    def test_history_range_includes_both_edges_on_the_broker_clock(self):
        deals = self.mt5.history_deals_get(1762160400, 1762164923)
        self.assertEqual([d.ticket for d in deals], [90001, 90002])
        self.assertEqual(self.mt5.history_deals_get(1762160401, 1762164922), ())

    def test_history_range_accepts_aware_datetimes(self):
        start = datetime.fromtimestamp(1762160400, tz=timezone.utc)
        end = datetime.fromtimestamp(1762164923, tz=timezone.utc)
        self.assertEqual(len(self.mt5.history_deals_get(start, end)), 2)

    def test_history_is_sorted_by_time_msc_whatever_the_file_order(self):
        # 90005 is listed after 90004 in demo.json but happened before it.
        deals = self.mt5.history_deals_get(0, 2**40)
        tickets = [d.ticket for d in deals]
        self.assertEqual(len(deals), 13)
        self.assertLess(tickets.index(90005), tickets.index(90004))
        self.assertEqual([d.time_msc for d in deals], sorted(d.time_msc for d in deals))

    def test_history_by_position_and_by_order_ticket(self):
        self.assertEqual([d.ticket for d in self.mt5.history_deals_get(position=70001)],
                         [90002, 90003, 90004])
        self.assertEqual([d.ticket for d in self.mt5.history_deals_get(ticket=70002)], [90003])
        self.assertEqual([o.ticket for o in self.mt5.history_orders_get(position=70004)],
                         [70004, 70005])
        self.assertEqual([o.ticket for o in self.mt5.history_orders_get(1762331410,
                                                                        1762331410)], [70004])

    def test_history_dates_as_keywords_fail_like_the_real_package(self):
        self.assertIsNone(self.mt5.history_deals_get(date_from=0, date_to=2**40))
        self.assertEqual(self.mt5.last_error()[0], -2)

    def test_unknown_symbol_is_not_found(self):
        self.assertIsNone(self.mt5.symbol_info("EURUSD.x"))
        self.assertEqual(self.mt5.last_error()[0], -4)
        self.assertIsNone(self.mt5.symbol_info_tick("EURUSD.x"))

    def test_an_old_tick_is_served_live_on_the_servers_clock(self):
        tick = self.mt5.symbol_info_tick("EURUSD")
        self.assertEqual(tick.bid, 1.15682)
        self.assertAlmostEqual(tick.time - time.time(), 7200, delta=5)
        self.assertEqual(tick.time_msc // 1000, tick.time)
        self.assertAlmostEqual(self.mt5.symbol_info("EURUSD").time, tick.time, delta=5)

    def test_success_resets_last_error(self):
        self.mt5.symbol_info("nope")
        self.mt5.account_info()
        self.assertEqual(self.mt5.last_error(), (1, "Success"))


class LoginRules(unittest.TestCase):
    def setUp(self):
        self.mt5 = load_fake(KNOBS)
        self.assertTrue(self.mt5.initialize())

    def login(self, login, password, timeout=10000):
        ok = self.mt5.login(login, password=password, server="Knob-Server", timeout=timeout)
        return ok, self.mt5.last_error()[0]

    def test_wrong_password_unknown_login_and_auth_knob_are_minus_6(self):
        self.assertEqual(self.login(2001, "wrong"), (False, -6))
        self.assertEqual(self.login(9999, "healthy-pass"), (False, -6))
        self.assertEqual(self.login(2002, "auth-knob-pass"), (False, -6))
        self.assertEqual(self.login(2001, "healthy-pass"), (True, 1))

    def test_failed_login_messages_never_hold_the_password(self):
        self.login(2001, "wrong-secret-pw")
        self.assertNotIn("wrong-secret-pw", self.mt5.last_error()[1])

    def test_timeout_and_disconnect_knobs(self):
        self.assertEqual(self.login(2003, "timeout-pass"), (False, -10005))
        self.assertEqual(self.login(2004, "disconnect-pass"), (False, -10004))

    def test_hang_waits_for_the_deadline(self):
        started = time.monotonic()
        self.assertEqual(self.login(2005, "hang-pass", timeout=200), (False, -10005))
        self.assertGreaterEqual(time.monotonic() - started, 0.19)

    def test_login_latency_past_the_deadline_times_out_at_the_deadline(self):
        started = time.monotonic()
        self.assertEqual(self.login(2011, "very-slow-login", timeout=150), (False, -10005))
        self.assertLess(time.monotonic() - started, 1.0)

    def test_fail_after_calls_counts_per_session(self):
        self.login(2008, "flaky-pass")
        self.assertIsNotNone(self.mt5.account_info())
        self.assertIsNotNone(self.mt5.positions_get())
        self.assertIsNone(self.mt5.account_info())
        self.assertEqual(self.mt5.last_error()[0], -10004)
        self.login(2008, "flaky-pass")
        self.assertIsNotNone(self.mt5.account_info())

    def test_data_call_hang_waits_for_the_sessions_deadline(self):
        self.login(2010, "call-hang-pass", timeout=200)
        started = time.monotonic()
        self.assertIsNone(self.mt5.positions_get())
        self.assertEqual(self.mt5.last_error()[0], -10005)
        self.assertGreaterEqual(time.monotonic() - started, 0.19)

    def test_calls_before_initialize_fail_with_no_ipc(self):
        self.mt5.shutdown()
        self.assertIsNone(self.mt5.account_info())
        self.assertEqual(self.mt5.last_error()[0], -10004)


class EnvironmentKnobs(unittest.TestCase):
    def test_init_error_makes_initialize_fail_with_that_code(self):
        mt5 = load_fake(DEMO, MT5_FAKE_INIT_ERROR="-10005")
        self.assertFalse(mt5.initialize())
        self.assertEqual(mt5.last_error()[0], -10005)

    def test_initialize_with_credentials_logs_in(self):
        mt5 = load_fake(DEMO)
        login, password, server = ALICE
        self.assertTrue(mt5.initialize(login=login, password=password, server=server))
        self.assertEqual(mt5.account_info().login, login)
        self.assertFalse(mt5.initialize(login=login, password="bad", server=server))
        self.assertEqual(mt5.last_error()[0], -6)

    def test_late_login_completes_in_the_terminal_after_the_package_timed_out(self):
        def edit(document):
            slow = next(a for a in document["accounts"] if a["login"] == 2011)
            slow["knobs"]["login_latency_ms"] = 400
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "late.json")
            with open(KNOBS, encoding="utf-8") as handle:
                document = json.load(handle)
            edit(document)
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(document, handle)
            mt5 = load_fake(path, MT5_FAKE_LATE_LOGIN="1")
            self.assertTrue(mt5.initialize())
            self.assertTrue(mt5.login(2001, password="healthy-pass", server="Knob-Server"))
            self.assertFalse(mt5.login(2011, password="very-slow-login", server="Knob-Server",
                                       timeout=100))
            self.assertEqual(mt5.last_error()[0], -10005)
            self.assertIsNone(mt5.account_info())  # nobody, until the terminal completes it
            time.sleep(0.35)
            self.assertEqual(mt5.account_info().login, 2011)
            # A wrong password never completes late.
            self.assertFalse(mt5.login(2011, password="wrong", server="Knob-Server", timeout=100))
            time.sleep(0.45)
            self.assertIsNone(mt5.account_info())

    def test_an_invalid_scenario_fails_the_import_naming_file_and_path(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump({"servers": [{"name": "S", "utc_offset_s": 0}], "accounts": [
                {"login": 1, "password": "secret-pw", "server": "S", "account_info": {},
                 "deals": [{"ticket": 1, "price": "1.1"}]}]}, handle)
        self.addCleanup(os.unlink, handle.name)
        with self.assertRaises(ImportError) as raised:
            load_fake(handle.name)
        message = str(raised.exception)
        self.assertIn(handle.name, message)
        self.assertIn("$.accounts[0].deals[0].price must be a number, not a string", message)
        self.assertNotIn("secret-pw", message)


class ScenarioChecks(unittest.TestCase):
    """The same refusals as plugins/broker-mock/tests/scenario_errors_test.cpp."""

    @staticmethod
    def scenario_with(deal, **account_keys):
        account = {"login": 42, "password": "secret-pw", "server": "S",
                   "account_info": {"balance": 10.0, "currency": "USD"}, "deals": [deal]}
        account.update(account_keys)
        return json.dumps({"servers": [{"name": "S", "utc_offset_s": 7200}],
                           "accounts": [account]})

    def refused_at(self, text, expected):
        with self.assertRaises(fake_scenario.ScenarioError) as raised:
            fake_scenario.parse_scenario(text)
        self.assertIn(expected, str(raised.exception))
        self.assertNotIn("secret-pw", str(raised.exception))

    def test_the_helper_scenario_is_valid(self):
        fake_scenario.parse_scenario(self.scenario_with({"ticket": 1, "time": 1762156800}))

    def test_broken_json_names_the_line(self):
        self.refused_at('{\n  "servers": [\n    {"name": "S",, }\n', "line 3")

    def test_wrong_types_fractions_and_ranges_name_the_path(self):
        self.refused_at(self.scenario_with({"ticket": 1, "price": "1.15"}),
                        "$.accounts[0].deals[0].price must be a number, not a string")
        self.refused_at(self.scenario_with({"ticket": 1, "entry": 1.5}),
                        "$.accounts[0].deals[0].entry must be an integer")
        self.refused_at(self.scenario_with({"ticket": 1, "type": 4294967296}),
                        "$.accounts[0].deals[0].type is out of range")

    def test_tickets_are_required_and_unique(self):
        self.refused_at(self.scenario_with({"time": 1}),
                        "$.accounts[0].deals[0].ticket is required")
        text = self.scenario_with({"ticket": 1}, orders=[{"ticket": 5}, {"ticket": 5}])
        self.refused_at(text, "$.accounts[0].orders[1].ticket repeats ticket 5")

    def test_time_pairs_must_agree(self):
        self.refused_at(self.scenario_with({"ticket": 1, "time": 1762156800, "time_msc": 1}),
                        "$.accounts[0].deals[0].time_msc")

    def test_knobs_are_checked(self):
        deal = {"ticket": 1}
        self.refused_at(self.scenario_with(deal, knobs={"fail": "explode"}),
                        '$.accounts[0].knobs.fail must be null, "auth"')
        self.refused_at(self.scenario_with(deal, knobs={"fail_calls": "auth"}),
                        "$.accounts[0].knobs.fail_calls")
        self.refused_at(self.scenario_with(deal, knobs={"login_latency": 5}),
                        "$.accounts[0].knobs.login_latency is not a known key here (allowed: "
                        "login_latency_ms")
        self.refused_at(self.scenario_with(deal, knobs={"fail_after_calls": 3}),
                        "$.accounts[0].knobs.fail_after_calls has no effect")

    def test_dotted_tick_symbols_are_quoted_in_paths(self):
        self.refused_at(self.scenario_with({"ticket": 1}, ticks={"US30.cash": {"bid": True}}),
                        '$.accounts[0].ticks["US30.cash"].bid must be a number, not a boolean')

    def test_servers_and_account_info_must_agree(self):
        self.refused_at('{"servers": [{"name": "S", "utc_offset_s": 99999}], "accounts": []}',
                        "$.servers[0].utc_offset_s")
        self.refused_at(json.dumps({"servers": [{"name": "S", "utc_offset_s": 0}], "accounts": [
            {"login": 1, "password": "secret-pw", "server": "T", "account_info": {}}]}),
            "$.accounts[0].server")
        self.refused_at(json.dumps({"servers": [{"name": "S", "utc_offset_s": 0}], "accounts": [
            {"login": 1, "password": "secret-pw", "server": "S",
             "account_info": {"login": 2}}]}), "$.accounts[0].account_info.login")

    def test_keys_mt5_may_add_to_records_are_ignored(self):
        scenario = fake_scenario.parse_scenario(self.scenario_with(
            {"ticket": 1, "time": 1762156800, "fee_currency": "USD", "new_field": [1, 2]},
            _comment="notes are allowed"))
        deal = scenario["accounts"][(42, "S")]["deals"][0]
        self.assertNotIn("new_field", deal)
        self.assertEqual(deal["time_msc"], 1762156800000)


if __name__ == "__main__":
    unittest.main()
