#include "supabase_token_validator.hpp"

#include "asymmetric_signature.hpp"
#include "base64url.hpp"
#include "jwk_set.hpp"
#include "strict_json.hpp"

#include <mt5bridge/sdk.hpp>
#include <mt5bridge/secrets.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace mt5b::auth_jwt {
namespace {

constexpr std::size_t kSha256Bytes = 32;
// 9999-12-31T23:59:59Z: later "dates" are garbage, and refusing them keeps the ms arithmetic
// far from overflow.
constexpr int64_t kLatestNumericDateS = 253402300799;
constexpr const char* kSendAccessToken = "send the signed-in user's Supabase access token";

[[noreturn]] void refuse(const std::string& reason) {
  throw sdk::Error(MT5B_UNAUTHENTICATED, reason);
}

[[noreturn]] void refuse_policy(const std::string& reason) {
  throw sdk::Error(MT5B_INVALID_ARGUMENT, reason);
}

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

std::string_view string_of(const rapidjson::Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

// An algorithm name fit to quote in a reason; anything odd is not echoed back into logs.
std::string quotable_algorithm(std::string_view name) {
  const bool plain =
      !name.empty() && name.size() <= 16 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '+';
      });
  return plain ? std::string(name) : std::string("an unsupported algorithm");
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// 8-4-4-4-12 hex digits, the form of Supabase's auth.users ids.
bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? s[i] != '-' : !is_hex(s[i])) return false;
  }
  return true;
}

// A NumericDate (RFC 7519 section 2: seconds, possibly fractional) in milliseconds.
std::optional<int64_t> numeric_date_ms(const rapidjson::Value& v) {
  if (v.IsInt64()) {
    const int64_t seconds = v.GetInt64();
    if (seconds < 0 || seconds > kLatestNumericDateS) return std::nullopt;
    return seconds * 1000;
  }
  if (v.IsDouble()) {
    const double seconds = v.GetDouble();
    if (!(seconds >= 0 && seconds <= static_cast<double>(kLatestNumericDateS))) return std::nullopt;
    return static_cast<int64_t>(std::floor(seconds * 1000.0));
  }
  return std::nullopt;
}

const rapidjson::Value* find_member(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// The NumericDate claim `name` in ms, nullopt when absent; refuses a wrong type.
std::optional<int64_t> time_claim_ms(const rapidjson::Value& payload, const char* name) {
  const rapidjson::Value* claim = find_member(payload, name);
  if (claim == nullptr) return std::nullopt;
  std::optional<int64_t> ms = numeric_date_ms(*claim);
  if (!ms)
    refuse(std::string("the token's ") + name + " claim is not a number of seconds since 1970; " +
           kSendAccessToken);
  return ms;
}

bool audience_includes(const rapidjson::Value& aud, std::string_view wanted) {
  if (aud.IsString()) return string_of(aud) == wanted;
  if (!aud.IsArray())
    refuse(std::string("the token's aud claim is neither a string nor a list of strings; ") +
           kSendAccessToken);
  bool found = false;
  for (const auto& entry : aud.GetArray()) {
    if (!entry.IsString())
      refuse(std::string("the token's aud claim is a list with a non-string entry; ") +
             kSendAccessToken);
    found = found || string_of(entry) == wanted;
  }
  return found;
}

}  // namespace

std::string SupabaseTokenValidator::accepted_algorithms() const {
  std::string out;
  for (const std::string& algorithm : policy_.algorithms) {
    const bool usable = algorithm == "HS256" ? !policy_.hs256_secret.empty() : bool(find_key_);
    if (usable) out += (out.empty() ? "" : ", ") + algorithm;
  }
  return out;
}

