// The per-account checks: open, records equal to the scenario's, refusals.
#include "broker_checks.hpp"

#include <algorithm>
#include <set>
#include <tuple>

namespace mt5b::conformance::broker {

namespace {

constexpr const char* kUnknownSymbol = "CONFORMANCE.NO_SUCH_SYMBOL";
constexpr const char* kUnknownServer = "Conformance-No-Such-Server";
constexpr size_t kMaxInstantQueries = 20;  // [t, t] queries per account

std::string compare_lists(const std::vector<Fields>& expected, const std::vector<Fields>& actual,
                          const char* what) {
  auto by_ticket = [](std::vector<Fields> v) {
    std::sort(v.begin(), v.end(), [](const Fields& a, const Fields& b) {
      return int_field(a, "ticket") < int_field(b, "ticket");
    });
    return v;
  };
  auto e = by_ticket(expected), a = by_ticket(actual);
  auto tickets = [](const std::vector<Fields>& v) {
    std::string out;
    for (const auto& f : v)
      out += (out.empty() ? "" : ",") + std::to_string(int_field(f, "ticket"));
    return "[" + out + "]";
  };
  if (e.size() != a.size() || tickets(e) != tickets(a))
    return std::string("expected ") + what + " " + tickets(e) + ", got " + tickets(a);
  for (size_t i = 0; i < e.size(); ++i) {
    auto diff = differences(e[i], a[i]);
    if (!diff.empty())
      return std::string(what) + " " + std::to_string(int_field(e[i], "ticket")) + ": " + diff;
  }
  return {};
}

std::string ordered_by_time(const std::vector<Fields>& rows, const char* time_msc) {
  for (size_t i = 1; i < rows.size(); ++i) {
    auto prev = std::make_tuple(int_field(rows[i - 1], time_msc), int_field(rows[i - 1], "ticket"));
    auto next = std::make_tuple(int_field(rows[i], time_msc), int_field(rows[i], "ticket"));
    if (next < prev)
      return "record " + std::to_string(std::get<1>(next)) + " came after " +
             std::to_string(std::get<1>(prev)) + "; expected order (" + time_msc + ", ticket)";
  }
  return {};
}

mt5b_history_query range(int64_t from, int64_t to) {
  auto q = sdk::make<mt5b_history_query>();
  q.from_broker_s = from;
  q.to_broker_s = to;
  return q;
}

mt5b_history_query of_position(int64_t position_id) {
  auto q = sdk::make<mt5b_history_query>();
  q.position_id = position_id;
  return q;
}

std::vector<Fields> expected_in(const std::vector<HistoryRecord>& records,
                                const mt5b_history_query& q) {
  std::vector<Fields> out;
  for (const auto& r : records)
    if (q.position_id != 0 ? r.position_id == q.position_id
                           : q.from_broker_s <= r.time && r.time <= q.to_broker_s)
      out.push_back(r.fields);
  return out;
}

std::string describe(const mt5b_history_query& q) {
  if (q.position_id != 0) return "position " + std::to_string(q.position_id);
  return "[" + std::to_string(q.from_broker_s) + ", " + std::to_string(q.to_broker_s) + "]";
}

// The range queries of one history: everything, without its edges, each instant, and empty
// windows either side, so inclusive edges and exact filtering are both exercised.
std::vector<mt5b_history_query> range_queries(const std::vector<HistoryRecord>& records) {
  std::vector<mt5b_history_query> out;
  if (records.empty()) return {range(0, 4'102'444'800)};
  std::set<int64_t> times;
  for (const auto& r : records) times.insert(r.time);
  int64_t first = *times.begin(), last = *times.rbegin();
  out.push_back(range(first, last));
  if (last - first >= 2) out.push_back(range(first + 1, last - 1));
  out.push_back(range(first - 86400, first - 1));
  out.push_back(range(last + 1, last + 86400));
  size_t n = 0;
  for (int64_t t : times)
    if (n++ < kMaxInstantQueries) out.push_back(range(t, t));
  return out;
}

template <class Record, class Call>
std::pair<CallResult, std::vector<Fields>> collect(Call&& call) {
  std::vector<Fields> rows;
  auto r = call([&](const Record& record) { rows.push_back(fields_of(record)); });
  return {r, rows};
}

class AccountChecks {
 public:
  AccountChecks(const Suite& suite, const ExpectedAccount& a)
      : s_(suite), a_(a), subject_(a.phrase()) {}

  void run() {
    auto opened =
        s_.broker.open(a_.login, a_.password, a_.server, s_.options.login_timeout_ms, session_);
    s_.report.expect(
        "open", subject_,
        opened.ok() ? "" : "expected OK with the right password, got " + opened.describe());
    if (opened.ok()) {
      check("account_info", [&] { return account_info(*session_); });
      check("positions", [&] { return positions(); });
      check("deals_by_range", [&] { return history(true, false); });
      check("deals_by_position", [&] { return history(true, true); });
      check("history_order", [&] { return history_order(); });
      check("orders", [&] { return orders(); });
      check("symbol_info", [&] { return symbols(); });
      check("symbol_unknown", [&] { return unknown_symbol(); });
      check("ticks", [&] { return ticks(); });
      session_.reset();
      check("close_reopen", [&] { return close_reopen(); });
    } else {
      for (const char* name :
           {"account_info", "positions", "deals_by_range", "deals_by_position", "history_order",
            "orders", "symbol_info", "symbol_unknown", "ticks", "close_reopen"})
        s_.report.skip(name, subject_, "no session: open failed");
    }
    check("wrong_password", [&] { return refused(a_.login, wrong_password_for(a_), a_.server); });
    check("unknown_server", [&] { return refused(a_.login, a_.password, kUnknownServer); });
  }

 private:
  // Runs a check unless skipped; `fn` returns "" to pass, "SKIP <why>" to skip, else the failure.
  template <class Fn>
  void check(const std::string& name, Fn&& fn) {
    if (s_.report.skipped(name)) return s_.report.skip(name, subject_, "skipped by --skip");
    std::string why = fn();
    if (why.rfind("SKIP ", 0) == 0) return s_.report.skip(name, subject_, why.substr(5));
    s_.report.expect(name, subject_, why);
  }

  std::string account_info(const Session& session) {
    auto [r, rows] = collect<mt5b_account_info>(
        [&](auto emit) { return s_.broker.account_info(session, emit); });
    if (!r.ok()) return "expected OK, got " + r.describe();
    if (rows.size() != 1)
      return "emit was called " + std::to_string(rows.size()) + " times, not once";
    return differences(a_.account_info, rows[0]);
  }

  std::string positions() {
    auto [r, rows] = collect<mt5b_trade_position>(
        [&](auto emit) { return s_.broker.positions(*session_, emit); });
    if (!r.ok()) return "expected OK, got " + r.describe();
    auto why = compare_lists(a_.positions, rows, "positions");
    return why.empty() ? ordered_by_time(rows, "time_msc") : why;
  }

  std::string history(bool deals, bool by_position) {
    const auto& records = deals ? a_.deals : a_.orders;
    std::vector<mt5b_history_query> queries;
    if (by_position) {
      std::set<int64_t> ids;
      for (const auto& r : records)
        if (r.position_id != 0) ids.insert(r.position_id);
      for (int64_t id : ids) queries.push_back(of_position(id));
      if (queries.empty()) return "SKIP the scenario has no position ids for this account";
    } else {
      queries = range_queries(records);
    }
    for (const auto& q : queries) {
      std::vector<Fields> rows;
      CallResult r;
      if (deals)
        std::tie(r, rows) = collect<mt5b_trade_deal>(
            [&](auto emit) { return s_.broker.deals(*session_, q, emit); });
      else
        std::tie(r, rows) = collect<mt5b_trade_order>(
            [&](auto emit) { return s_.broker.orders(*session_, q, emit); });
      if (!deals && r.status == MT5B_NOT_SUPPORTED) return "SKIP history_orders_get not supported";
      if (!r.ok()) return describe(q) + ": expected OK, got " + r.describe();
      auto why = compare_lists(expected_in(records, q), rows, deals ? "deals" : "orders");
      if (!why.empty()) return describe(q) + ": " + why;
    }
    return {};
  }

  std::string history_order() {
    if (a_.deals.empty()) return "SKIP the scenario has no deals for this account";
    auto q = range(a_.deals.front().time, a_.deals.back().time);
    auto [r, rows] =
        collect<mt5b_trade_deal>([&](auto emit) { return s_.broker.deals(*session_, q, emit); });
    if (!r.ok()) return "expected OK, got " + r.describe();
    return ordered_by_time(rows, "time_msc");
  }

  std::string orders() {
    auto why = history(false, false);
    if (!why.empty()) return why;
    why = history(false, true);
    return why.rfind("SKIP the scenario", 0) == 0 ? std::string() : why;
  }

  std::string symbols() {
    if (a_.symbols.empty()) return "SKIP the scenario has no symbols for this account";
    for (const auto& [name, expected] : a_.symbols) {
      auto [r, rows] = collect<mt5b_symbol_info>(
          [&](auto emit) { return s_.broker.symbol_info(*session_, name, emit); });
      if (!r.ok()) return name + ": expected OK, got " + r.describe();
      if (rows.size() != 1)
        return name + ": emit was called " + std::to_string(rows.size()) + " times";
      auto diff = differences(expected, rows[0]);
      if (!diff.empty()) return name + ": " + diff;
    }
    return {};
  }

  std::string unknown_symbol() {
    auto [r, rows] = collect<mt5b_symbol_info>(
        [&](auto emit) { return s_.broker.symbol_info(*session_, kUnknownSymbol, emit); });
    if (r.status != MT5B_NOT_FOUND) return "expected NOT_FOUND, got " + r.describe();
    if (!rows.empty()) return "emitted a record for an unknown symbol";
    return {};
  }

  std::string ticks() {
    mt5b_tick tick{};
    auto probe = s_.broker.tick(*session_, kUnknownSymbol, tick);
    if (probe.status == MT5B_NOT_SUPPORTED) return "SKIP symbol_info_tick not supported";
    if (probe.status != MT5B_NOT_FOUND)
      return std::string(kUnknownSymbol) + ": expected NOT_FOUND, got " + probe.describe();
    for (const auto& [name, expected] : a_.ticks) {
      auto r = s_.broker.tick(*session_, name, tick);
      if (!r.ok()) return name + ": expected OK, got " + r.describe();
      // A live terminal (and the fake one, for offset detection) may serve a newer tick time
      // than the file's: prices must match, the time must be consistent and not older.
      auto actual = fields_of(tick);
      if (tick.time < int_field(expected, "time"))
        return name + ": tick time " + std::to_string(tick.time) + " is older than the " +
               "scenario's " + std::to_string(int_field(expected, "time"));
      if (tick.time_msc / 1000 != tick.time)
        return name + ": time " + std::to_string(tick.time) + " and time_msc " +
               std::to_string(tick.time_msc) + " disagree";
      auto timeless = expected;
      set_field(timeless, "time", tick.time);
      set_field(timeless, "time_msc", tick.time_msc);
      auto diff = differences(timeless, actual);
      if (!diff.empty()) return name + ": " + diff;
    }
    return {};
  }

  std::string close_reopen() {
    for (int round = 0; round < 2; ++round) {
      std::unique_ptr<Session> session;
      auto r =
          s_.broker.open(a_.login, a_.password, a_.server, s_.options.login_timeout_ms, session);
      if (!r.ok())
        return "open #" + std::to_string(round + 1) + ": expected OK, got " + r.describe();
      auto why = account_info(*session);
      if (!why.empty()) return "after open #" + std::to_string(round + 1) + ": " + why;
    }
    return {};
  }

  std::string refused(int64_t login, const std::string& password, const std::string& server) {
    std::unique_ptr<Session> session;
    auto r = s_.broker.open(login, password, server, s_.options.login_timeout_ms, session);
    if (r.status != MT5B_UNAUTHENTICATED) return "expected UNAUTHENTICATED, got " + r.describe();
    for (const auto& secret : {password, a_.password})
      if (r.error.find(secret) != std::string::npos)
        return "on_last_error shows a password: " + r.error;
    if (r.error.empty()) return "on_last_error is empty; it should say what to check";
    return {};
  }

  const Suite& s_;
  const ExpectedAccount& a_;
  std::string subject_;
  std::unique_ptr<Session> session_;
};

}  // namespace

std::string wrong_password_for(const ExpectedAccount& account) {
  return "Wr0ng-Conformance-" + std::to_string(account.login);
}

const std::vector<std::string>& check_names() {
  static const std::vector<std::string> names = {"open",
                                                 "account_info",
                                                 "positions",
                                                 "deals_by_range",
                                                 "deals_by_position",
                                                 "history_order",
                                                 "orders",
                                                 "symbol_info",
                                                 "symbol_unknown",
                                                 "ticks",
                                                 "close_reopen",
                                                 "wrong_password",
                                                 "unknown_server",
                                                 "concurrent_sessions",
                                                 "backend_states",
                                                 "no_secrets_logged"};
  return names;
}

void check_account(const Suite& suite, const ExpectedAccount& account) {
  AccountChecks(suite, account).run();
}

}  // namespace mt5b::conformance::broker
