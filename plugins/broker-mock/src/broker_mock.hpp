// broker-mock: a BrokerPlugin that replays a scenario file of MT5 accounts instead of talking
// to a terminal, with per-account knobs for latency and failures (docs/scenario-format.md).
#ifndef MT5B_BROKER_MOCK_BROKER_MOCK_HPP
#define MT5B_BROKER_MOCK_BROKER_MOCK_HPP

#include "scenario.hpp"

#include <mt5bridge/sdk.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>

namespace mt5b::broker_mock {

class MockSession;

class BrokerMock final : public sdk::BrokerPlugin,
                         public sdk::BrokerOrders,
                         public sdk::BrokerTicks,
                         public sdk::BrokerBackendStates {
 public:
  static constexpr const char* kName = "broker-mock";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr const char* kDescription =
      "Replays MT5 accounts from a scenario file, with latency and failure knobs, for tests "
      "without a MetaTrader terminal.";
  static std::span<const mt5b_option> options();

  // Loads the scenario named by the `scenario` option; throws sdk::Error when it is missing,
  // unreadable or invalid (the message names the file and the JSON path).
  BrokerMock(sdk::Host host, const sdk::Config& config);

  std::unique_ptr<sdk::BrokerSession> open_session(const mt5b_broker_login& login) override;
  void account_info(sdk::BrokerSession& s,
                    const std::function<void(const mt5b_account_info&)>& emit) override;
  void positions_get(sdk::BrokerSession& s,
                     const std::function<void(const mt5b_trade_position&)>& emit) override;
  void history_deals_get(sdk::BrokerSession& s, const mt5b_history_query& q,
                         const std::function<void(const mt5b_trade_deal&)>& emit) override;
  void history_orders_get(sdk::BrokerSession& s, const mt5b_history_query& q,
                          const std::function<void(const mt5b_trade_order&)>& emit) override;
  void symbol_info(sdk::BrokerSession& s, std::string_view symbol,
                   const std::function<void(const mt5b_symbol_info&)>& emit) override;
  void symbol_info_tick(sdk::BrokerSession& s, std::string_view symbol, mt5b_tick& out) override;
  void backend_states(const std::function<void(const mt5b_backend_state&)>& emit) override;

  const Scenario& scenario() const noexcept { return *scenario_; }
  int64_t open_session_count() const noexcept { return open_sessions_.load(); }

 private:
  // Applies the account's call knobs (latency, fail_calls after fail_after_calls) to one data
  // call and returns the session's account when the call may proceed.
  const Account& begin_call(sdk::BrokerSession& s, std::string_view call);

  sdk::Host host_;
  std::unique_ptr<const Scenario> scenario_;
  std::chrono::milliseconds default_timeout_;
  // Shared with sessions, which decrement it when closed; the ABI closes every session before
  // the instance is destroyed.
  std::atomic<int64_t> open_sessions_{0};
};

}  // namespace mt5b::broker_mock

#endif  // MT5B_BROKER_MOCK_BROKER_MOCK_HPP
