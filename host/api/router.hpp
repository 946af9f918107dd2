// Maps (method, path) to a route. Patterns are literal segments and {param} segments.
#pragma once

#include "api/auth_chain.hpp"
#include "api/http_types.hpp"

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace mt5b::host {

// Who may call a route.
enum class Access {
  open,     // no credential (health probes, metrics)
  service,  // a service API key
  user,     // a service API key and a user JWT (or the key alone, when the config allows)
  // A service API key; with a user JWT as well, the request acts for that user only. Without
  // one the service key acts on any user, whatever service_key_acts_on_any_account says: the
  // privacy routes (GDPR erasure and export) are the backend's duty on behalf of a user.
  service_or_user
};

struct RequestContext {
  Request request;
  AuthOutcome auth;
  // The user the request acts for; empty when a service principal acts on any account.
  std::string acting_user;
  bool service_on_behalf = false;
};

using Handler = std::function<Response(RequestContext&)>;

// Which extra rate limit a route has beyond the per-key one (seed story 7.4).
enum class RateClass { standard, connect, health };

struct Route {
  std::string method;
  std::string pattern;  // also the metrics label
  Access access = Access::service;
  Handler handler;
  RateClass rate_class = RateClass::standard;
};

class Router {
 public:
  void add(Route route);
  // The matching route, filling request.path_params; nullptr when none. `path_known` tells
  // whether some route has this path with another method (405 rather than 404).
  const Route* match(Request& request, bool* path_known) const;
  const std::vector<Route>& routes() const { return routes_; }
  // The methods served at a path (for CORS preflight and 405 answers).
  std::vector<std::string> methods_at(const std::string& path) const;

 private:
  // A route's pattern split once, when it is added: literal segments, and {param} names.
  struct Pattern {
    std::vector<std::string> segments;  // the literal text, or the parameter's name
    std::vector<bool> is_param;
  };
  static Pattern compile(std::string_view pattern);
  // Whether `path` (split into segments) fits `pattern`; fills `params` only when it does.
  static bool fits(const Pattern& pattern, const std::vector<std::string_view>& path,
                   std::map<std::string, std::string>* params);
  std::vector<Route> routes_;
  std::vector<Pattern> patterns_;  // patterns_[i] is routes_[i]'s
};

}  // namespace mt5b::host
