// A scenario that does not follow the format stops create with a message naming the file and
// the JSON path of the mistake; keys MT5 may add to records are ignored.
#include "test_support.hpp"

#include <gtest/gtest.h>

namespace mt5b::broker_mock {
namespace {

using namespace test_support;

// A valid one-account scenario whose account gets `extra_account_keys` appended (each starting
// with a comma) and whose first deal is `deal`.
std::string scenario_with(std::string_view deal, std::string_view extra_account_keys = "") {
  return std::string(R"({"servers": [{"name": "S", "utc_offset_s": 7200}],
  "accounts": [{"login": 42, "password": "secret-pw", "server": "S",
                "account_info": {"balance": 10.0, "currency": "USD"},
                "deals": [)") +
         std::string(deal) + "]" + std::string(extra_account_keys) + "}]}";
}
constexpr std::string_view kGoodDeal = R"({"ticket": 1, "time": 1762156800, "profit": 10.0})";

Outcome create_with(std::string_view content) {
  TempScenarioFile file(content);
  sdk::testing::FakeHost host;
  auto outcome = outcome_of([&] { make_mock(host, file.path()); });
  if (outcome.status != MT5B_OK) {
    EXPECT_NE(outcome.message.find(file.path()), std::string::npos) << outcome.message;
  }
  return outcome;
}

void expect_refused_at(std::string_view content, std::string_view json_path) {
  auto outcome = create_with(content);
  EXPECT_EQ(outcome.status, MT5B_INVALID_ARGUMENT) << outcome.message;
  EXPECT_NE(outcome.message.find(json_path), std::string::npos)
      << "expected the path " << json_path << " in: " << outcome.message;
  EXPECT_EQ(outcome.message.find("secret-pw"), std::string::npos) << outcome.message;
}

TEST(ScenarioErrors, the_helper_scenario_is_valid) {
  EXPECT_EQ(create_with(scenario_with(kGoodDeal)).status, MT5B_OK);
}

TEST(ScenarioErrors, a_missing_file_fails_naming_the_file_and_the_option) {
  sdk::testing::FakeHost host;
  auto outcome = outcome_of([&] { make_mock(host, "/nonexistent/broker-mock/none.json"); });
  EXPECT_EQ(outcome.status, MT5B_FAILED);
  EXPECT_NE(outcome.message.find("/nonexistent/broker-mock/none.json"), std::string::npos);
  EXPECT_NE(outcome.message.find("scenario"), std::string::npos);
}

TEST(ScenarioErrors, a_missing_scenario_option_is_refused) {
  sdk::testing::FakeHost host;
  auto outcome = outcome_of([&] { BrokerMock(host.host(), sdk::Config("{}")); });
  EXPECT_EQ(outcome.status, MT5B_INVALID_ARGUMENT);
  EXPECT_NE(outcome.message.find("scenario"), std::string::npos);
}

TEST(ScenarioErrors, broken_json_names_the_line_and_column) {
  auto outcome = create_with("{\n  \"servers\": [\n    {\"name\": \"S\",, }\n");
  EXPECT_EQ(outcome.status, MT5B_INVALID_ARGUMENT);
  EXPECT_NE(outcome.message.find("line 3"), std::string::npos) << outcome.message;
}

TEST(ScenarioErrors, a_wrongly_typed_record_field_names_its_path) {
  expect_refused_at(scenario_with(R"({"ticket": 1, "price": "1.15"})"),
                    "$.accounts[0].deals[0].price must be a number, not a string");
}

TEST(ScenarioErrors, a_fractional_integer_field_names_its_path) {
  expect_refused_at(scenario_with(R"({"ticket": 1, "entry": 1.5})"),
                    "$.accounts[0].deals[0].entry must be an integer");
}

TEST(ScenarioErrors, an_integer_too_large_for_its_field_names_its_path) {
  expect_refused_at(scenario_with(R"({"ticket": 1, "type": 4294967296})"),
                    "$.accounts[0].deals[0].type is out of range");
}

TEST(ScenarioErrors, a_record_without_a_ticket_names_its_path) {
  expect_refused_at(scenario_with(R"({"time": 1})"), "$.accounts[0].deals[0].ticket is required");
}

TEST(ScenarioErrors, a_repeated_ticket_names_the_second_record) {
  expect_refused_at(scenario_with(std::string(kGoodDeal) + "," + std::string(kGoodDeal)),
                    "$.accounts[0].deals[1].ticket repeats ticket 1");
}

TEST(ScenarioErrors, seconds_and_milliseconds_that_disagree_name_the_path) {
  expect_refused_at(scenario_with(R"({"ticket": 1, "time": 1762156800, "time_msc": 1})"),
                    "$.accounts[0].deals[0].time_msc");
}

TEST(ScenarioErrors, an_account_on_an_unlisted_server_names_its_path) {
  expect_refused_at(R"({"servers": [{"name": "S", "utc_offset_s": 0}],
    "accounts": [{"login": 1, "password": "secret-pw", "server": "T", "account_info": {}}]})",
                    "$.accounts[0].server");
}

TEST(ScenarioErrors, account_info_contradicting_the_login_names_its_path) {
  expect_refused_at(R"({"servers": [{"name": "S", "utc_offset_s": 0}],
    "accounts": [{"login": 1, "password": "secret-pw", "server": "S",
                  "account_info": {"login": 2}}]})",
                    "$.accounts[0].account_info.login");
}

TEST(ScenarioErrors, an_unknown_failure_name_names_the_knob) {
  expect_refused_at(scenario_with(kGoodDeal, R"(, "knobs": {"fail": "explode"})"),
                    "$.accounts[0].knobs.fail must be null, \"auth\"");
}

TEST(ScenarioErrors, auth_is_not_a_data_call_failure) {
  expect_refused_at(scenario_with(kGoodDeal, R"(, "knobs": {"fail_calls": "auth"})"),
                    "$.accounts[0].knobs.fail_calls");
}

TEST(ScenarioErrors, a_misspelt_knob_is_refused_with_the_allowed_names) {
  expect_refused_at(scenario_with(kGoodDeal, R"(, "knobs": {"login_latency": 5})"),
                    "$.accounts[0].knobs.login_latency is not a known key here (allowed: "
                    "login_latency_ms");
}

TEST(ScenarioErrors, fail_after_calls_without_fail_calls_is_refused) {
  expect_refused_at(scenario_with(kGoodDeal, R"(, "knobs": {"fail_after_calls": 3})"),
                    "$.accounts[0].knobs.fail_after_calls has no effect");
}

TEST(ScenarioErrors, a_tick_of_a_dotted_symbol_is_named_with_a_quoted_key) {
  expect_refused_at(scenario_with(kGoodDeal, R"(, "ticks": {"US30.cash": {"bid": true}})"),
                    R"($.accounts[0].ticks["US30.cash"].bid must be a number, not a boolean)");
}

TEST(ScenarioErrors, a_utc_offset_in_hours_is_refused) {
  expect_refused_at(R"({"servers": [{"name": "S", "utc_offset_s": 99999}], "accounts": []})",
                    "$.servers[0].utc_offset_s");
}

TEST(ScenarioErrors, keys_mt5_may_add_to_records_are_ignored) {
  auto content = scenario_with(R"({"ticket": 1, "time": 1762156800, "fee_currency": "USD",
                                   "new_field_from_a_future_build": [1, 2]})",
                               R"(, "_comment": "notes are allowed")");
  EXPECT_EQ(create_with(content).status, MT5B_OK);
}

}  // namespace
}  // namespace mt5b::broker_mock
