#include "api/request_dispatcher.hpp"

#include <strings.h>

#include "log/audit_log.hpp"
#include "log/logger.hpp"
#include "runtime/plugin_instance.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <chrono>

#include <algorithm>
#include <array>
#include <random>

namespace mt5b::host {

namespace {

// `prefix` followed by 2 × `bytes` random lowercase hex digits.
std::string random_hex(std::string_view prefix, size_t bytes) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(prefix.size() + 2 * bytes);
  out += prefix;
  uint64_t bits = 0;
  for (size_t i = 0; i < bytes; ++i) {
    if (i % 8 == 0) bits = rng();  // eight bytes per draw
    auto b = static_cast<unsigned>(bits & 0xff);
    bits >>= 8;
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out;
}

void send(const mt5b_responder* responder, const Response& response) {
  // Answers carry a handful of headers: borrow views from the stack, not the heap.
  std::array<mt5b_header, 16> few;
  std::vector<mt5b_header> many;
  mt5b_header* headers = few.data();
  if (response.headers.size() > few.size()) {
    many.resize(response.headers.size());
    headers = many.data();
  }
  size_t n = 0;
  for (const auto& [k, v] : response.headers) headers[n++] = {sdk::str(k), sdk::str(v)};
  auto out = sdk::make<mt5b_http_response>();
  out.status = response.status;
  out.headers = headers;
  out.header_count = static_cast<uint32_t>(n);
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
  return random_hex("req_", 12);
}

RequestDispatcher::RequestDispatcher(const Router& router, const AuthChain& auth,
                                     const ApiConfig& api, MetricsRegistry& metrics, Clock clock)
    : router_(router),
      auth_(auth),
      api_(api),
      metrics_(metrics),
      request_metrics_(metrics),
      auth_failure_limit_(api.rate_limits.auth_failures_per_ip_per_min),
      clock_(clock ? std::move(clock) : Clock([] { return RateLimiter::Clock::now(); })) {
  std::string why;
  if (auto proxies = TrustedProxies::parse(api_.trusted_proxies, &why))
    trusted_proxies_ = std::move(*proxies);
  else
    throw std::invalid_argument("api.trusted_proxies: " + why);
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
    // One line per client IP and code per interval, standing for every failure since the last:
    // a client cannot turn the log into its amplifier.
    if (auto failures = refusal_log_.count("auth:" + code, ctx.request.client_ip))
      log_warn("authentication failed",
               {{"request_id", ctx.request.request_id},
                {"client_ip", ctx.request.client_ip},
                {"method", ctx.request.method},
                {"route", route.pattern},
                {"error_code", code},
                {"reason", reasons.empty() ? message : reasons},
                {"failures", std::to_string(failures)},
                {"per_seconds", std::to_string(RefusalLog::kInterval.count())}});
    auth_failure_limit_.failed(ctx.request.client_ip);
    metrics_.counter_add("mt5bridge_auth_failures_total", "code=\"" + code + "\"", 1);
    auto bursts =
        auth_failures_.failed(ctx.request.header("X-API-Key").value_or(""), ctx.request.client_ip);
    if (bursts.key) metrics_.counter_add("mt5bridge_auth_failure_bursts_total", "by=\"key\"", 1);
    if (bursts.ip) metrics_.counter_add("mt5bridge_auth_failure_bursts_total", "by=\"ip\"", 1);
    auto& audit = AuditLog::instance();
    audit.authentication("auth.failure", ctx.request.client_ip,
                         {{"client_ip", ctx.request.client_ip},
                          {"method", ctx.request.method},
                          {"route", route.pattern},
                          {"error_code", code}});
    if (bursts.key || bursts.ip)
      audit.record("auth.failure_burst", {{"client_ip", ctx.request.client_ip},
                                          {"by", bursts.ip ? "ip" : "key"},
                                          {"failures", "5 within 5 minutes"}});
    throw ApiError(401, code, message,
                   reasons.empty() ? std::nullopt : std::optional<std::string>(reasons));
  };
  // A browser's request: the user's own token, no key, on a route about the user's accounts.
  if (!auth.service && auth.user && auth.refusals.empty() && api_.user_token_alone &&
      route.access == Access::user) {
    ctx.acting_user = auth.user->subject;
    return;
  }
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
  if (api_.service_key_acts_on_any_account || route.access == Access::service_or_user) {
    ctx.service_on_behalf = true;
    return;
  }
  refused("USER_TOKEN_REQUIRED",
          "Send the user's Supabase access token as 'Authorization: Bearer <token>'.");
}

void RequestDispatcher::audit_authenticated(const Route& route, const RequestContext& ctx) const {
  std::string principal;
  if (ctx.auth.service) principal = "service:" + ctx.auth.service->subject;
  if (ctx.auth.user) principal += (principal.empty() ? "user:" : " user:") + ctx.auth.user->subject;
  AuditLog::instance().authentication(
      "auth.success", principal + "|" + ctx.request.client_ip,
      {{"principal", principal}, {"client_ip", ctx.request.client_ip}, {"route", route.pattern}});
}

namespace {
void set_rate_headers(Response& r, const RateLimiter::Decision& d) {
  r.set_header("RateLimit-Limit", std::to_string(d.limit));
  r.set_header("RateLimit-Remaining", std::to_string(d.remaining));
  r.set_header("RateLimit-Reset", std::to_string(d.reset_s));
}
}  // namespace

void RequestDispatcher::limit(const Route& route, RequestContext& ctx, Response& headers_out) {
  const auto& rl = api_.rate_limits;
  // The tightest bucket decides what the headers say.
  std::optional<RateLimiter::Decision> shown;
  auto take = [&](const std::string& key, int64_t per_min) {
    if (per_min <= 0) return;  // unlimited: no bucket
    auto d = limiter_.take(key, per_min, clock_());
    if (!d.allowed) {
      metrics_.counter_add("mt5bridge_rate_limited_total",
                           "route=\"" + prometheus_label_value(route.pattern) + "\"", 1);
      const std::string bucket = key.substr(0, key.find('|'));
      if (auto refusals = refusal_log_.count("rate:" + bucket, ctx.request.client_ip))
        log_warn("rate limit exceeded",
                 {{"request_id", ctx.request.request_id},
                  {"client_ip", ctx.request.client_ip},
                  {"route", route.pattern},
                  {"bucket", bucket},
                  {"refusals", std::to_string(refusals)},
                  {"per_seconds", std::to_string(RefusalLog::kInterval.count())}});
      set_rate_headers(headers_out, d);
      throw RateLimitError(d.retry_after_s);
    }
    if (!shown || d.remaining < shown->remaining) shown = d;
  };
  if (route.rate_class == RateClass::health && rl.health_per_ip_per_min > 0)
    take("ip:" + ctx.request.client_ip + "|health", rl.health_per_ip_per_min);
  const bool connect = route.rate_class == RateClass::connect && rl.connect_per_min > 0;
  if (ctx.auth.service && (rl.per_key_per_min > 0 || connect)) {
    std::string key = "key:" + ctx.auth.service->subject;
    take(key, rl.per_key_per_min);
    if (connect) take(key + "|connect", rl.connect_per_min);
  } else if (ctx.auth.user && rl.per_key_per_min > 0) {
    // A user token alone (api.user_token_alone): each user is a bucket of the per-key size.
    take("user:" + ctx.auth.user->subject, rl.per_key_per_min);
  }
  if (shown) set_rate_headers(headers_out, *shown);
}

std::optional<Response> RequestDispatcher::preflight(const Request& request) const {
  if (request.method != "OPTIONS") return std::nullopt;
  auto methods = router_.methods_at(request.path);
  if (methods.empty()) return std::nullopt;  // unknown path: the usual 404
  Response r;
  r.status = 204;
  std::string allow = "OPTIONS";
  for (const auto& m : methods) allow += ", " + m;
  r.set_header("Allow", allow);
  auto origin = request.header("Origin");
  if (origin && std::find(api_.cors_origins.begin(), api_.cors_origins.end(), *origin) !=
                    api_.cors_origins.end()) {
    r.set_header("Access-Control-Allow-Methods", allow);
    r.set_header("Access-Control-Allow-Headers",
                 "Authorization, X-API-Key, Content-Type, X-Request-ID");
    r.set_header("Access-Control-Max-Age", "600");
  }
  return r;
}

void RequestDispatcher::add_cors_headers(const Request& request, Response& response) const {
  // Every answer may differ by Origin, with or without one: a shared cache (the public
  // /openapi.json) must not serve an answer without CORS headers to a browser that needs them.
  response.set_header("Vary", "Origin");
  auto origin = request.header("Origin");
  if (!origin) return;
  if (std::find(api_.cors_origins.begin(), api_.cors_origins.end(), *origin) ==
      api_.cors_origins.end())
    return;
  response.set_header("Access-Control-Allow-Origin", *origin);
  response.set_header("Access-Control-Expose-Headers",
                      "X-Request-ID, Retry-After, RateLimit-Limit, RateLimit-Remaining, "
                      "RateLimit-Reset, Location");
}

Response RequestDispatcher::finish(const RequestContext& ctx, uint32_t route_id,
                                   const std::string& route_label,
                                   std::chrono::steady_clock::time_point started, Response response,
                                   const Response& rate_headers) {
  for (const auto& [k, v] : rate_headers.headers) response.set_header(k, v);
  add_cors_headers(ctx.request, response);
  response.set_header("X-Request-ID", ctx.request.request_id);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  request_metrics_.record(route_id, route_label, ctx.request.method, response.status, seconds);
  // The access line: every request at info (service.access_log), failures at error always.
  // 401 and 429 answers, which a client can provoke as fast as it sends, get one line per
  // client IP and status per interval, counting the answers it stands for.
  auto& logger = Logger::instance();
  if (response.status >= 500 || (logger.access_log() && logger.level() <= LogLevel::info)) {
    const bool refusal = response.status == 401 || response.status == 429;
    const uint64_t answers =
        refusal
            ? refusal_log_.count("access:" + std::to_string(response.status), ctx.request.client_ip)
            : 1;
    if (answers > 0) {
      LogFields fields{{"request_id", ctx.request.request_id},
                       {"method", ctx.request.method},
                       {"route", route_label},
                       {"status", std::to_string(response.status)},
                       {"duration_ms", std::to_string(seconds * 1000.0)},
                       {"client_ip", ctx.request.client_ip}};
      if (refusal) {
        fields.emplace_back("answers", std::to_string(answers));
        fields.emplace_back("per_seconds", std::to_string(RefusalLog::kInterval.count()));
      }
      logger.write(response.status >= 500 ? LogLevel::error : LogLevel::info,
                   LogSource{"host", "", ""}, "request", fields);
    }
  }
  return response;
}

Response RequestDispatcher::handle(const mt5b_http_request& raw) {
  auto started = std::chrono::steady_clock::now();
  RequestContext ctx;
  ctx.request = copy_request(raw);
  if (!trusted_proxies_.empty()) {
    std::vector<std::string> forwarded_for;
    for (const auto& [name, value] : ctx.request.headers)
      if (name.size() == 15 && strncasecmp(name.c_str(), "X-Forwarded-For", 15) == 0)
        forwarded_for.push_back(value);
    ctx.request.client_ip = trusted_proxies_.client_ip(ctx.request.client_ip, forwarded_for,
                                                       ctx.request.header("X-Real-IP"));
  }
  ctx.request.request_id = choose_request_id(ctx.request.header("X-Request-ID"));
  // Every log line written on this thread while the request runs (plugins' too) carries it.
  RequestIdScope request_scope(ctx.request.request_id);
  // Metrics ids: 0 unmatched, 1 preflight, 2 + index for the router's routes.
  static const std::string kUnmatched = "unmatched", kPreflight = "preflight";
  uint32_t route_id = 0;
  const std::string* route_label = &kUnmatched;
  Response response;
  Response rate_headers;
  if (auto answer = preflight(ctx.request))
    return finish(ctx, 1, kPreflight, started, std::move(*answer), rate_headers);
  try {
    bool path_known = false;
    const Route* route = router_.match(ctx.request, &path_known);
    if (!route) {
      if (path_known) {
        std::string allow;
        for (const auto& m : router_.methods_at(ctx.request.path))
          allow += (allow.empty() ? "" : ", ") + m;
        rate_headers.set_header("Allow", allow);  // RFC 9110: a 405 names what is allowed
        throw ApiError(
            405, "METHOD_NOT_ALLOWED",
            "This path does not accept " + ctx.request.method + "; it accepts " + allow + ".");
      }
      throw ApiError(404, "NOT_FOUND", "No endpoint is served at this path.", ctx.request.path);
    }
    route_id = static_cast<uint32_t>(2 + (route - router_.routes().data()));
    route_label = &route->pattern;
    if (route->access != Access::open) {
      // An IP that keeps failing is refused before its credentials cost anything.
      if (auto wait = auth_failure_limit_.retry_after_s(ctx.request.client_ip)) {
        metrics_.counter_add("mt5bridge_rate_limited_total", "route=\"auth_failures\"", 1);
        if (auto refusals = refusal_log_.count("rate:auth_failures", ctx.request.client_ip))
          log_warn("client refused after repeated authentication failures",
                   {{"client_ip", ctx.request.client_ip},
                    {"refusals", std::to_string(refusals)},
                    {"per_seconds", std::to_string(RefusalLog::kInterval.count())}});
        throw RateLimitError(wait);
      }
      ctx.auth = auth_.authenticate(raw);
    }
    authorize(*route, ctx);
    if (route->access != Access::open) audit_authenticated(*route, ctx);
    limit(*route, ctx, rate_headers);
    response = route->handler(ctx);
  } catch (const ApiError& e) {
    response = error_response(e, ctx.request.request_id);
    if (e.status() == 401 && e.code() != "API_KEY_REQUIRED")
      response.set_header("WWW-Authenticate", "Bearer");
  } catch (const std::exception& e) {
    log_error(
        "request failed unexpectedly",
        {{"request_id", ctx.request.request_id}, {"route", *route_label}, {"error", e.what()}});
    response = error_response(
        ApiError(500, "INTERNAL_ERROR",
                 "The host failed unexpectedly; retry, and report the request_id if it persists."),
        ctx.request.request_id);
  }
  return finish(ctx, route_id, *route_label, started, std::move(response), rate_headers);
}

}  // namespace mt5b::host
