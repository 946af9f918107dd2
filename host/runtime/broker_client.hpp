// The host's typed view of a broker instance: sessions as RAII objects, MT5 records copied into
// C++ structs (field names as MT5.md). Nothing here knows how the broker reaches MetaTrader.
#pragma once

#include "runtime/plugin_instance.hpp"

#include <memory>
#include <string>
#include <vector>

namespace mt5b::host {

struct Mt5AccountInfo {
  int64_t login = 0;
  int32_t trade_mode = 0;
  int64_t leverage = 0;
  int32_t margin_mode = 0;
  int32_t currency_digits = 2;
  double balance = 0, credit = 0, profit = 0, equity = 0, margin = 0, margin_free = 0,
         margin_level = 0;
  std::string name, server, currency, company;
};

struct Mt5Position {
  int64_t ticket = 0;
  int64_t time = 0, time_msc = 0, time_update = 0, time_update_msc = 0;
  int32_t type = 0;
  int64_t magic = 0, identifier = 0;
  int32_t reason = 0;
  double volume = 0, price_open = 0, sl = 0, tp = 0, price_current = 0, swap = 0, profit = 0;
  std::string symbol, comment, external_id;
};

struct BackendState {
  std::string name;
  uint32_t state = MT5B_BACKEND_CONNECTED;
  std::string last_error;
  int64_t sessions = 0;
};
std::string_view backend_state_name(uint32_t state);

class BrokerClient;

// A logged-in session; closed when destroyed.
class BrokerSession {
 public:
  BrokerSession(BrokerClient& broker, mt5b_session* handle) : broker_(broker), handle_(handle) {}
  ~BrokerSession();
  BrokerSession(const BrokerSession&) = delete;
  BrokerSession& operator=(const BrokerSession&) = delete;

  Mt5AccountInfo account_info();
  std::vector<Mt5Position> positions();

 private:
  BrokerClient& broker_;
  mt5b_session* handle_;
};

class BrokerClient {
 public:
  BrokerClient(PluginInstance& instance, std::vector<std::string> server_patterns);

  // Throws PluginCallError (UNAUTHENTICATED, TIMEOUT, RETRY, UNAVAILABLE, ...).
  std::unique_ptr<BrokerSession> open(int64_t login, const std::string& password,
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
