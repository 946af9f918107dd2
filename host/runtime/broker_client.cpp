#include "runtime/broker_client.hpp"

namespace mt5b::host {

using sdk::str;

std::string_view backend_state_name(uint32_t state) {
  switch (state) {
    case MT5B_BACKEND_CONNECTED: return "CONNECTED";
    case MT5B_BACKEND_DISCONNECTED: return "DISCONNECTED";
    case MT5B_BACKEND_ERROR: return "ERROR";
    case MT5B_BACKEND_RECONNECTING: return "RECONNECTING";
  }
  return "UNKNOWN";
}

BrokerSession::~BrokerSession() {
  broker_.vtable().on_session_close(broker_.instance().handle(), handle_);
}

namespace {

// Collects what one emit callback gives, as owning copies.
template <class Record, class Abi>
void collect(void* ctx, const Abi* r) {
  static_cast<std::vector<Record>*>(ctx)->push_back(Record::from(*r));
}
template <class Record, class Abi>
void keep(void* ctx, const Abi* r) {
  *static_cast<std::optional<Record>*>(ctx) = Record::from(*r);
}

}  // namespace

AccountInfo BrokerSession::account_info() {
  std::optional<AccountInfo> out;
  mt5b_status s = broker_.vtable().on_account_info(broker_.instance().handle(), handle_,
                                                   &keep<AccountInfo, mt5b_account_info>, &out);
  broker_.instance().check(s, "account_info");
  if (!out)
    throw PluginCallError(MT5B_FAILED,
                          "account_info returned no record from broker '" + broker_.name() + "'");
  return std::move(*out);
}

std::vector<TradePosition> BrokerSession::positions() {
  std::vector<TradePosition> out;
  mt5b_status s = broker_.vtable().on_positions_get(
      broker_.instance().handle(), handle_, &collect<TradePosition, mt5b_trade_position>, &out);
  broker_.instance().check(s, "positions_get");
  return out;
}

std::vector<TradeDeal> BrokerSession::deals(const mt5b_history_query& query) {
  std::vector<TradeDeal> out;
  mt5b_status s = broker_.vtable().on_history_deals_get(
      broker_.instance().handle(), handle_, &query, &collect<TradeDeal, mt5b_trade_deal>, &out);
  broker_.instance().check(s, "history_deals_get");
  return out;
}

std::vector<TradeDeal> BrokerSession::deals_between(int64_t from_broker_s, int64_t to_broker_s) {
  auto q = sdk::make<mt5b_history_query>();
  q.from_broker_s = from_broker_s;
  q.to_broker_s = to_broker_s;
  return deals(q);
}

std::vector<TradeDeal> BrokerSession::deals_of_position(int64_t position_id) {
  auto q = sdk::make<mt5b_history_query>();
  q.position_id = position_id;
  return deals(q);
}

std::optional<SymbolInfo> BrokerSession::symbol_info(const std::string& symbol) {
  std::optional<SymbolInfo> out;
  mt5b_status s = broker_.vtable().on_symbol_info(broker_.instance().handle(), handle_, str(symbol),
                                                  &keep<SymbolInfo, mt5b_symbol_info>, &out);
  if (s == MT5B_NOT_FOUND) return std::nullopt;
  broker_.instance().check(s, "symbol_info");
  return out;
}

std::optional<Tick> BrokerSession::tick(const std::string& symbol) {
  if (!broker_.vtable().on_symbol_info_tick) return std::nullopt;
  auto t = sdk::make<mt5b_tick>();
  mt5b_status s =
      broker_.vtable().on_symbol_info_tick(broker_.instance().handle(), handle_, str(symbol), &t);
  if (s == MT5B_NOT_FOUND || s == MT5B_NOT_SUPPORTED) return std::nullopt;
  broker_.instance().check(s, "symbol_info_tick");
  return Tick::from(t);
}

BrokerClient::BrokerClient(PluginInstance& instance, std::vector<std::string> server_patterns)
    : instance_(instance),
      v_(instance.vtable<mt5b_broker_vtable>()),
      patterns_(std::move(server_patterns)) {}

std::unique_ptr<BrokerSession> BrokerClient::open(int64_t login, std::string_view password,
                                                  const std::string& server, uint32_t timeout_ms) {
  auto l = sdk::make<mt5b_broker_login>();
  l.login = login;
  l.password = str(password);
  l.server = str(server);
  l.timeout_ms = timeout_ms;
  mt5b_session* handle = nullptr;
  instance_.check(v_.on_session_open(instance_.handle(), &l, &handle), "login");
  if (!handle) throw PluginCallError(MT5B_FAILED, "broker '" + name() + "' returned no session");
  return std::make_unique<BrokerSession>(*this, handle);
}

std::vector<BackendState> BrokerClient::backend_states() {
  std::vector<BackendState> out;
  if (!v_.on_backend_states) return out;
  mt5b_status s =
      v_.on_backend_states(instance_.handle(), &collect<BackendState, mt5b_backend_state>, &out);
  if (s == MT5B_NOT_SUPPORTED) return {};
  instance_.check(s, "backend_states");
  return out;
}

bool BrokerClient::serves(const std::string& server) const {
  if (patterns_.empty()) return true;
  for (const auto& p : patterns_) {
    if (p == "*" || p == server) return true;
    if (!p.empty() && p.back() == '*' && server.compare(0, p.size() - 1, p, 0, p.size() - 1) == 0)
      return true;
  }
  return false;
}

}  // namespace mt5b::host
