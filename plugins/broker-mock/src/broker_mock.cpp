#include "broker_mock.hpp"

#include <malloc.h>

#include "scenario_loader.hpp"

#include <mt5bridge/secrets.hpp>

#include <limits>
#include <string>
#include <thread>

namespace mt5b::broker_mock {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// One logged-in account. It keeps no password: the scenario is the only copy it needs.
class MockSession final : public sdk::BrokerSession {
 public:
  MockSession(const Account& account, milliseconds timeout, std::atomic<int64_t>& open_count)
      : account_(account), timeout_(timeout), open_count_(open_count) {
    ++open_count_;
  }
  ~MockSession() override { --open_count_; }
  MockSession(const MockSession&) = delete;
  MockSession& operator=(const MockSession&) = delete;

  const Account& account() const noexcept { return account_; }
  milliseconds timeout() const noexcept { return timeout_; }
  // The ABI makes calls on one session one thread at a time, so a plain counter suffices.
  int64_t count_call() noexcept { return ++calls_made_; }

 private:
  const Account& account_;
  milliseconds timeout_;
  std::atomic<int64_t>& open_count_;
  int64_t calls_made_ = 0;
};

namespace {

constexpr mt5b_option kOptions[] = {
    sdk::option("scenario", MT5B_OPT_STRING, MT5B_OPT_REQUIRED, nullptr,
                "Path of the scenario JSON file to replay (docs/scenario-format.md); a relative "
                "path resolves against the host's working directory."),
    sdk::option("default_timeout_ms", MT5B_OPT_INT, 0, "10000",
                "Deadline in milliseconds for a login whose request gives timeout_ms 0, and for "
                "every data call on such a session."),
};

std::string account_phrase(int64_t login, std::string_view server) {
  return "account " + std::to_string(login) + " on server '" + std::string(server) + "'";
}

// The messages carry MT5's last_error() code, as the real gateway's do, so the host's handling
// of each code can be tested against the mock. Passwords never appear in them.
[[noreturn]] void throw_auth_failed(int64_t login, std::string_view server) {
  throw sdk::Error(MT5B_UNAUTHENTICATED,
                   "MT5 error -6 (RES_E_AUTH_FAILED): authorization failed for " +
                       account_phrase(login, server) +
                       "; check the login, password and server name before trying again");
}

[[noreturn]] void throw_timeout(std::string_view what, std::string_view detail) {
  throw sdk::Error(MT5B_TIMEOUT,
                   "MT5 error -10005 (RES_E_INTERNAL_FAIL_TIMEOUT): " + std::string(what) + " " +
                       std::string(detail) + "; retry later");
}

[[noreturn]] void throw_disconnected(std::string_view what) {
  throw sdk::Error(MT5B_UNAVAILABLE,
                   "MT5 error -10004 (RES_E_INTERNAL_FAIL_CONNECT): " + std::string(what) +
                       " found no connection to the trade server; retry later");
}

[[noreturn]] void hang_until(Clock::time_point deadline, std::string_view what,
                             milliseconds timeout) {
  std::this_thread::sleep_until(deadline);
  throw_timeout(what, "got no answer within " + std::to_string(timeout.count()) + " ms");
}

// Sleeps for the knob's latency, as a slow terminal would; a latency past the deadline ends
// in a timeout at the deadline, as the real caller would see it.
void wait_latency(int64_t latency_ms, Clock::time_point start, milliseconds timeout,
                  std::string_view what) {
  if (latency_ms <= 0) return;
  if (milliseconds(latency_ms) >= timeout) hang_until(start + timeout, what, timeout);
  std::this_thread::sleep_until(start + milliseconds(latency_ms));
}

MockSession& session_of(sdk::BrokerSession& s) {
  auto* session = dynamic_cast<MockSession*>(&s);
  if (session == nullptr)
    throw sdk::Error(MT5B_INVALID_ARGUMENT, "the session was not opened by broker-mock");
  return *session;
}

bool matches(const mt5b_history_query& q, int64_t position_id, int64_t time) {
  if (q.position_id != 0) return position_id == q.position_id;
  return q.from_broker_s <= time && time <= q.to_broker_s;
}

}  // namespace

std::span<const mt5b_option> BrokerMock::options() {
  return kOptions;
}

BrokerMock::BrokerMock(sdk::Host host, const sdk::Config& config) : host_(host) {
  auto file = config.string("scenario");
  if (file.empty())
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "option `scenario` is required: set it to the path of a scenario file");
  auto timeout_ms = config.integer("default_timeout_ms", 10000);
  if (timeout_ms <= 0 || timeout_ms > std::numeric_limits<uint32_t>::max())
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "option `default_timeout_ms` must be a positive number of milliseconds");
  default_timeout_ = milliseconds(timeout_ms);
  scenario_ = load_scenario_file(file);
  // Parsing a large scenario frees far more than it keeps; hand that memory back to the system
  // so the host's resident size reflects what the mock really holds (10,000-account benches).
  malloc_trim(0);
  host_.info("loaded scenario '" + file + "' with " + std::to_string(scenario_->accounts.size()) +
             " accounts on " + std::to_string(scenario_->servers.size()) + " servers");
}

