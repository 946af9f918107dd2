// Specification of auth-jwt: which Supabase tokens pass, and the attacks that must not.
#include "supabase_jwt_auth.hpp"
#include "verified_token_cache.hpp"

#include "token_minting.hpp"

#include <mt5bridge/testing.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mt5b::auth_jwt {
namespace {

using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Not;
using token_minting::base64url_encode;
using token_minting::mint;

// The Supabase CLI's well-known local secret; failure messages never print it (see redact).
const std::string kSecret = "super-secret-jwt-token-with-at-least-32-characters-long";
const std::string kOtherSecret = "another-projects-jwt-secret-0123456789abcdef";
const std::string kUserId = "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const std::string kIssuer = "https://abcdefghijklmnop.supabase.co/auth/v1";
const std::string kHs256Header = R"({"alg":"HS256","typ":"JWT"})";
constexpr int64_t kNowS = 1'700'000'000;

// Claim name -> raw JSON value; std::nullopt removes the claim.
using ClaimEdits = std::vector<std::pair<std::string, std::optional<std::string>>>;

std::string quoted(const std::string& s) {
  return "\"" + s + "\"";
}

// The payload of a Supabase access token for kUserId, valid for an hour from kNowS.
std::string payload(const ClaimEdits& edits = {}) {
  std::map<std::string, std::string> claims = {
      {"aal", quoted("aal1")},
      {"aud", quoted("authenticated")},
      {"email", quoted("trader@example.com")},
      {"exp", std::to_string(kNowS + 3600)},
      {"iat", std::to_string(kNowS - 60)},
      {"is_anonymous", "false"},
      {"iss", quoted(kIssuer)},
      {"role", quoted("authenticated")},
      {"session_id", quoted("0b6a3f7e-93c4-4c5e-a1d2-3e4f5a6b7c8d")},
      {"sub", quoted(kUserId)},
  };
  for (const auto& [name, value] : edits) {
    if (value)
      claims[name] = *value;
    else
      claims.erase(name);
  }
  std::string json = "{";
  for (const auto& [name, value] : claims)
    json += (json.size() > 1 ? "," : "") + quoted(name) + ":" + value;
  return json + "}";
}

std::string valid_token(const ClaimEdits& edits = {}) {
  return mint(kHs256Header, payload(edits), kSecret);
}

// The token without its signature, followed by `signature_segment`.
std::string with_signature(const std::string& token, const std::string& signature_segment) {
  return token.substr(0, token.rfind('.') + 1) + signature_segment;
}

// A request that owns its header strings.
class Request {
 public:
  Request(std::initializer_list<std::pair<std::string, std::string>> headers) : texts_(headers) {
    for (const auto& [name, value] : texts_) headers_.push_back({sdk::str(name), sdk::str(value)});
    request_ = sdk::make<mt5b_http_request>();
    request_.method = sdk::str("GET");
    request_.path = sdk::str("/api/mt5/accounts");
    request_.headers = headers_.data();
    request_.header_count = static_cast<uint32_t>(headers_.size());
  }
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;
  const mt5b_http_request& get() const { return request_; }

 private:
  std::vector<std::pair<std::string, std::string>> texts_;
  std::vector<mt5b_header> headers_;
  mt5b_http_request request_;
};

class SupabaseJwtAuthTest : public ::testing::Test {
 protected:
  SupabaseJwtAuthTest() { host_.set_now_ms(kNowS * 1000); }
  void TearDown() override {
    EXPECT_FALSE(leaked_) << "a refusal reason contained a token or the secret";
    leaked_ = false;
    for (const auto& line : host_.logs()) redact(line.message);
    EXPECT_FALSE(leaked_) << "a log line contained a token or the secret";
  }

