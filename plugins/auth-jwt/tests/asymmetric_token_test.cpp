// Specification of ES256 and RS256 verification: the JWKS a project publishes, the tokens its
// keys sign, and the forgeries that must still fail.
#include "asymmetric_minting.hpp"
#include "base64url.hpp"
#include "jwk_set.hpp"
#include "supabase_token_validator.hpp"

#include <mt5bridge/sdk.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace mt5b::auth_jwt {
namespace {

using ::testing::HasSubstr;
using namespace token_minting;

const std::string kUserId = "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const std::string kIssuer = "https://abcdefghijklmnop.supabase.co/auth/v1";
constexpr int64_t kNowS = 1'700'000'000;

std::string payload(int64_t exp_s = kNowS + 3600) {
  return R"({"aud":"authenticated","exp":)" + std::to_string(exp_s) + R"(,"iat":)" +
         std::to_string(kNowS - 60) + R"(,"iss":")" + kIssuer +
         R"(","role":"authenticated","sub":")" + kUserId + "\"}";
}

std::string header(std::string_view alg, std::string_view kid) {
  return R"({"alg":")" + std::string(alg) + R"(","kid":")" + std::string(kid) + R"(","typ":"JWT"})";
}

std::string refusal_of_set(const std::string& document) {
  try {
    JwkSet::parse(document, {"ES256", "RS256"});
    return "<parsed>";
  } catch (const sdk::Error& e) {
    EXPECT_EQ(e.status(), MT5B_INVALID_ARGUMENT);
    return e.what();
  }
}

class AsymmetricTokens : public ::testing::Test {
 protected:
  AsymmetricTokens() {
    set_ = JwkSet::parse(R"({"keys":[)" + public_jwk(ec_, "ec-1", R"(,"alg":"ES256","use":"sig")") +
                             "," + public_jwk(rsa_, "rsa-1") + "]}",
                         {"ES256", "RS256"});
    TokenPolicy policy;
    policy.issuer = kIssuer;
    validator_ = std::make_unique<SupabaseTokenValidator>(policy, [this](std::string_view kid) {
      const VerificationKey* key = set_->find(kid);
      return key ? std::shared_ptr<const VerificationKey>(set_, key) : nullptr;
    });
  }

  // "<accepted>" or the refusal's reason.
  std::string verdict(const std::string& token) {
    try {
      validator_->validate(token, kNowS * 1000);
      return "<accepted>";
    } catch (const sdk::Error& e) {
      EXPECT_EQ(e.status(), MT5B_UNAUTHENTICATED);
      return e.what();
    }
  }

  PrivateKey ec_ = new_p256_key();
  PrivateKey rsa_ = new_rsa_key();
  std::shared_ptr<const JwkSet> set_;
  std::unique_ptr<SupabaseTokenValidator> validator_;
};

TEST_F(AsymmetricTokens, accepts_es256_and_rs256_tokens_signed_by_the_named_key) {
  EXPECT_EQ(verdict(mint_signed(header("ES256", "ec-1"), payload(), ec_)), "<accepted>");
  EXPECT_EQ(verdict(mint_signed(header("RS256", "rsa-1"), payload(), rsa_)), "<accepted>");
  EXPECT_EQ(validator_->validate(mint_signed(header("ES256", "ec-1"), payload(), ec_), kNowS * 1000)
                .user_id,
            kUserId);
}

TEST_F(AsymmetricTokens, rejects_an_es256_signature_in_der_form) {
  // JWS requires the fixed 64-byte r||s; DER is what OpenSSL and some libraries emit.
  const std::string token = mint_signed(header("ES256", "ec-1"), payload(), ec_, EcdsaForm::der);
  EXPECT_THAT(verdict(token), HasSubstr("signature does not match"));
}

TEST_F(AsymmetricTokens, rejects_a_token_signed_by_another_key_under_a_known_kid) {
  EXPECT_THAT(verdict(mint_signed(header("ES256", "ec-1"), payload(), new_p256_key())),
              HasSubstr("signature does not match"));
  EXPECT_THAT(verdict(mint_signed(header("RS256", "rsa-1"), payload(), new_rsa_key())),
              HasSubstr("signature does not match"));
}

TEST_F(AsymmetricTokens, rejects_an_unknown_kid_and_a_missing_kid) {
  EXPECT_THAT(verdict(mint_signed(header("ES256", "ec-2"), payload(), ec_)),
              HasSubstr("JWKS does not hold"));
  EXPECT_THAT(verdict(mint_signed(R"({"alg":"ES256","typ":"JWT"})", payload(), ec_)),
              HasSubstr("names no key (kid)"));
  EXPECT_THAT(verdict(mint_signed(R"({"alg":"ES256","kid":7})", payload(), ec_)),
              HasSubstr("(kid) is not a string"));
}

TEST_F(AsymmetricTokens, rejects_an_algorithm_the_named_key_does_not_allow) {
  // An RS256 header naming the EC key, and an ES256 header naming the RSA key.
  EXPECT_THAT(verdict(mint_signed(header("RS256", "ec-1"), payload(), rsa_)),
              HasSubstr("the key it names verifies only ES256"));
  EXPECT_THAT(verdict(mint_signed(header("ES256", "rsa-1"), payload(), ec_)),
              HasSubstr("the key it names verifies only RS256"));
}