SupabaseTokenValidator::SupabaseTokenValidator(TokenPolicy policy, KeyFinder find_key)
    : policy_(std::move(policy)), find_key_(std::move(find_key)) {
  constexpr const char* kWhereSecretIs =
      "copy the JWT secret from the Supabase dashboard (Project Settings > API > JWT Settings)";
  if (policy_.hs256_secret.empty() && !find_key_)
    refuse_policy(std::string("neither hs256_secret nor jwks_url/jwks_file is set; set jwks_url to "
                              "https://<project-ref>.supabase.co/auth/v1/.well-known/jwks.json, "
                              "or ") +
                  kWhereSecretIs + " into hs256_secret");
  if (!policy_.hs256_secret.empty() && policy_.hs256_secret.size() < kMinSecretBytes)
    refuse_policy("hs256_secret is shorter than " + std::to_string(kMinSecretBytes) +
                  " bytes, too short for HMAC-SHA256; " + kWhereSecretIs);
  if (policy_.algorithms.empty())
    refuse_policy("algorithms is empty; list HS256, ES256 and/or RS256 (or leave algorithms out)");
  for (const std::string& algorithm : policy_.algorithms)
    if (algorithm != "HS256" && algorithm != "ES256" && algorithm != "RS256")
      refuse_policy("algorithms lists " + quotable_algorithm(algorithm) +
                    ", but only HS256, ES256 and RS256 are supported (Supabase signs access "
                    "tokens with one of them); list only those");
  if (policy_.audience.empty())
    refuse_policy("audience is empty; leave it out to use Supabase's \"authenticated\"");
  if (policy_.issuer && policy_.issuer->empty())
    refuse_policy(
        "issuer is empty; leave it out, or set it to https://<project-ref>.supabase.co/auth/v1");
  if (policy_.leeway_s < 0 || policy_.leeway_s > kMaxLeewayS)
    refuse_policy("leeway_s must be between 0 and " + std::to_string(kMaxLeewayS) +
                  " seconds; 30 covers ordinary clock skew");
}

SupabaseTokenValidator::~SupabaseTokenValidator() {
  OPENSSL_cleanse(policy_.hs256_secret.data(), policy_.hs256_secret.size());
}

VerifiedUser SupabaseTokenValidator::validate(std::string_view token, int64_t now_ms) const {
  if (token.size() > kMaxTokenBytes)
    refuse("the bearer token is longer than " + std::to_string(kMaxTokenBytes) + " bytes; " +
           kSendAccessToken);
  const std::size_t first_dot = token.find('.');
  const std::size_t second_dot =
      first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos ||
      token.find('.', second_dot + 1) != std::string_view::npos)
    refuse(std::string("the bearer token is not a JWT: it must have exactly three "
                       "dot-separated parts; ") +
           kSendAccessToken);

  // The header decides how to verify, so it is checked first; claims are read only once the
  // signature proves the payload came from Supabase.
  const SigningFacts facts = check_header(token.substr(0, first_dot));
  check_signature(facts, token.substr(0, second_dot), token.substr(second_dot + 1));
  return check_claims(token.substr(first_dot + 1, second_dot - first_dot - 1), now_ms);
}

