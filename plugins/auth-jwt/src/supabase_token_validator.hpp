// Validates Supabase Auth access tokens: HS256 JWTs signed with the project's legacy JWT
// secret, and ES256/RS256 JWTs signed with the project's asymmetric keys (named by kid).
#ifndef MT5BRIDGE_AUTH_JWT_SUPABASE_TOKEN_VALIDATOR_HPP
#define MT5BRIDGE_AUTH_JWT_SUPABASE_TOKEN_VALIDATOR_HPP

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mt5b::auth_jwt {

struct VerificationKey;

// The public key a kid names (see JwksKeyStore::find), or nullptr.
using KeyFinder = std::function<std::shared_ptr<const VerificationKey>(std::string_view kid)>;

// What a token must satisfy, as configured.
struct TokenPolicy {
  // The legacy JWT secret's text, used as-is as the HMAC key (as Supabase does); empty when
  // the project signs only with asymmetric keys.
  std::string hs256_secret;
  std::string audience = "authenticated";
  std::optional<std::string> issuer;  // checked only when set
  int64_t leeway_s = 30;              // clock skew tolerated on exp, nbf and iat
  std::vector<std::string> algorithms{"HS256", "ES256", "RS256"};
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

  // Throws sdk::Error(MT5B_INVALID_ARGUMENT) for a policy it refuses: neither a secret nor
  // keys, a secret shorter than 32 bytes, an algorithm other than HS256, ES256 and RS256, an
  // empty audience or issuer, a leeway outside 0..300 s. `find_key` (may be empty) looks up
  // the public keys ES256 and RS256 tokens name by kid.
  explicit SupabaseTokenValidator(TokenPolicy policy, KeyFinder find_key = {});
  ~SupabaseTokenValidator();
  SupabaseTokenValidator(const SupabaseTokenValidator&) = delete;
  SupabaseTokenValidator& operator=(const SupabaseTokenValidator&) = delete;

  // Returns the token's user, or throws sdk::Error(MT5B_UNAUTHENTICATED) with a reason that
  // never contains the token or the secret. Thread-safe: keeps no state between calls.
  VerifiedUser validate(std::string_view token, int64_t now_ms) const;

 private:
  std::string accepted_algorithms() const;  // those listed that have their key configured
  struct SigningFacts {
    std::string algorithm;
    std::string kid;  // empty when the header names none
  };
  SigningFacts check_header(std::string_view segment) const;
  void check_signature(const SigningFacts& facts, std::string_view signing_input,
                       std::string_view signature_segment) const;
  void check_hmac(std::string_view signing_input, const std::string& signature) const;
  void check_public_key_signature(const SigningFacts& facts, std::string_view signing_input,
                                  const std::string& signature) const;
  VerifiedUser check_claims(std::string_view segment, int64_t now_ms) const;

  TokenPolicy policy_;
  KeyFinder find_key_;
};

}  // namespace mt5b::auth_jwt

#endif  // MT5BRIDGE_AUTH_JWT_SUPABASE_TOKEN_VALIDATOR_HPP