  // `text` with every secret and token seen so far replaced, noting any it contained.
  std::string redact(std::string text) {
    for (const std::string& secret : secrets_) {
      if (secret.empty()) continue;
      for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret)) {
        text.replace(at, secret.size(), "[REDACTED]");
        leaked_ = true;
      }
    }
    return text;
  }

  // What `auth` answers to `request`: "<accepted>", "<not found>", or the refusal reason.
  std::string verdict(SupabaseJwtAuth& auth, const Request& request) {
    try {
      return auth.authenticate(request.get()) ? "<accepted>" : "<not found>";
    } catch (const sdk::Error& e) {
      EXPECT_EQ(e.status(), MT5B_UNAUTHENTICATED);
      return redact(e.what());
    }
  }
  std::string verdict(const std::string& token) { return verdict(auth_, bearer(token)); }
  std::string verdict_with(SupabaseJwtAuth& auth, const std::string& token) {
    return verdict(auth, bearer(token));
  }

  Request bearer(const std::string& token) {
    secrets_.push_back(token);
    if (auto dot = token.rfind('.'); dot != std::string::npos && dot + 1 < token.size())
      secrets_.push_back(token.substr(dot + 1));  // the signature alone
    return Request{{"Authorization", "Bearer " + token}};
  }

  std::unique_ptr<SupabaseJwtAuth> make_auth(const std::string& extra_options) {
    return std::make_unique<SupabaseJwtAuth>(
        host_.host(), sdk::Config(R"({"hs256_secret":")" + kSecret + "\"" + extra_options + "}"));
  }

  sdk::testing::FakeHost host_;
  std::vector<std::string> secrets_{kSecret, kOtherSecret};
  bool leaked_ = false;
  SupabaseJwtAuth auth_{host_.host(), sdk::Config(R"({"hs256_secret":")" + kSecret + "\"}")};
};

// ---- valid tokens ----

TEST_F(SupabaseJwtAuthTest, accepts_a_valid_supabase_access_token) {
  Request request = bearer(valid_token());
  auto principal = auth_.authenticate(request.get());
  ASSERT_TRUE(principal.has_value());
  EXPECT_EQ(principal->kind, MT5B_PRINCIPAL_USER);
  EXPECT_EQ(principal->subject, kUserId);
  EXPECT_EQ(principal->role, "authenticated");
  EXPECT_EQ(principal->expires_at_ms, (kNowS + 3600) * 1000);
}

TEST_F(SupabaseJwtAuthTest, lowercases_the_subject) {
  Request request = bearer(valid_token({{"sub", quoted("6F1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D")}}));
  auto principal = auth_.authenticate(request.get());
  ASSERT_TRUE(principal.has_value());
  EXPECT_EQ(principal->subject, kUserId);
}

TEST_F(SupabaseJwtAuthTest, accepts_a_header_with_a_kid_and_no_typ) {
  EXPECT_EQ(verdict(mint(R"({"alg":"HS256","kid":"k1"})", payload(), kSecret)), "<accepted>");
}

TEST_F(SupabaseJwtAuthTest, accepts_fractional_numeric_dates) {
  EXPECT_EQ(verdict(valid_token({{"exp", std::to_string(kNowS + 10) + ".5"}})), "<accepted>");
}

// ---- algorithm attacks ----

TEST_F(SupabaseJwtAuthTest, rejects_token_with_alg_none_in_any_case) {
  for (const char* alg : {"none", "None", "NONE", "nOnE"}) {
    const std::string header = R"({"alg":")" + std::string(alg) + R"(","typ":"JWT"})";
    const std::string unsigned_token =
        base64url_encode(header) + "." + base64url_encode(payload()) + ".";
    EXPECT_THAT(verdict(unsigned_token), HasSubstr("unsigned (alg none)")) << alg;
    // Even carrying a genuine HS256 signature, the header's claim of "none" is refused.
    EXPECT_THAT(verdict(mint(header, payload(), kSecret)), HasSubstr("unsigned (alg none)")) << alg;
  }
}

TEST_F(SupabaseJwtAuthTest, rejects_token_with_alg_hs384) {
  const std::string token =
      mint(R"({"alg":"HS384","typ":"JWT"})", payload(), kSecret, EVP_sha384());
  EXPECT_THAT(verdict(token), HasSubstr("signed with HS384, but only HS256 is accepted"));
}

TEST_F(SupabaseJwtAuthTest, rejects_token_with_alg_rs256_even_when_hmac_signed) {
  // The key-confusion attack: an RS256 header over an HMAC made with a key the verifier holds.
  // Configured with a secret only, RS256 has no key to verify with.
  const std::string token = mint(R"({"alg":"RS256","typ":"JWT"})", payload(), kSecret);
  EXPECT_THAT(verdict(token), HasSubstr("signed with RS256, but no jwks_url or jwks_file"));
}