SupabaseTokenValidator::SigningFacts SupabaseTokenValidator::check_header(
    std::string_view segment) const {
  const std::optional<std::string> json = decode_base64url(segment);
  if (!json) refuse(std::string("the token's header is not base64url; ") + kSendAccessToken);
  rapidjson::Document header;
  if (const char* problem = parse_strict_json_object(*json, header))
    refuse(std::string("the token's header ") + problem + "; " + kSendAccessToken);

  const rapidjson::Value* alg = find_member(header, "alg");
  if (alg == nullptr || !alg->IsString())
    refuse(std::string("the token's header names no signing algorithm (alg); ") + kSendAccessToken);
  const std::string_view algorithm = string_of(*alg);
  if (equals_ignoring_case(algorithm, "none"))
    refuse(std::string("the token is unsigned (alg none); ") + kSendAccessToken);
  // Algorithm names are case-sensitive (RFC 7518), so "hs256" is not HS256.
  if (std::find(policy_.algorithms.begin(), policy_.algorithms.end(), algorithm) ==
      policy_.algorithms.end())
    refuse("the token is signed with " + quotable_algorithm(algorithm) + ", but only " +
           accepted_algorithms() +
           " is accepted; send an access token from the Supabase project configured here");
  // Each algorithm is verified only with its own kind of key: an HS256 token is checked
  // against the configured secret and never against a public key (the classic confusion).
  if (algorithm == "HS256" && policy_.hs256_secret.empty())
    refuse(
        "the token is signed with HS256, but no hs256_secret is configured here; send an "
        "access token signed with the project's current (asymmetric) signing key");
  if (algorithm != "HS256" && !find_key_)
    refuse("the token is signed with " + std::string(algorithm) +
           ", but no jwks_url or jwks_file is configured here; send an access token signed with "
           "the project's JWT secret");
  SigningFacts facts;
  facts.algorithm = std::string(algorithm);
  if (const rapidjson::Value* kid = find_member(header, "kid"); kid != nullptr) {
    if (!kid->IsString())
      refuse(std::string("the token's key id (kid) is not a string; ") + kSendAccessToken);
    facts.kid = std::string(string_of(*kid));
  }

  if (const rapidjson::Value* typ = find_member(header, "typ");
      typ != nullptr && !(typ->IsString() && equals_ignoring_case(string_of(*typ), "JWT")))
    refuse(std::string("the token's header says it is not a JWT (typ); ") + kSendAccessToken);
  // RFC 7515 section 4.1.11: extensions listed in crit must be understood; we know none.
  if (find_member(header, "crit") != nullptr)
    refuse(std::string("the token's header lists critical extensions (crit) this server does "
                       "not support; ") +
           kSendAccessToken);
  return facts;
}

void SupabaseTokenValidator::check_signature(const SigningFacts& facts,
                                             std::string_view signing_input,
                                             std::string_view signature_segment) const {
  if (signature_segment.empty())
    refuse(std::string("the token has no signature; ") + kSendAccessToken);
  const std::optional<std::string> signature = decode_base64url(signature_segment);
  if (!signature)
    refuse(std::string("the token's signature is not base64url; ") + kSendAccessToken);
  if (facts.algorithm == "HS256")
    check_hmac(signing_input, *signature);
  else
    check_public_key_signature(facts, signing_input, *signature);
}

void SupabaseTokenValidator::check_public_key_signature(const SigningFacts& facts,
                                                        std::string_view signing_input,
                                                        const std::string& signature) const {
  if (facts.kid.empty())
    refuse("the token is signed with " + facts.algorithm + " but its header names no key (kid); " +
           kSendAccessToken);
  const std::shared_ptr<const VerificationKey> key = find_key_(facts.kid);
  // The kid is the client's text: it is not repeated into the reason (and so into logs).
  if (!key)
    refuse(
        "the token names a signing key (kid) that the project's JWKS does not hold; send a "
        "token from the Supabase project configured here, or retry if its keys were just "
        "rotated");
  if (!key->allows(facts.algorithm))
    refuse("the token is signed with " + facts.algorithm + ", but the key it names verifies only " +
           key->algorithms.front() + "; " + kSendAccessToken);
  if (!verify_asymmetric_signature(*key, facts.algorithm, signing_input, signature))
    refuse(
        "the token's signature does not match: it was not signed by the key it names, or it "
        "was altered; " +
        std::string(kSendAccessToken));
}

void SupabaseTokenValidator::check_hmac(std::string_view signing_input,
                                        const std::string& signature) const {
  std::array<unsigned char, EVP_MAX_MD_SIZE> expected{};
  unsigned int expected_size = 0;
  if (HMAC(EVP_sha256(), policy_.hs256_secret.data(), static_cast<int>(policy_.hs256_secret.size()),
           reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(),
           expected.data(), &expected_size) == nullptr ||
      expected_size != kSha256Bytes)
    throw sdk::Error(MT5B_FAILED, "OpenSSL could not compute HMAC-SHA256");
  // The length is public (HS256 is always 32 bytes); the bytes are compared in constant time.
  const bool matches = signature.size() == kSha256Bytes &&
                       sdk::constant_time_equal(signature.data(), expected.data(), kSha256Bytes);
  OPENSSL_cleanse(expected.data(), expected.size());
  if (!matches)
    refuse(
        "the token's signature does not match: it was not issued by the Supabase project "
        "whose JWT secret is configured here, or it was altered; " +
        std::string(kSendAccessToken));
}

