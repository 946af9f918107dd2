#include "supabase_jwt_auth.hpp"

#include "bearer_token.hpp"

#include <array>
#include <string>
#include <utility>

namespace mt5b::auth_jwt {
namespace {

constexpr std::array kOptions{
    sdk::option("hs256_secret", MT5B_OPT_STRING, MT5B_OPT_REQUIRED | MT5B_OPT_SECRET, nullptr,
                "The Supabase project's JWT secret (Project Settings > API > JWT Settings), "
                "used as-is; at least 32 bytes."),
    sdk::option("audience", MT5B_OPT_STRING, 0, "\"authenticated\"",
                "The audience (aud) tokens must include."),
    sdk::option("issuer", MT5B_OPT_STRING, 0, nullptr,
                "When set, the issuer (iss) tokens must carry, e.g. "
                "https://<project-ref>.supabase.co/auth/v1."),
    sdk::option("leeway_s", MT5B_OPT_INT, 0, "30",
                "Seconds of clock skew tolerated on exp, nbf and iat (0 to 300)."),
    sdk::option("algorithms", MT5B_OPT_STRING_LIST, 0, "[\"HS256\"]",
                "Accepted signing algorithms; only HS256 is supported."),
};

TokenPolicy policy_from(const sdk::Config& config) {
  TokenPolicy policy;
  policy.hs256_secret = config.string("hs256_secret");
  policy.audience = config.string("audience", policy.audience);
  if (config.has("issuer")) policy.issuer = config.string("issuer");
  policy.leeway_s = config.integer("leeway_s", policy.leeway_s);
  if (config.has("algorithms")) policy.algorithms = config.strings("algorithms");
  return policy;
}

}  // namespace

std::span<const mt5b_option> SupabaseJwtAuth::options() {
  return kOptions;
}

SupabaseJwtAuth::SupabaseJwtAuth(sdk::Host host, const sdk::Config& config)
    : host_(host), validator_(policy_from(config)) {
  host_.info("accepting Supabase HS256 access tokens for audience " +
             config.string("audience", "authenticated") +
             (config.has("issuer") ? " from issuer " + config.string("issuer") : std::string()));
}

std::optional<sdk::Principal> SupabaseJwtAuth::authenticate(const mt5b_http_request& request) {
  const std::optional<std::string_view> token = find_bearer_token(request);
  if (!token) return std::nullopt;
  const int64_t now_ms = host_.now_unix_ms();
  std::optional<VerifiedUser> user = verified_.find(*token, now_ms);
  if (!user) {
    user = validator_.validate(*token, now_ms);  // throws the reason of a refusal
    verified_.remember(*token, *user, now_ms);
  }
  sdk::Principal principal;
  principal.kind = MT5B_PRINCIPAL_USER;
  principal.subject = std::move(user->user_id);
  principal.role = "authenticated";
  principal.expires_at_ms = user->expires_at_ms;
  return principal;
}

}  // namespace mt5b::auth_jwt