TEST_F(SupabaseJwtAuthTest, rejects_alg_names_in_the_wrong_case) {
  EXPECT_THAT(verdict(mint(R"({"alg":"hs256"})", payload(), kSecret)), HasSubstr("only HS256"));
}

TEST_F(SupabaseJwtAuthTest, rejects_a_header_without_alg) {
  EXPECT_THAT(verdict(mint(R"({"typ":"JWT"})", payload(), kSecret)), HasSubstr("(alg)"));
  EXPECT_THAT(verdict(mint(R"({"alg":256})", payload(), kSecret)), HasSubstr("(alg)"));
}

TEST_F(SupabaseJwtAuthTest, rejects_a_header_with_critical_extensions) {
  const std::string token =
      mint(R"({"alg":"HS256","crit":["b64"],"b64":false})", payload(), kSecret);
  EXPECT_THAT(verdict(token), HasSubstr("critical extensions"));
}

TEST_F(SupabaseJwtAuthTest, rejects_a_header_whose_typ_is_not_jwt) {
  EXPECT_THAT(verdict(mint(R"({"alg":"HS256","typ":"JWE"})", payload(), kSecret)),
              HasSubstr("not a JWT (typ)"));
}

TEST_F(SupabaseJwtAuthTest, rejects_a_header_that_repeats_alg) {
  const std::string token = mint(R"({"alg":"none","alg":"HS256"})", payload(), kSecret);
  EXPECT_THAT(verdict(token), HasSubstr("header repeats a member name"));
}

// ---- signature attacks ----

TEST_F(SupabaseJwtAuthTest, rejects_signature_made_with_another_secret) {
  EXPECT_THAT(verdict(mint(kHs256Header, payload(), kOtherSecret)),
              HasSubstr("signature does not match"));
}

TEST_F(SupabaseJwtAuthTest, rejects_tampered_payload) {
  const std::string genuine = valid_token();
  const std::string forged_payload =
      base64url_encode(payload({{"sub", quoted("00000000-0000-4000-8000-000000000001")}}));
  const std::size_t first_dot = genuine.find('.');
  const std::size_t second_dot = genuine.find('.', first_dot + 1);
  const std::string tampered =
      genuine.substr(0, first_dot + 1) + forged_payload + genuine.substr(second_dot);
  EXPECT_THAT(verdict(tampered), HasSubstr("signature does not match"));
}

TEST_F(SupabaseJwtAuthTest, rejects_missing_signature) {
  EXPECT_THAT(verdict(with_signature(valid_token(), "")), HasSubstr("no signature"));
}

TEST_F(SupabaseJwtAuthTest, rejects_truncated_signature) {
  const std::string token = valid_token();
  const std::string signature = token.substr(token.rfind('.') + 1);
  EXPECT_THAT(verdict(with_signature(token, signature.substr(0, signature.size() - 4))),
              HasSubstr("signature does not match"));
}

TEST_F(SupabaseJwtAuthTest, rejects_a_signature_respelled_with_non_zero_padding_bits) {
  const std::string token = valid_token();
  std::string signature = token.substr(token.rfind('.') + 1);
  // 32 bytes end in a character of which only 4 of 6 bits count; set one that does not.
  const std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  signature.back() = alphabet[alphabet.find(signature.back()) ^ 1u];
  EXPECT_THAT(verdict(with_signature(token, signature)), HasSubstr("not base64url"));
}

// ---- time ----

TEST_F(SupabaseJwtAuthTest, rejects_expired_token) {
  EXPECT_THAT(verdict(valid_token({{"exp", std::to_string(kNowS - 31)}})), HasSubstr("expired"));
}

TEST_F(SupabaseJwtAuthTest, accepts_token_expired_within_leeway) {
  EXPECT_EQ(verdict(valid_token({{"exp", std::to_string(kNowS - 29)}})), "<accepted>");
  EXPECT_THAT(verdict(valid_token({{"exp", std::to_string(kNowS - 30)}})), HasSubstr("expired"));
}