TEST_F(AsymmetricTokens, rejects_hs256_signed_with_the_public_key_as_secret) {
  // The classic confusion: a verifier that fed the public key to HMAC would accept these.
  for (const std::string& key_text : {public_pem(rsa_), public_pem(ec_), public_jwk(ec_, "ec-1")})
    EXPECT_THAT(verdict(mint(header("HS256", "ec-1"), payload(), key_text)),
                HasSubstr("no hs256_secret is configured"));
}

TEST_F(AsymmetricTokens, rejects_alg_none_and_a_stripped_signature) {
  const std::string token = mint_signed(header("ES256", "ec-1"), payload(), ec_);
  EXPECT_THAT(verdict(base64url_encode(R"({"alg":"none","kid":"ec-1"})") + "." +
                      base64url_encode(payload()) + "."),
              HasSubstr("alg none"));
  EXPECT_THAT(verdict(token.substr(0, token.rfind('.') + 1)), HasSubstr("no signature"));
}

TEST_F(AsymmetricTokens, rejects_an_altered_payload_and_an_expired_token) {
  const std::string token = mint_signed(header("ES256", "ec-1"), payload(), ec_);
  const std::string other = base64url_encode(payload(kNowS + 7200));
  const std::size_t first = token.find('.'), second = token.rfind('.');
  EXPECT_THAT(verdict(token.substr(0, first + 1) + other + token.substr(second)),
              HasSubstr("signature does not match"));
  EXPECT_THAT(verdict(mint_signed(header("ES256", "ec-1"), payload(kNowS - 3600), ec_)),
              HasSubstr("expired"));
}

TEST_F(AsymmetricTokens, rejects_a_truncated_or_padded_es256_signature) {
  const std::string token = mint_signed(header("ES256", "ec-1"), payload(), ec_);
  const std::string raw = *decode_base64url(token.substr(token.rfind('.') + 1));
  const std::string input = token.substr(0, token.rfind('.') + 1);
  EXPECT_THAT(verdict(input + base64url_encode(raw.substr(0, 63))), HasSubstr("does not match"));
  EXPECT_THAT(verdict(input + base64url_encode(raw + '\0')), HasSubstr("does not match"));
  EXPECT_THAT(verdict(input + base64url_encode(std::string(64, '\0'))),
              HasSubstr("does not match"));
}

TEST(JwkSetParse, keeps_supported_keys_and_skips_the_others_by_name) {
  const auto ec = new_p256_key();
  const auto set = JwkSet::parse(
      R"({"keys":[)" + public_jwk(ec, "ec-1") +
          R"(,{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"ed"})"
          R"(,)" +
          public_jwk(ec, "ec-enc", R"(,"use":"enc")") + R"(,)" +
          public_jwk(ec, "ec-384", R"(,"alg":"ES384")") + "]}",
      {"ES256", "RS256"});
  EXPECT_EQ(set->kids(), std::vector<std::string>{"ec-1"});
  EXPECT_EQ(set->skipped().size(), 3u);
  ASSERT_NE(set->find("ec-1"), nullptr);
  EXPECT_TRUE(set->find("ec-1")->allows("ES256"));
  EXPECT_FALSE(set->find("ec-1")->allows("RS256"));
}

TEST(JwkSetParse, skips_keys_whose_algorithm_is_not_configured) {
  const auto set = JwkSet::parse(R"({"keys":[)" + public_jwk(new_rsa_key(), "r") + "]}", {"ES256"});
  EXPECT_EQ(set->size(), 0u);
}

TEST(JwkSetParse, refuses_malformed_and_dangerous_sets) {
  const auto ec = new_p256_key();
  const std::string good = public_jwk(ec, "a");
  EXPECT_THAT(refusal_of_set("[]"), HasSubstr("not a JSON object"));
  EXPECT_THAT(refusal_of_set(R"({"kids":[]})"), HasSubstr("not a JSON Web Key Set"));
  EXPECT_THAT(refusal_of_set(R"({"keys":[)" + good + "," + good + "]}"), HasSubstr("two keys"));
  EXPECT_THAT(refusal_of_set(R"({"keys":[)" + public_jwk(ec, "a", R"(,"d":"AAAA")") + "]}"),
              HasSubstr("private or symmetric key material"));
  EXPECT_THAT(refusal_of_set(R"({"keys":[)" + public_jwk(new_rsa_key(1024), "r") + "]}"),
              HasSubstr("RSA modulus of 1024 bits"));
  // A point not on P-256: y replaced by x.
  std::string off_curve = good;
  const std::size_t y_at = off_curve.find("\"y\":\"") + 5;
  const std::size_t x_at = off_curve.find("\"x\":\"") + 5;
  off_curve.replace(y_at, 43, off_curve.substr(x_at, 43));
  EXPECT_THAT(refusal_of_set(R"({"keys":[)" + off_curve + "]}"),
              HasSubstr("not a valid public key"));
  EXPECT_THAT(refusal_of_set(R"({"keys":[{"kty":"EC","crv":"P-256","kid":"a"}]})"),
              HasSubstr("lacks its x member"));
  std::string many = R"({"keys":[)";
  for (int i = 0; i < 33; ++i) many += (i ? "," : "") + public_jwk(ec, "k" + std::to_string(i));
  EXPECT_THAT(refusal_of_set(many + "]}"), HasSubstr("more than 32 keys"));
  EXPECT_THAT(refusal_of_set(R"({"keys":[)" + public_jwk(ec, "") + "]}"), HasSubstr("no kid"));
}

}  // namespace
}  // namespace mt5b::auth_jwt
