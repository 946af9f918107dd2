#include "api/request_dispatcher.hpp"

#include "log/logger.hpp"
#include "runtime/plugin_instance.hpp"

#include <chrono>
#include <random>

namespace mt5b::host {

namespace {

std::string random_hex(size_t bytes) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes; ++i) {
    auto b = static_cast<unsigned>(rng() & 0xff);
    out += digits[b >> 4];
    out += digits[b & 0xf];
  }
  return out;
}

void send(const mt5b_responder* responder, const Response& response) {
  std::vector<mt5b_header> headers;
  headers.reserve(response.headers.size());
  for (const auto& [k, v] : response.headers) headers.push_back({sdk::str(k), sdk::str(v)});
  auto out = sdk::make<mt5b_http_response>();
  out.status = response.status;
  out.headers = headers.data();
  out.header_count = static_cast<uint32_t>(headers.size());
  out.body = sdk::str(response.body);
  responder->callback_respond(responder->transport_ctx, &out);
}

}  // namespace

std::string choose_request_id(const std::optional<std::string>& offered) {
  if (offered && !offered->empty() && offered->size() <= 128) {
    bool safe = true;
    for (char c : *offered)
      safe = safe && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
                      c == '.' || c == ':');
    if (safe) return *offered;
  }
  return "req_" + random_hex(12);
}

RequestDispatcher::RequestDispatcher(const Router& router, const AuthChain& auth,
                                     const ApiConfig& api, MetricsRegistry& metrics)
    : router_(router), auth_(auth), api_(api), metrics_(metrics) {
  table_ = sdk::make<mt5b_dispatcher>();
  table_.host_ctx = this;
  table_.callback_dispatch = [](void* ctx, const mt5b_http_request* request,
                                const mt5b_responder* responder) {
    send(responder, static_cast<RequestDispatcher*>(ctx)->handle(*request));
  };
  table_.callback_ws_open = [](void* ctx, const mt5b_http_request* request,
                               const mt5b_ws_connection*, const mt5b_responder* responder) {
    // No WebSocket route is served yet: refuse the upgrade in the usual error shape.
    auto* self = static_cast<RequestDispatcher*>(ctx);
    Request r = copy_request(*request);
    std::string id = choose_request_id(r.header("X-Request-ID"));
    (void)self;
    send(responder,
         error_response(
             ApiError(404, "NOT_FOUND", "No WebSocket endpoint is served at this path.", r.path),
             id));
  };
  table_.callback_ws_message = [](void*, uint64_t, mt5b_str) {};
  table_.callback_ws_closed = [](void*, uint64_t) {};
}

void RequestDispatcher::authorize(const Route& route, RequestContext& ctx) const {
  if (route.access == Access::open) return;
  auto& auth = ctx.auth;
  auto refused = [&](const std::string& code, const std::string& message) {
    std::string reasons;
    for (const auto& r : auth.refusals) reasons += (reasons.empty() ? "" : "; ") + r;
    log_warn("authentication failed", {{"request_id", ctx.request.request_id},
                                       {"client_ip", ctx.request.client_ip},
                                       {"method", ctx.request.method},
                                       {"route", route.pattern},
                                       {"error_code", code},
                                       {"reason", reasons.empty() ? message : reasons}});
    throw ApiError(401, code, message,
                   reasons.empty() ? std::nullopt : std::optional<std::string>(reasons));
  };
  if (!auth.service) {
    if (!auth.refusals.empty())
      refused("AUTHENTICATION_FAILED",
              "The credentials were refused; check the X-API-Key and "
              "Authorization headers.");
    refused("API_KEY_REQUIRED", "Send the service API key in the X-API-Key header.");
  }
  if (route.access == Access::service) return;
  if (auth.user) {
    ctx.acting_user = auth.user->subject;
    return;
  }
  if (!auth.refusals.empty())
    refused("INVALID_TOKEN",
            "The user token was refused; sign in again to get a fresh "
            "Supabase access token.");
  if (api_.service_key_acts_on_any_account) {
    ctx.service_on_behalf = true;
    return;
  }
  refused("USER_TOKEN_REQUIRED",
          "Send the user's Supabase access token as 'Authorization: Bearer <token>'.");
}

Response RequestDispatcher::handle(const mt5b_http_request& raw) {
  auto started = std::chrono::steady_clock::now();
  RequestContext ctx;
  ctx.request = copy_request(raw);
  ctx.request.request_id = choose_request_id(ctx.request.header("X-Request-ID"));
  std::string route_label = "unmatched";
  Response response;
  try {
    bool path_known = false;
    const Route* route = router_.match(ctx.request, &path_known);
    if (!route) {
      if (path_known)
        throw ApiError(405, "METHOD_NOT_ALLOWED",
                       "This path does not accept " + ctx.request.method + "; see /openapi.json.");
      throw ApiError(404, "NOT_FOUND", "No endpoint is served at this path.", ctx.request.path);
    }
    route_label = route->pattern;
    if (route->access != Access::open) ctx.auth = auth_.authenticate(raw);
    authorize(*route, ctx);
    response = route->handler(ctx);
  } catch (const ApiError& e) {
    response = error_response(e, ctx.request.request_id);
    if (e.status() == 401 && e.code() != "API_KEY_REQUIRED")
      response.set_header("WWW-Authenticate", "Bearer");
  } catch (const std::exception& e) {
    log_error(
        "request failed unexpectedly",
        {{"request_id", ctx.request.request_id}, {"route", route_label}, {"error", e.what()}});
    response = error_response(
        ApiError(500, "INTERNAL_ERROR",
                 "The host failed unexpectedly; retry, and report the request_id if it persists."),
        ctx.request.request_id);
  }
  response.set_header("X-Request-ID", ctx.request.request_id);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string labels = "route=\"" + prometheus_label_value(route_label) + "\",method=\"" +
                       prometheus_label_value(ctx.request.method) + "\",status=\"" +
                       std::to_string(response.status) + "\"";
  metrics_.counter_add("mt5bridge_http_requests_total", labels, 1);
  metrics_.observe("mt5bridge_http_request_duration_seconds",
                   "route=\"" + prometheus_label_value(route_label) + "\"", seconds);
  if (Logger::instance().level() <= LogLevel::debug || response.status >= 500)
    Logger::instance().write(response.status >= 500 ? LogLevel::error : LogLevel::debug,
                             LogSource{"host", "", ""}, "request",
                             {{"request_id", ctx.request.request_id},
                              {"method", ctx.request.method},
                              {"route", route_label},
                              {"status", std::to_string(response.status)},
                              {"duration_ms", std::to_string(seconds * 1000.0)},
                              {"client_ip", ctx.request.client_ip}});
  return response;
}

}  // namespace mt5b::host
