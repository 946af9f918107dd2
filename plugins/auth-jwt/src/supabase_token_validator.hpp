// Validates Supabase Auth access tokens: HS256 JWTs signed with the project's JWT secret.
#ifndef MT5BRIDGE_AUTH_JWT_SUPABASE_TOKEN_VALIDATOR_HPP
#define MT5BRIDGE_AUTH_JWT_SUPABASE_TOKEN_VALIDATOR_HPP

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mt5b::auth_jwt {

// What a token must satisfy, as configured.
struct TokenPolicy {
  std::string hs256_secret;  // the JWT secret's text, used as-is as the HMAC key (as Supabase does)
  std::string audience = "authenticated";
  std::optional<std::string> issuer;  // checked only when set
  int64_t leeway_s = 30;              // clock skew tolerated on exp, nbf and iat
  std::vector<std::string> algorithms{"HS256"};
};

// The user a valid token speaks for.
struct VerifiedUser {
  std::string user_id;  // the sub claim, a lowercase UUID
  int64_t expires_at_ms = 0;
  // The clock readings at which this token passes the time checks: from accepted_from_ms
  // (nbf and iat less the leeway) until, excluding, accepted_until_ms (exp plus the leeway).
  int64_t accepted_from_ms = INT64_MIN;
  int64_t accepted_until_ms = 0;
};

class SupabaseTokenValidator {
 public:
  static constexpr std::size_t kMaxTokenBytes = 8192;
  static constexpr std::size_t kMinSecretBytes = 32;
  static constexpr int64_t kMaxLeewayS = 300;

  // Throws sdk::Error(MT5B_INVALID_ARGUMENT) for a policy it refuses: a secret shorter than
  // 32 bytes, an algorithm other than HS256, an empty audience or issuer, a leeway outside
  // 0..300 s.
  explicit SupabaseTokenValidator(TokenPolicy policy);
  ~SupabaseTokenValidator();
  SupabaseTokenValidator(const SupabaseTokenValidator&) = delete;
  SupabaseTokenValidator& operator=(const SupabaseTokenValidator&) = delete;

  // Returns the token's user, or throws sdk::Error(MT5B_UNAUTHENTICATED) with a reason that
  // never contains the token or the secret. Thread-safe: keeps no state between calls.
  VerifiedUser validate(std::string_view token, int64_t now_ms) const;

 private:
  void check_header(std::string_view segment) const;
  void check_signature(std::string_view signing_input, std::string_view signature_segment) const;
  VerifiedUser check_claims(std::string_view segment, int64_t now_ms) const;

  TokenPolicy policy_;
};

}  // namespace mt5b::auth_jwt

#endif  // MT5BRIDGE_AUTH_JWT_SUPABASE_TOKEN_VALIDATOR_HPP
