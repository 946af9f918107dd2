#include "supabase_jwt_auth.hpp"

#include "bearer_token.hpp"
#include "jwks_file.hpp"
#include "jwks_http_fetch.hpp"

#include <array>
#include <string>
#include <utility>

namespace mt5b::auth_jwt {
namespace {

constexpr std::array kOptions{
    sdk::option("hs256_secret", MT5B_OPT_STRING, MT5B_OPT_SECRET, nullptr,
                "The Supabase project's legacy JWT secret (Project Settings > API > JWT Settings), "
                "used as-is; at least 32 bytes. Needed unless jwks_url or jwks_file is set."),
    sdk::option("audience", MT5B_OPT_STRING, 0, "\"authenticated\"",
                "The audience (aud) tokens must include."),
    sdk::option("issuer", MT5B_OPT_STRING, 0, nullptr,
                "When set, the issuer (iss) tokens must carry, e.g. "
                "https://<project-ref>.supabase.co/auth/v1."),
    sdk::option("leeway_s", MT5B_OPT_INT, 0, "30",
                "Seconds of clock skew tolerated on exp, nbf and iat (0 to 300)."),
    sdk::option("algorithms", MT5B_OPT_STRING_LIST, 0, "[\"HS256\", \"ES256\", \"RS256\"]",
                "Accepted signing algorithms (HS256, ES256, RS256); each is used only when its "
                "key is configured (HS256: hs256_secret; ES256, RS256: the JWKS)."),
    sdk::option("jwks_url", MT5B_OPT_STRING, 0, nullptr,
                "URL of the project's public signing keys, "
                "https://<project-ref>.supabase.co/auth/v1/.well-known/jwks.json; fetched in "
                "the background, never on a request."),
    sdk::option("jwks_file", MT5B_OPT_STRING, 0, nullptr,
                "Path of a JWKS file to read the public signing keys from instead of jwks_url."),
    sdk::option("jwks_refresh_s", MT5B_OPT_INT, 0, "600",
                "Seconds between scheduled JWKS refreshes (60 to 86400)."),
    sdk::option("jwks_min_refresh_s", MT5B_OPT_INT, 0, "30",
                "A token naming an unknown kid starts a refresh at most once per this many "
                "seconds (1 to 3600)."),
    sdk::option("jwks_timeout_ms", MT5B_OPT_INT, 0, "5000",
                "Deadline of one JWKS fetch, and the longest a request with an unknown kid "
                "waits for a refresh already under way (100 to 30000)."),
    sdk::option("jwks_max_bytes", MT5B_OPT_INT, 0, "262144",
                "Largest JWKS document accepted, in bytes (1024 to 1048576)."),
};

int64_t bounded(const sdk::Config& config, const char* name, int64_t fallback, int64_t low,
                int64_t high) {
  const int64_t value = config.integer(name, fallback);
  if (value < low || value > high)
    throw sdk::Error(MT5B_INVALID_ARGUMENT, std::string(name) + " must be between " +
                                                std::to_string(low) + " and " +
                                                std::to_string(high));
  return value;
}

TokenPolicy policy_from(const sdk::Config& config) {
  TokenPolicy policy;
  policy.hs256_secret = config.string("hs256_secret");
  policy.audience = config.string("audience", policy.audience);
  if (config.has("issuer")) policy.issuer = config.string("issuer");
  policy.leeway_s = config.integer("leeway_s", policy.leeway_s);
  if (config.has("algorithms")) policy.algorithms = config.strings("algorithms");
  return policy;
}

// The JWKS source the config names, or nullptr when it names none.
std::unique_ptr<JwksKeyStore> key_store_from(const sdk::Config& config, const TokenPolicy& policy,
                                             sdk::Host host) {
  // Empty counts as unset, so a config can say jwks_url: "${SUPABASE_JWKS_URL:-}".
  const bool from_url = !config.string("jwks_url").empty();
  const bool from_file = !config.string("jwks_file").empty();
  if (from_url && from_file)
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "jwks_url and jwks_file are both set; keep the one the keys come from");
  if (!from_url && !from_file) return nullptr;
  JwksRefreshPolicy refresh;
  refresh.refresh_interval =
      std::chrono::seconds(bounded(config, "jwks_refresh_s", 600, 60, 86400));
  refresh.min_refresh_interval =
      std::chrono::seconds(bounded(config, "jwks_min_refresh_s", 30, 1, 3600));
  FetchLimits limits;
  limits.timeout = std::chrono::milliseconds(bounded(config, "jwks_timeout_ms", 5000, 100, 30000));
  limits.max_bytes = static_cast<std::size_t>(
      bounded(config, "jwks_max_bytes", 262144, 1024, JwkSet::kMaxDocumentBytes));
  refresh.unknown_kid_wait = limits.timeout;
  refresh.algorithms.clear();
  for (const std::string& algorithm : policy.algorithms)
    if (algorithm != "HS256") refresh.algorithms.push_back(algorithm);

  JwksKeyStore::Loader loader;
  if (from_url) {
    const std::string url = config.string("jwks_url");
    check_jwks_url(url);
    if (url.rfind("http://", 0) == 0)
      host.warn("jwks_url is plain http: anyone on the path can swap the signing keys; use https");
    loader = [url, limits] { return fetch_jwks_document(url, limits); };
  } else {
    loader = [path = config.string("jwks_file"), limits] {
      return read_jwks_file(path, limits.max_bytes);
    };
  }
  auto log = [host](bool warn, const std::string& line) {
    warn ? host.warn(line) : host.info(line);
  };
  // A file the operator names must be right at start-up; a URL may be briefly unreachable.
  return std::make_unique<JwksKeyStore>(std::move(loader), std::move(refresh), std::move(log),
                                        from_file);
}

KeyFinder finder_of(JwksKeyStore* store) {
  if (store == nullptr) return {};
  return [store](std::string_view kid) { return store->find(kid); };
}

}  // namespace

std::span<const mt5b_option> SupabaseJwtAuth::options() {
  return kOptions;
}

SupabaseJwtAuth::SupabaseJwtAuth(sdk::Host host, const sdk::Config& config)
    : SupabaseJwtAuth(host, config, policy_from(config)) {}

SupabaseJwtAuth::SupabaseJwtAuth(sdk::Host host, const sdk::Config& config, TokenPolicy policy)
    : host_(host),
      keys_(key_store_from(config, policy, host)),
      validator_(std::move(policy), finder_of(keys_.get())) {
  host_.info("accepting Supabase access tokens for audience " +
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
