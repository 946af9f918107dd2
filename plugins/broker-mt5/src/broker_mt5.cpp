#include "broker_mt5.hpp"

#include "record_decoder.hpp"

namespace mt5b::broker_mt5 {

namespace {

Mt5Session& session_of(sdk::BrokerSession& s) {
  auto* session = dynamic_cast<Mt5Session*>(&s);
  if (session == nullptr)
    throw sdk::Error(MT5B_INVALID_ARGUMENT, "the session was not opened by broker-mt5");
  return *session;
}

ParamsWriter history_params(const mt5b_history_query& q) {
  return [q](JsonWriter& w) {
    if (q.position_id != 0) {
      w.Key("position");
      w.Int64(q.position_id);
    } else {
      w.Key("date_from");
      w.Int64(q.from_broker_s);
      w.Key("date_to");
      w.Int64(q.to_broker_s);
    }
  };
}

ParamsWriter symbol_params(std::string_view symbol) {
  return [symbol](JsonWriter& w) {
    w.Key("symbol");
    w.String(symbol.data(), static_cast<rapidjson::SizeType>(symbol.size()));
  };
}

}  // namespace

std::span<const mt5b_option> BrokerMt5::options() {
  return pool_options();
}

BrokerMt5::BrokerMt5(sdk::Host host, const sdk::Config& config)
    : host_(host), pool_(host, read_pool_settings(config)) {}

std::unique_ptr<sdk::BrokerSession> BrokerMt5::open_session(const mt5b_broker_login& login) {
  auto timeout = login.timeout_ms != 0 ? std::chrono::milliseconds(login.timeout_ms)
                                       : pool_.settings().login_timeout;
  return pool_.open_session(login.login, sdk::view(login.server), sdk::view(login.password),
                            timeout);
}

void BrokerMt5::call(sdk::BrokerSession& s, std::string_view method, const ParamsWriter& params,
                     const std::function<void(const rapidjson::Value&)>& on_result) {
  Terminal::Request request{method, params, on_result};
  pool_.call(session_of(s), request);
}

void BrokerMt5::account_info(sdk::BrokerSession& s,
                             const std::function<void(const mt5b_account_info&)>& emit) {
  call(s, "account_info", nullptr,
       [&](const rapidjson::Value& result) { emit(decode_account_info(result)); });
}

void BrokerMt5::positions_get(sdk::BrokerSession& s,
                              const std::function<void(const mt5b_trade_position&)>& emit) {
  call(s, "positions_get", nullptr, [&](const rapidjson::Value& result) {
    for_each_record(result, "positions",
                    [&](const rapidjson::Value& p) { emit(decode_position(p)); });
  });
}

void BrokerMt5::history_deals_get(sdk::BrokerSession& s, const mt5b_history_query& q,
                                  const std::function<void(const mt5b_trade_deal&)>& emit) {
  call(s, "history_deals_get", history_params(q), [&](const rapidjson::Value& result) {
    for_each_record(result, "deals", [&](const rapidjson::Value& d) { emit(decode_deal(d)); });
  });
}

void BrokerMt5::history_orders_get(sdk::BrokerSession& s, const mt5b_history_query& q,
                                   const std::function<void(const mt5b_trade_order&)>& emit) {
  call(s, "history_orders_get", history_params(q), [&](const rapidjson::Value& result) {
    for_each_record(result, "orders", [&](const rapidjson::Value& o) { emit(decode_order(o)); });
  });
}

void BrokerMt5::symbol_info(sdk::BrokerSession& s, std::string_view symbol,
                            const std::function<void(const mt5b_symbol_info&)>& emit) {
  try {
    call(s, "symbol_info", symbol_params(symbol),
         [&](const rapidjson::Value& result) { emit(decode_symbol_info(result)); });
  } catch (const sdk::Error& e) {
    if (e.status() != MT5B_NOT_FOUND) throw;
    throw sdk::Error(MT5B_NOT_FOUND, "symbol '" + std::string(symbol) +
                                         "' is not offered to the account; check the name, "
                                         "including any broker suffix");
  }
}

void BrokerMt5::symbol_info_tick(sdk::BrokerSession& s, std::string_view symbol, mt5b_tick& out) {
  try {
    call(s, "symbol_info_tick", symbol_params(symbol),
         [&](const rapidjson::Value& result) { out = decode_tick(result); });
  } catch (const sdk::Error& e) {
    if (e.status() != MT5B_NOT_FOUND) throw;
    throw sdk::Error(MT5B_NOT_FOUND, "there is no tick for symbol '" + std::string(symbol) +
                                         "'; check the name, including any broker suffix");
  }
}

void BrokerMt5::backend_states(const std::function<void(const mt5b_backend_state&)>& emit) {
  for (const auto& b : pool_.backends()) {
    auto state = sdk::make<mt5b_backend_state>();
    state.state = static_cast<uint32_t>(b.state);
    state.name = sdk::str(b.name);
    state.last_error = sdk::str(b.last_error);
    state.sessions = b.sessions;
    emit(state);
  }
}

}  // namespace mt5b::broker_mt5
