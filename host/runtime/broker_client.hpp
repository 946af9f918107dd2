// The host's typed view of a broker instance: sessions as RAII objects, MT5 records copied into
// the SDK's owning broker records (field names as MT5.md). Nothing here knows how the broker
// reaches MetaTrader.
#pragma once

#include "normaliser/mt5_records.hpp"
#include "runtime/plugin_instance.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mt5b::host {

using sdk::records::BackendState;
std::string_view backend_state_name(uint32_t state);

class BrokerClient;

// A logged-in session; closed when destroyed.
class BrokerSession {
 public:
  BrokerSession(BrokerClient& broker, mt5b_session* handle) : broker_(broker), handle_(handle) {}
  ~BrokerSession();
  BrokerSession(const BrokerSession&) = delete;
  BrokerSession& operator=(const BrokerSession&) = delete;

  AccountInfo account_info();
  std::vector<TradePosition> positions();
  // Deals with broker-clock times in [from_broker_s, to_broker_s] (history_deals_get(from, to)).
  std::vector<TradeDeal> deals_between(int64_t from_broker_s, int64_t to_broker_s);
  // Every deal of one position (history_deals_get(position=)).
  std::vector<TradeDeal> deals_of_position(int64_t position_id);
  // nullopt when the symbol is unknown to the broker.
  std::optional<SymbolInfo> symbol_info(const std::string& symbol);
  // nullopt when unknown or when the plugin does not offer ticks.
  std::optional<Tick> tick(const std::string& symbol);

 private:
  std::vector<TradeDeal> deals(const mt5b_history_query& query);
  BrokerClient& broker_;
  mt5b_session* handle_;
};

class BrokerClient {
 public:
  BrokerClient(PluginInstance& instance, std::vector<std::string> server_patterns);

  // Throws PluginCallError (UNAUTHENTICATED, TIMEOUT, RETRY, UNAVAILABLE, ...).
  // `password` is borrowed for the call (a SecretString's view): never copied.
  std::unique_ptr<BrokerSession> open(int64_t login, std::string_view password,
                                      const std::string& server, uint32_t timeout_ms);
  // Empty when the plugin does not report backends.
  std::vector<BackendState> backend_states();
  // True when this instance serves `server` (patterns with a trailing '*' match prefixes).
  bool serves(const std::string& server) const;

  const std::string& name() const { return instance_.name(); }
  PluginInstance& instance() { return instance_; }
  const mt5b_broker_vtable& vtable() const { return v_; }

 private:
  PluginInstance& instance_;
  mt5b_broker_vtable v_;
  std::vector<std::string> patterns_;
};

}  // namespace mt5b::host
