// auth-jwt: authenticates end users by their Supabase Auth access token (Bearer, HS256).
#ifndef MT5BRIDGE_AUTH_JWT_SUPABASE_JWT_AUTH_HPP
#define MT5BRIDGE_AUTH_JWT_SUPABASE_JWT_AUTH_HPP

#include "supabase_token_validator.hpp"
#include "verified_token_cache.hpp"

#include <mt5bridge/sdk.hpp>

#include <optional>
#include <span>

namespace mt5b::auth_jwt {

class SupabaseJwtAuth final : public sdk::AuthPlugin {
 public:
  static constexpr const char* kName = "auth-jwt";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr const char* kDescription =
      "Authenticates users by the Supabase access token (HS256 JWT) in Authorization: Bearer.";

  static std::span<const mt5b_option> options();

  SupabaseJwtAuth(sdk::Host host, const sdk::Config& config);

  std::optional<sdk::Principal> authenticate(const mt5b_http_request& request) override;

 private:
  sdk::Host host_;  // its clock, so tests can drive time
  SupabaseTokenValidator validator_;
  VerifiedTokenCache verified_;
};

}  // namespace mt5b::auth_jwt

#endif  // MT5BRIDGE_AUTH_JWT_SUPABASE_JWT_AUTH_HPP
