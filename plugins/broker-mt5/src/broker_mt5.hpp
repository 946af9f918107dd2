// broker-mt5: a BrokerPlugin that reaches real MetaTrader 5 terminals through one gateway per
// terminal (docs/mt5-gateway-protocol.md), pooled and health-checked (TerminalPool).
#ifndef MT5B_BROKER_MT5_BROKER_MT5_HPP
#define MT5B_BROKER_MT5_BROKER_MT5_HPP

#include "terminal_pool.hpp"

#include <mt5bridge/sdk.hpp>

#include <functional>
#include <memory>
#include <span>
#include <string_view>

namespace mt5b::broker_mt5 {

class BrokerMt5 final : public sdk::BrokerPlugin,
                        public sdk::BrokerOrders,
                        public sdk::BrokerTicks,
                        public sdk::BrokerBackendStates {
 public:
  static constexpr const char* kName = "broker-mt5";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr const char* kDescription =
      "Connects to MetaTrader 5 terminals through their gateways (TLS, line-delimited JSON), "
      "with a pool that keeps accounts on their terminal, retries transient failures and "
      "reports every terminal's health.";
  static std::span<const mt5b_option> options();

  BrokerMt5(sdk::Host host, const sdk::Config& config);

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

  TerminalPool& pool() noexcept { return pool_; }

 private:
  void call(sdk::BrokerSession& s, std::string_view method, const ParamsWriter& params,
            const std::function<void(const rapidjson::Value&)>& on_result);

  sdk::Host host_;
  TerminalPool pool_;
};

}  // namespace mt5b::broker_mt5

#endif  // MT5B_BROKER_MT5_BROKER_MT5_HPP
