// Specification of auth-jwt's configuration: what it refuses at create, and what it declares.
#include "supabase_jwt_auth.hpp"

#include <mt5bridge/testing.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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

TEST_F(SupabaseJwtAuthCreate, refuses_a_missing_secret) {
  EXPECT_THAT(refusal("{}"), HasSubstr("hs256_secret is missing"));
}

TEST_F(SupabaseJwtAuthCreate, refuses_algorithms_other_than_hs256) {
  EXPECT_THAT(refusal(with_secret(R"(,"algorithms":["HS256","RS256"])")),
              HasSubstr("algorithms lists RS256, but only HS256 is supported"));
  EXPECT_THAT(refusal(with_secret(R"(,"algorithms":["none"])")), HasSubstr("only HS256"));
  EXPECT_THAT(refusal(with_secret(R"(,"algorithms":["HS384"])")), HasSubstr("only HS256"));
  EXPECT_THAT(refusal(with_secret(R"(,"algorithms":[])")), HasSubstr("algorithms is empty"));
  EXPECT_EQ(refusal(with_secret(R"(,"algorithms":["HS256"])")), "<created>");
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

TEST(SupabaseJwtAuthOptions, declares_the_secret_required_and_secret) {
  auto options = SupabaseJwtAuth::options();
  ASSERT_EQ(options.size(), 5u);
  EXPECT_STREQ(options[0].name, "hs256_secret");
  EXPECT_EQ(options[0].flags, MT5B_OPT_REQUIRED | MT5B_OPT_SECRET);
  EXPECT_STREQ(options[4].name, "algorithms");
  EXPECT_STREQ(options[4].default_json, R"(["HS256"])");
}

}  // namespace
}  // namespace mt5b::auth_jwt
