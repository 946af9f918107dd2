// The checks over the whole instance: concurrent sessions, backend states, secrets in logs.
#include "broker_checks.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>

namespace mt5b::conformance::broker {

namespace {

// One thread's work: open a session on its account, read it, check it, close it; `rounds` times.
std::string session_round_trip(const Suite& s, const ExpectedAccount& a) {
  std::unique_ptr<Session> session;
  auto r = s.broker.open(a.login, a.password, a.server, s.options.login_timeout_ms, session);
  if (!r.ok()) return a.phrase() + ": open: " + r.describe();
  std::vector<Fields> infos;
  r = s.broker.account_info(*session,
                            [&](const mt5b_account_info& i) { infos.push_back(fields_of(i)); });
  if (!r.ok()) return a.phrase() + ": account_info: " + r.describe();
  if (infos.size() != 1 || !differences(a.account_info, infos[0]).empty())
    return a.phrase() + ": account_info is not the account's own" +
           (infos.size() == 1 ? ": " + differences(a.account_info, infos[0]) : std::string());
  size_t positions = 0;
  r = s.broker.positions(*session, [&](const mt5b_trade_position&) { ++positions; });
  if (!r.ok()) return a.phrase() + ": positions: " + r.describe();
  if (positions != a.positions.size())
    return a.phrase() + ": " + std::to_string(positions) + " positions, expected " +
           std::to_string(a.positions.size());
  auto q = sdk::make<mt5b_history_query>();
  q.from_broker_s = 0;
  q.to_broker_s = 4'102'444'800;  // 2100-01-01
  size_t deals = 0;
  r = s.broker.deals(*session, q, [&](const mt5b_trade_deal&) { ++deals; });
  if (!r.ok()) return a.phrase() + ": history_deals_get: " + r.describe();
  if (deals != a.deals.size())
    return a.phrase() + ": " + std::to_string(deals) + " deals, expected " +
           std::to_string(a.deals.size());
  return {};
}

}  // namespace

void check_concurrent_sessions(const Suite& s,
                               const std::vector<const ExpectedAccount*>& accounts) {
  const std::string name = "concurrent_sessions";
  std::string subject = std::to_string(std::max<size_t>(s.options.threads, accounts.size())) +
                        " threads on " + std::to_string(accounts.size()) + " accounts";
  if (s.report.skipped(name)) return s.report.skip(name, subject, "skipped by --skip");
  if (accounts.empty()) return s.report.skip(name, subject, "no account without failure knobs");
  std::mutex mu;
  std::vector<std::string> failures;
  {
    std::vector<std::jthread> threads;
    size_t count = std::max<size_t>(static_cast<size_t>(s.options.threads), accounts.size());
    for (size_t t = 0; t < count; ++t) {
      threads.emplace_back([&, t] {
        for (int round = 0; round < s.options.rounds; ++round) {
          // Threads start on different accounts and move on, so sessions interleave.
          const auto& a = *accounts[(t + static_cast<size_t>(round)) % accounts.size()];
          auto why = session_round_trip(s, a);
          if (!why.empty()) {
            std::lock_guard lock(mu);
            failures.push_back(why);
          }
        }
      });
    }
  }
  // The same failure from many threads is said once, with how often it happened.
  std::map<std::string, int> distinct;
  for (const auto& f : failures) ++distinct[f];
  std::string why;
  for (const auto& [text, times] : distinct)
    why +=
        (why.empty() ? "" : " | ") + text + (times > 1 ? " (x" + std::to_string(times) + ")" : "");
  s.report.expect(name, subject, why);
}

void check_backend_states(const Suite& s) {
  const std::string name = "backend_states";
  if (s.report.skipped(name)) return s.report.skip(name, "the instance", "skipped by --skip");
  std::vector<std::string> names;
  std::string bad;
  auto r = s.broker.backend_states([&](const mt5b_backend_state& b) {
    names.push_back(sdk::copy(b.name));
    if (b.name.size == 0) bad = "a backend has no name";
    if (b.state > MT5B_BACKEND_RECONNECTING)
      bad = "backend '" + sdk::copy(b.name) + "' has unknown state " + std::to_string(b.state);
    if (b.sessions < 0) bad = "backend '" + sdk::copy(b.name) + "' reports negative sessions";
  });
  if (r.status == MT5B_NOT_SUPPORTED)
    return s.report.skip(name, "the instance", "on_backend_states not supported");
  std::string subject = "the instance";
  if (!names.empty()) {
    subject += " (";
    for (size_t i = 0; i < names.size(); ++i) subject += (i ? ", " : "") + names[i];
    subject += ")";
  }
  if (!r.ok()) return s.report.fail(name, subject, "expected OK, got " + r.describe());
  if (names.empty()) return s.report.fail(name, subject, "no backend reported");
  s.report.expect(name, subject, bad);
}

void check_no_secrets_logged(const Suite& s, const std::vector<std::string>& secrets) {
  const std::string name = "no_secrets_logged";
  auto logs = s.broker.host().logs();
  std::string subject = std::to_string(logs.size()) + " log lines";
  if (s.report.skipped(name)) return s.report.skip(name, subject, "skipped by --skip");
  for (const auto& line : logs)
    for (const auto& secret : secrets)
      if (auto at = line.message.find(secret); !secret.empty() && at != std::string::npos) {
        auto shown = line.message;
        shown.replace(at, secret.size(), "<the password>");
        return s.report.fail(name, subject, "a log line shows a password: " + shown);
      }
  s.report.pass(name, subject);
}

}  // namespace mt5b::conformance::broker
