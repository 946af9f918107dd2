// Verifies the JWS signature of ES256 and RS256 tokens (RFC 7518 sections 3.3 and 3.4).
#ifndef MT5BRIDGE_AUTH_JWT_ASYMMETRIC_SIGNATURE_HPP
#define MT5BRIDGE_AUTH_JWT_ASYMMETRIC_SIGNATURE_HPP

#include "jwk_set.hpp"

#include <string_view>

namespace mt5b::auth_jwt {

// True when `signature` (decoded bytes) is `key`'s signature of `signing_input` under
// `algorithm` (ES256 or RS256, which `key` must allow). An ES256 signature is the 64-byte
// r||s of RFC 7518 section 3.4; the DER form some libraries emit is refused, as the JWS
// specification requires. Throws sdk::Error(MT5B_FAILED) only when OpenSSL itself fails.
bool verify_asymmetric_signature(const VerificationKey& key, std::string_view algorithm,
                                 std::string_view signing_input, std::string_view signature);

}  // namespace mt5b::auth_jwt

#endif  // MT5BRIDGE_AUTH_JWT_ASYMMETRIC_SIGNATURE_HPP
