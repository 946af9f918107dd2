// Specification of auth-jwt's configuration: what it refuses at create, and what it declares.
#include "asymmetric_minting.hpp"
#include "supabase_jwt_auth.hpp"

#include <mt5bridge/testing.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace mt5b::auth_jwt {
namespace {

using ::testing::HasSubstr;

// The Supabase CLI's well-known local secret; failure messages never print it.
const std::string kSecret = "super-secret-jwt-token-with-at-least-32-characters-long";
const std::string kIssuer = "https://abcdefghijklmnop.supabase.co/auth/v1";

class SupabaseJwtAuthCreate : public ::testing::Test {
 protected:
  // The create-time refusal for `config`, or "<created>"; the secret never appears in it.
  std::string refusal(const std::string& config) {
    try {
      SupabaseJwtAuth auth(host_.host(), sdk::Config(config));
      return "<created>";
    } catch (const sdk::Error& e) {
      EXPECT_EQ(e.status(), MT5B_INVALID_ARGUMENT);
      std::string reason = e.what();
      const bool leaked = reason.find(kSecret) != std::string::npos ||
                          reason.find(kShortSecret) != std::string::npos;
      EXPECT_FALSE(leaked) << "the refusal contains the secret";
      return leaked ? "[reason withheld: it contains the secret]" : reason;
    }
  }
  std::string with_secret(const std::string& extra = "") {
    return R"({"hs256_secret":")" + kSecret + "\"" + extra + "}";
  }

  const std::string kShortSecret = "only-thirty-one-bytes-long-xxxx";
  sdk::testing::FakeHost host_;
};

TEST_F(SupabaseJwtAuthCreate, refuses_a_secret_shorter_than_32_bytes) {
  ASSERT_EQ(kShortSecret.size(), 31u);
  EXPECT_THAT(refusal(R"({"hs256_secret":")" + kShortSecret + "\"}"),
              HasSubstr("hs256_secret is shorter than 32 bytes"));
}

TEST_F(SupabaseJwtAuthCreate, accepts_a_secret_of_exactly_32_bytes) {
  EXPECT_EQ(refusal(R"({"hs256_secret":")" + kShortSecret + "x\"}"), "<created>");
}

TEST_F(SupabaseJwtAuthCreate, refuses_neither_a_secret_nor_keys) {
  EXPECT_THAT(refusal("{}"), HasSubstr("neither hs256_secret nor jwks_url/jwks_file is set"));
}

TEST_F(SupabaseJwtAuthCreate, refuses_algorithms_other_than_hs256_es256_rs256) {
  EXPECT_EQ(refusal(with_secret(R"(,"algorithms":["HS256","RS256"])")), "<created>");
  EXPECT_THAT(refusal(with_secret(R"(,"algorithms":["PS256"])")),
              HasSubstr("algorithms lists PS256, but only HS256, ES256 and RS256 are supported"));
  EXPECT_THAT(refusal(with_secret(R"(,"algorithms":["none"])")), HasSubstr("only HS256, ES256"));
  EXPECT_THAT(refusal(with_secret(R"(,"algorithms":["HS384"])")), HasSubstr("only HS256, ES256"));
  EXPECT_THAT(refusal(with_secret(R"(,"algorithms":[])")), HasSubstr("algorithms is empty"));
  EXPECT_EQ(refusal(with_secret(R"(,"algorithms":["HS256"])")), "<created>");
}

TEST_F(SupabaseJwtAuthCreate, accepts_keys_alone_from_a_jwks_file) {
  const std::string path = ::testing::TempDir() + "/jwks_create_test.json";
  std::ofstream(path) << R"({"keys":[)"
                      << token_minting::public_jwk(token_minting::new_p256_key(), "k1") << "]}";
  EXPECT_EQ(refusal(R"({"jwks_file":")" + path + "\"}"), "<created>");
  EXPECT_TRUE(host_.logged("JWKS loaded: keys k1"));
}

TEST_F(SupabaseJwtAuthCreate, refuses_a_bad_jwks_source) {
  const std::string path = ::testing::TempDir() + "/jwks_create_bad.json";
  std::ofstream(path) << R"({"keys":"none"})";
  EXPECT_THAT(refusal(R"({"jwks_file":")" + path + "\"}"), HasSubstr("not a JSON Web Key Set"));
  EXPECT_THAT(refusal(R"({"jwks_file":"/nonexistent/jwks.json"})"), HasSubstr("cannot be opened"));
  EXPECT_THAT(refusal(R"({"jwks_file":"x","jwks_url":"https://a.example/jwks.json"})"),
              HasSubstr("both set"));
  EXPECT_THAT(refusal(R"({"jwks_url":"ftp://a.example/jwks.json"})"), HasSubstr("must start with"));
  EXPECT_THAT(refusal(R"({"jwks_url":"https://user@a.example/"})"), HasSubstr("user info"));
  EXPECT_THAT(refusal(R"({"jwks_url":"https://a.example/","jwks_timeout_ms":10})"),
              HasSubstr("jwks_timeout_ms must be between 100 and 30000"));
}

TEST_F(SupabaseJwtAuthCreate, refuses_a_leeway_outside_0_to_300_seconds) {
  EXPECT_THAT(refusal(with_secret(R"(,"leeway_s":-1)")), HasSubstr("leeway_s must be between"));
  EXPECT_THAT(refusal(with_secret(R"(,"leeway_s":301)")), HasSubstr("leeway_s must be between"));
  EXPECT_EQ(refusal(with_secret(R"(,"leeway_s":300)")), "<created>");
}

TEST_F(SupabaseJwtAuthCreate, refuses_an_empty_issuer_or_audience) {
  EXPECT_THAT(refusal(with_secret(R"(,"issuer":"")")), HasSubstr("issuer is empty"));
  EXPECT_THAT(refusal(with_secret(R"(,"audience":"")")), HasSubstr("audience is empty"));
}

TEST_F(SupabaseJwtAuthCreate, logs_its_settings_but_never_the_secret) {
  SupabaseJwtAuth auth(host_.host(), sdk::Config(with_secret(R"(,"issuer":")" + kIssuer + "\"")));
  EXPECT_TRUE(host_.logged("audience authenticated from issuer " + kIssuer));
  for (const auto& line : host_.logs())
    EXPECT_TRUE(line.message.find(kSecret) == std::string::npos);
}

TEST(SupabaseJwtAuthOptions, declares_the_secret_secret_and_the_jwks_options) {
  auto options = SupabaseJwtAuth::options();
  ASSERT_EQ(options.size(), 11u);
  EXPECT_STREQ(options[0].name, "hs256_secret");
  // Not required: a project may sign only with asymmetric keys.
  EXPECT_EQ(options[0].flags, MT5B_OPT_SECRET);
  EXPECT_STREQ(options[4].name, "algorithms");
  EXPECT_STREQ(options[4].default_json, R"(["HS256", "ES256", "RS256"])");
  EXPECT_STREQ(options[5].name, "jwks_url");
  EXPECT_STREQ(options[6].name, "jwks_file");
}

}  // namespace
}  // namespace mt5b::auth_jwt