std::unique_ptr<sdk::BrokerSession> BrokerMock::open_session(const mt5b_broker_login& login) {
  auto start = Clock::now();
  auto server = sdk::view(login.server);
  if (login.login <= 0)
    throw sdk::Error(MT5B_INVALID_ARGUMENT, "the login request needs a positive account number");
  if (server.empty())
    throw sdk::Error(MT5B_INVALID_ARGUMENT, "the login request needs a server name");
  auto timeout = login.timeout_ms != 0 ? milliseconds(login.timeout_ms) : default_timeout_;

  // An unknown login or server is refused exactly like a wrong password, as MT5 does, so the
  // message does not reveal which accounts exist.
  const Account* account = scenario_->find_account(login.login, server);
  if (account == nullptr) throw_auth_failed(login.login, server);

  auto what = "login to " + account_phrase(login.login, server);
  const auto& knobs = account->knobs;
  wait_latency(knobs.login_latency_ms, start, timeout, what);
  switch (knobs.fail) {
    case Failure::kNone: break;
    case Failure::kAuth: throw_auth_failed(login.login, server);
    case Failure::kTimeout: throw_timeout(what, "timed out in the terminal");
    case Failure::kDisconnect: throw_disconnected(what);
    case Failure::kHang: hang_until(start + timeout, what, timeout);
  }
  if (!sdk::constant_time_equal(sdk::view(login.password), account->password))
    throw_auth_failed(login.login, server);

  host_.debug("opened a session for " + account_phrase(login.login, server));
  return std::make_unique<MockSession>(*account, timeout, open_sessions_);
}

const Account& BrokerMock::begin_call(sdk::BrokerSession& s, std::string_view call) {
  auto start = Clock::now();
  auto& session = session_of(s);
  const auto& account = session.account();
  const auto& knobs = account.knobs;
  auto calls = session.count_call();
  auto what = std::string(call) + " for " + account_phrase(account.login, account.server);
  wait_latency(knobs.call_latency_ms, start, session.timeout(), what);
  if (calls <= knobs.fail_after_calls) return account;
  switch (knobs.fail_calls) {
    case Failure::kNone:
    case Failure::kAuth: break;  // the loader refuses "auth" for data calls
    case Failure::kTimeout: throw_timeout(what, "timed out in the terminal");
    case Failure::kDisconnect: throw_disconnected(what);
    case Failure::kHang: hang_until(start + session.timeout(), what, session.timeout());
  }
  return account;
}

void BrokerMock::account_info(sdk::BrokerSession& s,
                              const std::function<void(const mt5b_account_info&)>& emit) {
  emit(begin_call(s, "account_info").account_info);
}

void BrokerMock::positions_get(sdk::BrokerSession& s,
                               const std::function<void(const mt5b_trade_position&)>& emit) {
  for (const auto& position : begin_call(s, "positions_get").positions) emit(position);
}

void BrokerMock::history_deals_get(sdk::BrokerSession& s, const mt5b_history_query& q,
                                   const std::function<void(const mt5b_trade_deal&)>& emit) {
  for (const auto& deal : begin_call(s, "history_deals_get").deals)
    if (matches(q, deal.position_id, deal.time)) emit(deal);
}

void BrokerMock::history_orders_get(sdk::BrokerSession& s, const mt5b_history_query& q,
                                    const std::function<void(const mt5b_trade_order&)>& emit) {
  // Orders are placed in the range by their setup time (docs/scenario-format.md).
  for (const auto& order : begin_call(s, "history_orders_get").orders)
    if (matches(q, order.position_id, order.time_setup)) emit(order);
}

void BrokerMock::symbol_info(sdk::BrokerSession& s, std::string_view symbol,
                             const std::function<void(const mt5b_symbol_info&)>& emit) {
  const auto& account = begin_call(s, "symbol_info");
  auto it = account.symbols.find(symbol);
  if (it == account.symbols.end())
    throw sdk::Error(MT5B_NOT_FOUND, "symbol '" + std::string(symbol) + "' is not offered to " +
                                         account_phrase(account.login, account.server) +
                                         "; check the name, including any broker suffix");
  emit(it->second);
}

void BrokerMock::symbol_info_tick(sdk::BrokerSession& s, std::string_view symbol, mt5b_tick& out) {
  const auto& account = begin_call(s, "symbol_info_tick");
  auto it = account.ticks.find(symbol);
  if (it == account.ticks.end())
    throw sdk::Error(MT5B_NOT_FOUND, "no tick for symbol '" + std::string(symbol) + "' for " +
                                         account_phrase(account.login, account.server) +
                                         "; check the name, including any broker suffix");
  out = it->second;
  // A scenario is recorded once but replayed for years: a tick older than an hour is served as
  // a live one (now on the server's clock), as a terminal on an open market would, so the host's
  // offset detection works against the mock just as against a terminal (docs/scenario-format.md).
  const Server* server = scenario_->find_server(account.server);
  const int64_t offset_s = server ? server->utc_offset_s : 0;
  const int64_t now_broker_ms = host_.now_unix_ms() + offset_s * 1000;
  if (out.time_msc < now_broker_ms - 3'600'000) {
    out.time_msc = now_broker_ms;
    out.time = now_broker_ms / 1000;
  }
}

void BrokerMock::backend_states(const std::function<void(const mt5b_backend_state&)>& emit) {
  auto state = sdk::make<mt5b_backend_state>();
  state.state = MT5B_BACKEND_CONNECTED;
  state.name = sdk::str("mock");
  state.sessions = open_sessions_.load();
  emit(state);
}

}  // namespace mt5b::broker_mock
