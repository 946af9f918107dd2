#include "runtime/broker_client.hpp"

namespace mt5b::host {

using sdk::copy;
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

Mt5AccountInfo BrokerSession::account_info() {
  Mt5AccountInfo out;
  bool got = false;
  struct Ctx {
    Mt5AccountInfo* out;
    bool* got;
  } ctx{&out, &got};
  mt5b_status s = broker_.vtable().on_account_info(
      broker_.instance().handle(), handle_,
      [](void* c, const mt5b_account_info* in) {
        auto* x = static_cast<Ctx*>(c);
        mt5b_account_info r;
        sdk::read_struct(in, r);
        auto& o = *x->out;
        o.login = r.login;
        o.trade_mode = r.trade_mode;
        o.leverage = r.leverage;
        o.margin_mode = r.margin_mode;
        o.currency_digits = r.currency_digits;
        o.balance = r.balance;
        o.credit = r.credit;
        o.profit = r.profit;
        o.equity = r.equity;
        o.margin = r.margin;
        o.margin_free = r.margin_free;
        o.margin_level = r.margin_level;
        o.name = copy(r.name);
        o.server = copy(r.server);
        o.currency = copy(r.currency);
        o.company = copy(r.company);
        *x->got = true;
      },
      &ctx);
  broker_.instance().check(s, "account_info");
  if (!got)
    throw PluginCallError(MT5B_FAILED,
                          "account_info returned no record from broker '" + broker_.name() + "'");
  return out;
}

std::vector<Mt5Position> BrokerSession::positions() {
  std::vector<Mt5Position> out;
  mt5b_status s = broker_.vtable().on_positions_get(
      broker_.instance().handle(), handle_,
      [](void* c, const mt5b_trade_position* in) {
        mt5b_trade_position r;
        sdk::read_struct(in, r);
        Mt5Position p;
        p.ticket = r.ticket;
        p.time = r.time;
        p.time_msc = r.time_msc;
        p.time_update = r.time_update;
        p.time_update_msc = r.time_update_msc;
        p.type = r.type;
        p.magic = r.magic;
        p.identifier = r.identifier;
        p.reason = r.reason;
        p.volume = r.volume;
        p.price_open = r.price_open;
        p.sl = r.sl;
        p.tp = r.tp;
        p.price_current = r.price_current;
        p.swap = r.swap;
        p.profit = r.profit;
        p.symbol = copy(r.symbol);
        p.comment = copy(r.comment);
        p.external_id = copy(r.external_id);
        static_cast<std::vector<Mt5Position>*>(c)->push_back(std::move(p));
      },
      &out);
  broker_.instance().check(s, "positions_get");
  return out;
}

std::vector<Mt5Deal> BrokerSession::deals(const mt5b_history_query& query) {
  std::vector<Mt5Deal> out;
  mt5b_status s = broker_.vtable().on_history_deals_get(
      broker_.instance().handle(), handle_, &query,
      [](void* c, const mt5b_trade_deal* in) {
        mt5b_trade_deal r;
        sdk::read_struct(in, r);
        Mt5Deal d;
        d.ticket = r.ticket;
        d.order = r.order;
        d.time = r.time;
        d.time_msc = r.time_msc;
        d.type = r.type;
        d.entry = r.entry;
        d.reason = r.reason;
        d.magic = r.magic;
        d.position_id = r.position_id;
        d.volume = r.volume;
        d.price = r.price;
        d.commission = r.commission;
        d.swap = r.swap;
        d.profit = r.profit;
        d.fee = r.fee;
        d.symbol = copy(r.symbol);
        d.comment = copy(r.comment);
        d.external_id = copy(r.external_id);
        static_cast<std::vector<Mt5Deal>*>(c)->push_back(std::move(d));
      },
      &out);
  broker_.instance().check(s, "history_deals_get");
  return out;
}

std::vector<Mt5Deal> BrokerSession::deals_between(int64_t from_broker_s, int64_t to_broker_s) {
  auto q = sdk::make<mt5b_history_query>();
  q.from_broker_s = from_broker_s;
  q.to_broker_s = to_broker_s;
  return deals(q);
}

std::vector<Mt5Deal> BrokerSession::deals_of_position(int64_t position_id) {
  auto q = sdk::make<mt5b_history_query>();
  q.position_id = position_id;
  return deals(q);
}

std::optional<Mt5SymbolInfo> BrokerSession::symbol_info(const std::string& symbol) {
  std::optional<Mt5SymbolInfo> out;
  mt5b_status s = broker_.vtable().on_symbol_info(
      broker_.instance().handle(), handle_, str(symbol),
      [](void* c, const mt5b_symbol_info* in) {
        mt5b_symbol_info r;
        sdk::read_struct(in, r);
        Mt5SymbolInfo i;
        i.name = copy(r.name);
        i.digits = r.digits;
        i.trade_calc_mode = r.trade_calc_mode;
        i.point = r.point;
        i.trade_tick_size = r.trade_tick_size;
        i.trade_tick_value = r.trade_tick_value;
        i.trade_contract_size = r.trade_contract_size;
        i.currency_base = copy(r.currency_base);
        i.currency_profit = copy(r.currency_profit);
        *static_cast<std::optional<Mt5SymbolInfo>*>(c) = std::move(i);
      },
      &out);
  if (s == MT5B_NOT_FOUND) return std::nullopt;
  broker_.instance().check(s, "symbol_info");
  return out;
}

std::optional<Mt5Tick> BrokerSession::tick(const std::string& symbol) {
  if (!broker_.vtable().on_symbol_info_tick) return std::nullopt;
  auto t = sdk::make<mt5b_tick>();
  mt5b_status s =
      broker_.vtable().on_symbol_info_tick(broker_.instance().handle(), handle_, str(symbol), &t);
  if (s == MT5B_NOT_FOUND || s == MT5B_NOT_SUPPORTED) return std::nullopt;
  broker_.instance().check(s, "symbol_info_tick");
  return Mt5Tick{t.time, t.time_msc, t.bid, t.ask, t.last};
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
  mt5b_status s = v_.on_backend_states(
      instance_.handle(),
      [](void* c, const mt5b_backend_state* in) {
        mt5b_backend_state r;
        sdk::read_struct(in, r);
        static_cast<std::vector<BackendState>*>(c)->push_back(
            BackendState{copy(r.name), r.state, copy(r.last_error), r.sessions});
      },
      &out);
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
