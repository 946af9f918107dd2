// Fetches a JWKS document over HTTP(S) with a deadline and a size limit.
#ifndef MT5BRIDGE_AUTH_JWT_JWKS_HTTP_FETCH_HPP
#define MT5BRIDGE_AUTH_JWT_JWKS_HTTP_FETCH_HPP

#include <chrono>
#include <cstddef>
#include <string>

namespace mt5b::auth_jwt {

struct FetchLimits {
  std::chrono::milliseconds timeout{5000};  // the whole exchange: resolve, connect, TLS, read
  std::size_t max_bytes = 256 * 1024;       // of the body
};

// Checks that `url` is http:// or https://host[:port][/path] with no user info or fragment;
// throws sdk::Error(MT5B_INVALID_ARGUMENT) naming what is wrong.
void check_jwks_url(const std::string& url);

// GETs `url` and returns the body of a 200 answer. https verifies the server's certificate
// against the system's trust store and its host name. Redirects are not followed. Throws
// sdk::Error(MT5B_RETRY) with a reason (timeout, connection refused, status, too large).
std::string fetch_jwks_document(const std::string& url, const FetchLimits& limits);

}  // namespace mt5b::auth_jwt

#endif  // MT5BRIDGE_AUTH_JWT_JWKS_HTTP_FETCH_HPP
