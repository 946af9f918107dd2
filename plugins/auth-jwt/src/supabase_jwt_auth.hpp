// auth-jwt: authenticates end users by their Supabase Auth access token (Bearer; HS256 with
// the legacy secret, ES256/RS256 with the keys of the project's JWKS).
#ifndef MT5BRIDGE_AUTH_JWT_SUPABASE_JWT_AUTH_HPP
#define MT5BRIDGE_AUTH_JWT_SUPABASE_JWT_AUTH_HPP

#include "jwks_key_store.hpp"
#include "supabase_token_validator.hpp"
#include "verified_token_cache.hpp"

#include <mt5bridge/sdk.hpp>

#include <memory>
#include <optional>
#include <span>

namespace mt5b::auth_jwt {

class SupabaseJwtAuth final : public sdk::AuthPlugin {
 public:
  static constexpr const char* kName = "auth-jwt";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr const char* kDescription =
      "Authenticates users by the Supabase access token (HS256, ES256 or RS256 JWT) in "
      "Authorization: Bearer.";

  static std::span<const mt5b_option> options();

  SupabaseJwtAuth(sdk::Host host, const sdk::Config& config);

  std::optional<sdk::Principal> authenticate(const mt5b_http_request& request) override;

 private:
  SupabaseJwtAuth(sdk::Host host, const sdk::Config& config, TokenPolicy policy);

  sdk::Host host_;                      // its clock, so tests can drive time
  std::unique_ptr<JwksKeyStore> keys_;  // null without jwks_url/jwks_file; outlives validator_
  SupabaseTokenValidator validator_;
  VerifiedTokenCache verified_;
};

}  // namespace mt5b::auth_jwt

#endif  // MT5BRIDGE_AUTH_JWT_SUPABASE_JWT_AUTH_HPP
