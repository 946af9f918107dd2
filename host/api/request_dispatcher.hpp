// The host's side of every transport: request ids, routing, the auth chain and access rules,
// error mapping to the one JSON shape, access logs and request metrics. It is what the
// mt5b_dispatcher handed to transports calls into.
#pragma once

#include "api/auth_chain.hpp"
#include "api/rate_limiter.hpp"
#include "api/refusal_guard.hpp"
#include "api/router.hpp"
#include "config/client_address.hpp"
#include "config/pipeline_config.hpp"
#include "metrics/auth_failure_watch.hpp"
#include "metrics/http_request_metrics.hpp"
#include "metrics/metrics_registry.hpp"

#include <mt5bridge/abi.h>

#include <chrono>
#include <functional>
#include <optional>

namespace mt5b::host {

class RequestDispatcher {
 public:
  // The clock the rate limits read (tests inject their own); steady_clock::now by default.
  using Clock = std::function<RateLimiter::Clock::time_point()>;

  RequestDispatcher(const Router& router, const AuthChain& auth, const ApiConfig& api,
                    MetricsRegistry& metrics, Clock clock = {});

  // The C table to hand to transports; valid while this object lives.
  const mt5b_dispatcher* table() const { return &table_; }

  // Handles one request synchronously (also used directly by tests).
  Response handle(const mt5b_http_request& raw);

 private:
  void authorize(const Route& route, RequestContext& ctx) const;
  // The audit line of an authenticated request (aggregated per principal and client IP).
  void audit_authenticated(const Route& route, const RequestContext& ctx) const;
  // Takes tokens for the route; throws a 429 when a bucket is empty. Sets RateLimit headers.
  void limit(const Route& route, RequestContext& ctx, Response& headers_out);
  // CORS: preflight answers, and the headers an allowed origin gets on every response.
  std::optional<Response> preflight(const Request& request) const;
  void add_cors_headers(const Request& request, Response& response) const;
  // Common headers, metrics and the access log line of every answer. `route_id` identifies
  // `route_label` for the request metrics.
  Response finish(const RequestContext& ctx, uint32_t route_id, const std::string& route_label,
                  std::chrono::steady_clock::time_point started, Response response,
                  const Response& rate_headers);

  const Router& router_;
  const AuthChain& auth_;
  const ApiConfig& api_;
  MetricsRegistry& metrics_;
  HttpRequestMetrics request_metrics_;
  RateLimiter limiter_;
  mutable AuthFailureWatch auth_failures_;
  mutable AuthFailureLimit auth_failure_limit_;
  mutable RefusalLog refusal_log_;
  TrustedProxies trusted_proxies_;  // from api.trusted_proxies, checked when loaded
  Clock clock_;
  mt5b_dispatcher table_;
};

// A request id: the client's X-Request-ID when it is safe to echo, else a fresh one.
std::string choose_request_id(const std::optional<std::string>& offered);

}  // namespace mt5b::host
