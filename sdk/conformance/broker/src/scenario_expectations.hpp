// What a scenario file (docs/scenario-format.md) says a broker must return, account by account.
// The suite reads only what it compares; it trusts the file's own validity to the replayers.
#ifndef MT5B_CONFORMANCE_BROKER_SCENARIO_EXPECTATIONS_HPP
#define MT5B_CONFORMANCE_BROKER_SCENARIO_EXPECTATIONS_HPP

#include "record_fields.hpp"

#include <map>
#include <string>
#include <vector>

namespace mt5b::conformance::broker {

// A deal or order with what the queries select it by.
struct HistoryRecord {
  int64_t ticket = 0;
  int64_t time = 0;  // deals: time; orders: time_setup (broker clock seconds)
  int64_t time_msc = 0;
  int64_t position_id = 0;
  Fields fields;
};

struct ExpectedAccount {
  int64_t login = 0;
  std::string password;
  std::string server;
  bool has_failure_knobs = false;  // fail or fail_calls set: the suite leaves it alone
  Fields account_info;
  std::vector<Fields> positions;      // ordered by (time_msc, ticket)
  std::vector<HistoryRecord> deals;   // ordered by (time_msc, ticket)
  std::vector<HistoryRecord> orders;  // ordered by (time_setup_msc, ticket)
  std::map<std::string, Fields> symbols;
  std::map<std::string, Fields> ticks;

  std::string phrase() const;  // "account 5001234 on 'MetaQuotes-Demo'"
};

struct ExpectedScenario {
  std::vector<std::string> servers;
  std::vector<ExpectedAccount> accounts;
};

// Throws std::runtime_error naming the file when it cannot be read or is not a scenario.
ExpectedScenario load_expectations(const std::string& path);

}  // namespace mt5b::conformance::broker

#endif  // MT5B_CONFORMANCE_BROKER_SCENARIO_EXPECTATIONS_HPP
