// The host's side of every transport: request ids, routing, the auth chain and access rules,
// error mapping to the one JSON shape, access logs and request metrics. It is what the
// mt5b_dispatcher handed to transports calls into.
#pragma once

#include "api/auth_chain.hpp"
#include "api/router.hpp"
#include "config/pipeline_config.hpp"
#include "metrics/metrics_registry.hpp"

#include <mt5bridge/abi.h>

namespace mt5b::host {

class RequestDispatcher {
 public:
  RequestDispatcher(const Router& router, const AuthChain& auth, const ApiConfig& api,
                    MetricsRegistry& metrics);

  // The C table to hand to transports; valid while this object lives.
  const mt5b_dispatcher* table() const { return &table_; }

  // Handles one request synchronously (also used directly by tests).
  Response handle(const mt5b_http_request& raw);

 private:
  void authorize(const Route& route, RequestContext& ctx) const;

  const Router& router_;
  const AuthChain& auth_;
  const ApiConfig& api_;
  MetricsRegistry& metrics_;
  mt5b_dispatcher table_;
};

// A request id: the client's X-Request-ID when it is safe to echo, else a fresh one.
std::string choose_request_id(const std::optional<std::string>& offered);

}  // namespace mt5b::host