VerifiedUser SupabaseTokenValidator::check_claims(std::string_view segment, int64_t now_ms) const {
  const std::optional<std::string> json = decode_base64url(segment);
  if (!json) refuse(std::string("the token's payload is not base64url; ") + kSendAccessToken);
  rapidjson::Document payload;
  if (const char* problem = parse_strict_json_object(*json, payload))
    refuse(std::string("the token's payload ") + problem + "; " + kSendAccessToken);

  // Supabase's anon and service_role keys are JWTs signed with the same secret; only the role
  // tells them apart from a user's token.
  const rapidjson::Value* role = find_member(payload, "role");
  if (role != nullptr && role->IsString() &&
      (string_of(*role) == "anon" || string_of(*role) == "service_role"))
    refuse(std::string("the token is a Supabase anon or service_role key, not a user's access "
                       "token; ") +
           kSendAccessToken);
  if (role == nullptr || !role->IsString() || string_of(*role) != "authenticated")
    refuse(std::string("the token's role claim is not \"authenticated\"; ") + kSendAccessToken);

  const rapidjson::Value* sub = find_member(payload, "sub");
  if (sub == nullptr || !sub->IsString() || !is_uuid(string_of(*sub)))
    refuse(std::string("the token's sub claim is missing or not a user id (UUID); ") +
           kSendAccessToken);

  const rapidjson::Value* aud = find_member(payload, "aud");
  if (aud == nullptr || !audience_includes(*aud, policy_.audience))
    refuse("the token's audience (aud) does not include \"" + policy_.audience +
           "\"; it was issued for another audience");

  const rapidjson::Value* iss = find_member(payload, "iss");
  if (iss != nullptr && !iss->IsString())
    refuse(std::string("the token's iss claim is not a string; ") + kSendAccessToken);
  if (policy_.issuer && (iss == nullptr || string_of(*iss) != *policy_.issuer))
    refuse("the token's issuer (iss) is not " + *policy_.issuer +
           "; check that issuer in this plugin's config names the Supabase project that signs "
           "the tokens");

  const int64_t leeway_ms = policy_.leeway_s * 1000;
  const std::optional<int64_t> exp_ms = time_claim_ms(payload, "exp");
  if (!exp_ms)
    refuse(std::string("the token has no expiry (exp), which every Supabase access token "
                       "carries; ") +
           kSendAccessToken);
  if (now_ms >= *exp_ms + leeway_ms)
    refuse("the token has expired; refresh the Supabase session and send the new access token");
  VerifiedUser user;
  user.accepted_until_ms = *exp_ms + leeway_ms;
  if (const std::optional<int64_t> nbf_ms = time_claim_ms(payload, "nbf")) {
    if (*nbf_ms > now_ms + leeway_ms)
      refuse(
          "the token is not valid yet (nbf is in the future); check that this server's clock is "
          "right");
    user.accepted_from_ms = std::max(user.accepted_from_ms, *nbf_ms - leeway_ms);
  }
  if (const std::optional<int64_t> iat_ms = time_claim_ms(payload, "iat")) {
    if (*iat_ms > now_ms + leeway_ms)
      refuse("the token was issued in the future (iat); check that this server's clock is right");
    user.accepted_from_ms = std::max(user.accepted_from_ms, *iat_ms - leeway_ms);
  }

  user.user_id = string_of(*sub);
  std::transform(user.user_id.begin(), user.user_id.end(), user.user_id.begin(), ascii_lower);
  user.expires_at_ms = *exp_ms;
  return user;
}

}  // namespace mt5b::auth_jwt