TEST_F(SupabaseJwtAuthTest, follows_the_host_clock) {
  const std::string token = valid_token();
  EXPECT_EQ(verdict(token), "<accepted>");
  host_.advance_ms((3600 + 30) * 1000);
  EXPECT_THAT(verdict(token), HasSubstr("expired"));
}

TEST_F(SupabaseJwtAuthTest, honours_a_configured_leeway_of_zero) {
  auto strict = make_auth(R"(,"leeway_s":0)");
  EXPECT_THAT(verdict_with(*strict, valid_token({{"exp", std::to_string(kNowS)}})),
              HasSubstr("expired"));
  EXPECT_EQ(verdict_with(*strict, valid_token({{"exp", std::to_string(kNowS + 1)}})), "<accepted>");
}

TEST_F(SupabaseJwtAuthTest, rejects_token_whose_nbf_is_in_the_future) {
  EXPECT_THAT(verdict(valid_token({{"nbf", std::to_string(kNowS + 31)}})),
              HasSubstr("not valid yet"));
  EXPECT_EQ(verdict(valid_token({{"nbf", std::to_string(kNowS + 29)}})), "<accepted>");
}

TEST_F(SupabaseJwtAuthTest, rejects_token_issued_in_the_future) {
  EXPECT_THAT(verdict(valid_token({{"iat", std::to_string(kNowS + 120)}})),
              HasSubstr("issued in the future"));
}

// Accepted tokens are remembered (VerifiedTokenCache); a remembered token must still get the
// answer the full check would give at that moment.
TEST_F(SupabaseJwtAuthTest, a_remembered_token_is_refused_once_exp_and_leeway_have_passed) {
  const std::string token = valid_token({{"exp", std::to_string(kNowS + 60)}});
  EXPECT_EQ(verdict(token), "<accepted>");
  host_.advance_ms((60 + 29) * 1000);
  EXPECT_EQ(verdict(token), "<accepted>");
  host_.advance_ms(1000);
  EXPECT_THAT(verdict(token), HasSubstr("expired"));
}

TEST_F(SupabaseJwtAuthTest, a_remembered_token_is_refused_when_the_clock_goes_back_past_nbf) {
  const std::string early = valid_token({{"nbf", std::to_string(kNowS + 20)}});
  const std::string fresh = valid_token({{"iat", std::to_string(kNowS + 20)}});
  EXPECT_EQ(verdict(early), "<accepted>");
  EXPECT_EQ(verdict(fresh), "<accepted>");
  host_.set_now_ms((kNowS - 11) * 1000);
  EXPECT_THAT(verdict(early), HasSubstr("not valid yet"));
  EXPECT_THAT(verdict(fresh), HasSubstr("issued in the future"));
}

TEST_F(SupabaseJwtAuthTest, refusals_are_not_remembered) {
  const std::string token = valid_token({{"nbf", std::to_string(kNowS + 31)}});
  EXPECT_THAT(verdict(token), HasSubstr("not valid yet"));
  host_.advance_ms(2000);
  EXPECT_EQ(verdict(token), "<accepted>");
}

TEST_F(SupabaseJwtAuthTest, altered_copies_of_a_remembered_token_are_refused) {
  const std::string token = valid_token();
  EXPECT_EQ(verdict(token), "<accepted>");
  std::string flipped = token;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  EXPECT_THAT(verdict(flipped), Not(Eq("<accepted>")));
  EXPECT_THAT(verdict(token.substr(0, token.size() - 1)), Not(Eq("<accepted>")));
  EXPECT_THAT(verdict(token + "A"), Not(Eq("<accepted>")));
}

