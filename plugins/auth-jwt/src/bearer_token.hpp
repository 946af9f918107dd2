// Finds the bearer token of a request (RFC 6750 section 2.1).
#ifndef MT5BRIDGE_AUTH_JWT_BEARER_TOKEN_HPP
#define MT5BRIDGE_AUTH_JWT_BEARER_TOKEN_HPP

#include <mt5bridge/abi.h>

#include <optional>
#include <string_view>

namespace mt5b::auth_jwt {

// The token of the request's `Authorization: Bearer <token>` header. The header name and the
// scheme compare case-insensitively. nullopt when no Authorization header uses the Bearer scheme
// (another plugin may own Basic or others). Throws sdk::Error(MT5B_UNAUTHENTICATED) when a
// Bearer header has no token or there is more than one. The view borrows the request.
std::optional<std::string_view> find_bearer_token(const mt5b_http_request& request);

}  // namespace mt5b::auth_jwt

#endif  // MT5BRIDGE_AUTH_JWT_BEARER_TOKEN_HPP
