// The in-memory form of a scenario file (docs/scenario-format.md).
//
// Records are kept as the ABI structs themselves, with their strings pointing into the
// scenario's StringPool, so a data call can hand a stored record straight to `emit`: the
// strings outlive the call because the scenario is immutable and outlives every session.
#ifndef MT5B_BROKER_MOCK_SCENARIO_HPP
#define MT5B_BROKER_MOCK_SCENARIO_HPP

#include <mt5bridge/abi.h>

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mt5b::broker_mock {

// Owns the bytes behind every mt5b_str of a scenario. A deque never moves its elements when it
// grows, so the views handed out stay valid for the pool's lifetime.
class StringPool {
 public:
  mt5b_str keep(std::string_view text);

 private:
  std::deque<std::string> strings_;
};

// How a call fails when a knob says so (MT5's last_error() codes in brackets).
enum class Failure {
  kNone,
  kAuth,        // -6 RES_E_AUTH_FAILED: credentials refused (login only)
  kTimeout,     // -10005 RES_E_INTERNAL_FAIL_TIMEOUT: the terminal answers "timed out" at once
  kDisconnect,  // -10004 RES_E_INTERNAL_FAIL_CONNECT: no connection to the trade server
  kHang,        // no answer at all until the caller's deadline passes, then a timeout
};

std::string_view failure_name(Failure failure) noexcept;

// Per-account fault injection; see docs/scenario-format.md "knobs".
struct Knobs {
  int64_t login_latency_ms = 0;
  int64_t call_latency_ms = 0;
  Failure fail = Failure::kNone;        // applies to session open
  Failure fail_calls = Failure::kNone;  // applies to data calls
  int64_t fail_after_calls = 0;         // data calls that succeed on a session before failing
};

struct Server {
  std::string name;
  int64_t utc_offset_s = 0;  // broker clock = UTC + offset
};

struct Account {
  int64_t login = 0;
  std::string password;
  std::string server;
  mt5b_account_info account_info{};
  std::vector<mt5b_trade_position> positions;  // ordered by (time_msc, ticket)
  std::vector<mt5b_trade_deal> deals;          // ordered by (time_msc, ticket)
  std::vector<mt5b_trade_order> orders;        // ordered by (time_setup_msc, ticket)
  std::map<std::string, mt5b_symbol_info, std::less<>> symbols;
  std::map<std::string, mt5b_tick, std::less<>> ticks;
  Knobs knobs;
};

// Loaded once at create and never changed after, so sessions on many threads read it without
// locks. Not copyable or movable: records point into `strings`.
struct Scenario {
  Scenario() = default;
  Scenario(const Scenario&) = delete;
  Scenario& operator=(const Scenario&) = delete;

  std::vector<Server> servers;
  std::vector<Account> accounts;
  StringPool strings;

  const Server* find_server(std::string_view name) const noexcept;
  const Account* find_account(int64_t login, std::string_view server) const noexcept;
};

}  // namespace mt5b::broker_mock

#endif  // MT5B_BROKER_MOCK_SCENARIO_HPP
