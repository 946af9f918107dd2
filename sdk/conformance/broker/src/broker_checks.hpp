// The checks of the broker conformance suite (README.md lists them). Each reports one TAP line
// per subject; a check named in --skip reports a skip instead of running.
#ifndef MT5B_CONFORMANCE_BROKER_BROKER_CHECKS_HPP
#define MT5B_CONFORMANCE_BROKER_BROKER_CHECKS_HPP

#include "broker_under_test.hpp"
#include "report.hpp"
#include "scenario_expectations.hpp"

#include <string>
#include <vector>

namespace mt5b::conformance::broker {

struct SuiteOptions {
  uint32_t login_timeout_ms = 0;  // passed in every login request; 0 = the plugin's default
  int threads = 4;                // for concurrent_sessions
  int rounds = 3;                 // sessions each thread opens in concurrent_sessions
};

struct Suite {
  const BrokerUnderTest& broker;
  const ExpectedScenario& scenario;
  Report& report;
  SuiteOptions options;
};

// Every check name, in the order they run.
const std::vector<std::string>& check_names();

// Session, records and refusals of one account (checks open .. unknown_server).
void check_account(const Suite& suite, const ExpectedAccount& account);
// Sessions on several accounts from several threads at once, each seeing its own records.
void check_concurrent_sessions(const Suite& suite,
                               const std::vector<const ExpectedAccount*>& accounts);
// on_backend_states reports at least one backend (skipped when not supported).
void check_backend_states(const Suite& suite);
// No log line the plugin wrote contains a password the suite used.
void check_no_secrets_logged(const Suite& suite, const std::vector<std::string>& secrets);

// The wrong password the suite tries for an account (also searched for in logs).
std::string wrong_password_for(const ExpectedAccount& account);

}  // namespace mt5b::conformance::broker

#endif  // MT5B_CONFORMANCE_BROKER_BROKER_CHECKS_HPP
