// Strict base64url decoding for JWS segments (RFC 7515 section 2, RFC 4648 section 5).
#ifndef MT5BRIDGE_AUTH_JWT_BASE64URL_HPP
#define MT5BRIDGE_AUTH_JWT_BASE64URL_HPP

#include <optional>
#include <string>
#include <string_view>

namespace mt5b::auth_jwt {

// Decodes unpadded base64url. Refuses (nullopt) any character outside [A-Za-z0-9_-] (so '=',
// '+', '/', whitespace), an impossible length, and non-zero unused bits in the last character:
// every byte string then has exactly one accepted encoding, so a token cannot be re-spelled
// while keeping its signature.
std::optional<std::string> decode_base64url(std::string_view text);

}  // namespace mt5b::auth_jwt

#endif  // MT5BRIDGE_AUTH_JWT_BASE64URL_HPP