TEST(VerifiedTokenCache, holds_a_bounded_number_of_tokens_and_no_oversized_one) {
  VerifiedTokenCache cache;
  VerifiedUser user{kUserId, 0, 0, 10'000};
  const std::size_t capacity = VerifiedTokenCache::kShards * VerifiedTokenCache::kPerShard;
  for (std::size_t i = 0; i < 3 * capacity; ++i)
    cache.remember("token-" + std::to_string(i), user, 0);
  std::size_t kept = 0;
  for (std::size_t i = 0; i < 3 * capacity; ++i)
    kept += cache.find("token-" + std::to_string(i), 0).has_value() ? 1 : 0;
  EXPECT_LE(kept, capacity);
  EXPECT_TRUE(cache.find("token-" + std::to_string(3 * capacity - 1), 0)) << "the newest is kept";
  EXPECT_FALSE(cache.find("token-0", 10'000)) << "never at or past accepted_until_ms";

  const std::string oversized(VerifiedTokenCache::kMaxCachedTokenBytes + 1, 'x');
  cache.remember(oversized, user, 0);
  EXPECT_FALSE(cache.find(oversized, 0));
}

TEST_F(SupabaseJwtAuthTest, rejects_missing_exp) {
  EXPECT_THAT(verdict(valid_token({{"exp", std::nullopt}})), HasSubstr("no expiry (exp)"));
}

TEST_F(SupabaseJwtAuthTest, rejects_time_claims_of_the_wrong_type_or_range) {
  EXPECT_THAT(verdict(valid_token({{"exp", quoted(std::to_string(kNowS + 3600))}})),
              HasSubstr("exp claim is not a number"));
  EXPECT_THAT(verdict(valid_token({{"exp", "true"}})), HasSubstr("exp claim is not a number"));
  EXPECT_THAT(verdict(valid_token({{"exp", "1e300"}})), HasSubstr("exp claim is not a number"));
  EXPECT_THAT(verdict(valid_token({{"exp", "99999999999999999999"}})),
              HasSubstr("exp claim is not a number"));
  EXPECT_THAT(verdict(valid_token({{"nbf", "null"}})), HasSubstr("nbf claim is not a number"));
  EXPECT_THAT(verdict(valid_token({{"iat", "-5"}})), HasSubstr("iat claim is not a number"));
}

// ---- audience, role, subject, issuer ----

TEST_F(SupabaseJwtAuthTest, rejects_wrong_audience) {
  EXPECT_THAT(verdict(valid_token({{"aud", quoted("dashboard")}})),
              HasSubstr("audience (aud) does not include \"authenticated\""));
}

TEST_F(SupabaseJwtAuthTest, accepts_audience_array_containing_authenticated) {
  EXPECT_EQ(verdict(valid_token({{"aud", R"(["dashboard","authenticated"])"}})), "<accepted>");
}

TEST_F(SupabaseJwtAuthTest, rejects_audience_array_without_the_configured_audience) {
  EXPECT_THAT(verdict(valid_token({{"aud", R"(["dashboard"])"}})), HasSubstr("audience (aud)"));
  EXPECT_THAT(verdict(valid_token({{"aud", "[]"}})), HasSubstr("audience (aud)"));
}

TEST_F(SupabaseJwtAuthTest, rejects_missing_or_mistyped_audience) {
  EXPECT_THAT(verdict(valid_token({{"aud", std::nullopt}})), HasSubstr("audience (aud)"));
  EXPECT_THAT(verdict(valid_token({{"aud", R"(["authenticated",7])"}})),
              HasSubstr("non-string entry"));
  EXPECT_THAT(verdict(valid_token({{"aud", "7"}})), HasSubstr("neither a string nor a list"));
}

TEST_F(SupabaseJwtAuthTest, checks_a_configured_audience) {
  auto custom = make_auth(R"(,"audience":"mt5bridge")");
  EXPECT_EQ(verdict_with(*custom, valid_token({{"aud", quoted("mt5bridge")}})), "<accepted>");
  EXPECT_THAT(verdict_with(*custom, valid_token()), HasSubstr("does not include \"mt5bridge\""));
}

TEST_F(SupabaseJwtAuthTest, rejects_supabase_anon_key) {
  const std::string anon_key_payload =
      R"({"iss":"supabase","ref":"abcdefghijklmnop","role":"anon","iat":)" +
      std::to_string(kNowS - 60) + R"(,"exp":)" + std::to_string(kNowS + 3600) + "}";
  EXPECT_THAT(verdict(mint(kHs256Header, anon_key_payload, kSecret)),
              HasSubstr("anon or service_role key, not a user's access token"));
}

TEST_F(SupabaseJwtAuthTest, rejects_supabase_service_role_key) {
  const std::string service_key_payload =
      R"({"iss":"supabase","ref":"abcdefghijklmnop","role":"service_role","iat":)" +
      std::to_string(kNowS - 60) + R"(,"exp":)" + std::to_string(kNowS + 3600) + "}";
  EXPECT_THAT(verdict(mint(kHs256Header, service_key_payload, kSecret)),
              HasSubstr("anon or service_role key"));
}

TEST_F(SupabaseJwtAuthTest, rejects_role_anon_or_service_role_even_with_a_user_sub) {
  EXPECT_THAT(verdict(valid_token({{"role", quoted("anon")}})), HasSubstr("anon or service_role"));
  EXPECT_THAT(verdict(valid_token({{"role", quoted("service_role")}})),
              HasSubstr("anon or service_role"));
}

TEST_F(SupabaseJwtAuthTest, rejects_missing_or_other_roles) {
  EXPECT_THAT(verdict(valid_token({{"role", std::nullopt}})), HasSubstr("role claim"));
  EXPECT_THAT(verdict(valid_token({{"role", quoted("Authenticated")}})), HasSubstr("role claim"));
  EXPECT_THAT(verdict(valid_token({{"role", R"(["authenticated"])"}})), HasSubstr("role claim"));
}

TEST_F(SupabaseJwtAuthTest, rejects_duplicate_claims) {
  // A lenient parser would let the second role win; this one refuses the token outright.
  const std::string smuggled = R"({"role":"anon","role":"authenticated","sub":")" + kUserId +
                               R"(","aud":"authenticated","exp":)" + std::to_string(kNowS + 3600) +
                               "}";
  EXPECT_THAT(verdict(mint(kHs256Header, smuggled, kSecret)),
              HasSubstr("payload repeats a member name"));
}

TEST_F(SupabaseJwtAuthTest, rejects_non_uuid_sub) {
  for (const char* sub : {R"("not-a-uuid")", R"("6f1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d")",
                          R"("6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4g")",
                          R"("6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d0")", R"("")", "42"})
    EXPECT_THAT(verdict(valid_token({{"sub", sub}})), HasSubstr("sub claim")) << sub;
  EXPECT_THAT(verdict(valid_token({{"sub", std::nullopt}})), HasSubstr("sub claim"));
}

TEST_F(SupabaseJwtAuthTest, ignores_issuer_when_not_configured) {
  EXPECT_EQ(verdict(valid_token({{"iss", quoted("https://elsewhere.example/auth/v1")}})),
            "<accepted>");
  EXPECT_EQ(verdict(valid_token({{"iss", std::nullopt}})), "<accepted>");
}

TEST_F(SupabaseJwtAuthTest, rejects_issuer_mismatch_when_configured) {
  auto pinned = make_auth(R"(,"issuer":")" + kIssuer + "\"");
  EXPECT_EQ(verdict_with(*pinned, valid_token()), "<accepted>");
  EXPECT_THAT(
      verdict_with(*pinned, valid_token({{"iss", quoted("https://evil.supabase.co/auth/v1")}})),
      HasSubstr("issuer (iss) is not " + kIssuer));
  EXPECT_THAT(verdict_with(*pinned, valid_token({{"iss", std::nullopt}})),
              HasSubstr("issuer (iss)"));
}

// ---- shape ----

TEST_F(SupabaseJwtAuthTest, rejects_two_segment_token) {
  const std::string token = valid_token();
  EXPECT_THAT(verdict(token.substr(0, token.rfind('.'))), HasSubstr("exactly three"));
}

TEST_F(SupabaseJwtAuthTest, rejects_four_segment_token) {
  EXPECT_THAT(verdict(valid_token() + ".e30"), HasSubstr("exactly three"));
  EXPECT_THAT(verdict(".."), HasSubstr("header is empty"));
}

TEST_F(SupabaseJwtAuthTest, rejects_non_base64url_characters) {
  const std::string token = valid_token();
  const std::size_t first_dot = token.find('.');
  const std::string header = token.substr(0, first_dot);
  const std::string rest = token.substr(first_dot);
  EXPECT_THAT(verdict(header + "=" + rest), HasSubstr("header is not base64url"));
  EXPECT_THAT(verdict("+" + header.substr(1) + rest), HasSubstr("header is not base64url"));
  EXPECT_THAT(verdict(header.substr(0, 4) + "/" + header.substr(5) + rest),
              HasSubstr("header is not base64url"));
  EXPECT_THAT(verdict(with_signature(token, "*" + token.substr(token.rfind('.') + 2))),
              HasSubstr("signature is not base64url"));
  // Standard base64 with padding, as a careless encoder would produce it.
  const std::string padded_payload = base64url_encode(payload()) + "==";
  const std::string signing_input = base64url_encode(kHs256Header) + "." + padded_payload;
  EXPECT_THAT(
      verdict(signing_input + "." + base64url_encode(token_minting::hmac(kSecret, signing_input))),
      HasSubstr("payload is not base64url"));
}

TEST_F(SupabaseJwtAuthTest, rejects_garbage_json) {
  EXPECT_THAT(verdict(mint(kHs256Header, "{not json", kSecret)),
              HasSubstr("payload is not valid JSON"));
  EXPECT_THAT(verdict(mint("alg=HS256", payload(), kSecret)),
              HasSubstr("header is not valid JSON"));
  EXPECT_THAT(verdict(mint(kHs256Header, payload() + "garbage", kSecret)),
              HasSubstr("payload is not valid JSON"));
}

TEST_F(SupabaseJwtAuthTest, rejects_payload_that_is_not_an_object) {
  EXPECT_THAT(verdict(mint(kHs256Header, "[1,2,3]", kSecret)),
              HasSubstr("payload is not a JSON object"));
  EXPECT_THAT(verdict(mint(kHs256Header, R"("authenticated")", kSecret)),
              HasSubstr("payload is not a JSON object"));
}

TEST_F(SupabaseJwtAuthTest, rejects_oversized_token) {
  const std::string token = valid_token({{"padding", quoted(std::string(8192, 'x'))}});
  ASSERT_GT(token.size(), SupabaseTokenValidator::kMaxTokenBytes);
  EXPECT_THAT(verdict(token), HasSubstr("longer than 8192 bytes"));
}

// ---- the Authorization header ----

TEST_F(SupabaseJwtAuthTest, accepts_lower_case_bearer_scheme) {
  const std::string token = valid_token();
  secrets_.push_back(token);
  EXPECT_EQ(verdict(auth_, Request{{"Authorization", "bearer " + token}}), "<accepted>");
  EXPECT_EQ(verdict(auth_, Request{{"Authorization", "BEARER  " + token + " "}}), "<accepted>");
}

TEST_F(SupabaseJwtAuthTest, header_name_compares_case_insensitively) {
  const std::string token = valid_token();
  secrets_.push_back(token);
  EXPECT_EQ(verdict(auth_, Request{{"authorization", "Bearer " + token}}), "<accepted>");
}

TEST_F(SupabaseJwtAuthTest, other_schemes_are_not_found) {
  EXPECT_EQ(verdict(auth_, Request{{"Authorization", "Basic dXNlcjpwYXNz"}}), "<not found>");
  EXPECT_EQ(verdict(auth_, Request{{"Authorization", "Token abc.def.ghi"}}), "<not found>");
  EXPECT_EQ(verdict(auth_, Request{{"Authorization", "Bearerabc.def.ghi"}}), "<not found>");
}

TEST_F(SupabaseJwtAuthTest, missing_authorization_is_not_found) {
  EXPECT_EQ(verdict(auth_, Request{{"X-API-Key", "some-service-key-1234"}}), "<not found>");
  EXPECT_EQ(verdict(auth_, Request{}), "<not found>");
}

TEST_F(SupabaseJwtAuthTest, rejects_bearer_without_a_token) {
  EXPECT_THAT(verdict(auth_, Request{{"Authorization", "Bearer"}}), HasSubstr("carries no token"));
  EXPECT_THAT(verdict(auth_, Request{{"Authorization", "Bearer   "}}),
              HasSubstr("carries no token"));
}

TEST_F(SupabaseJwtAuthTest, rejects_two_bearer_headers) {
  const std::string token = valid_token();
  secrets_.push_back(token);
  EXPECT_THAT(verdict(auth_, Request{{"Authorization", "Bearer " + token},
                                     {"Authorization", "Bearer " + token}}),
              HasSubstr("more than one Bearer"));
}

}  // namespace
}  // namespace mt5b::auth_jwt
