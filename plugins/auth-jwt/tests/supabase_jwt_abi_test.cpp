// auth-jwt through the C ABI, loaded from the built library the way the host loads it.
#include "token_minting.hpp"

#include <mt5bridge/testing.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

namespace {

namespace sdk = mt5b::sdk;
using mt5b::auth_jwt::token_minting::mint;

const std::string kSecret = "abi-test-jwt-secret-4b1d9e27c0a85f3612de7a90";
const std::string kUserId = "0d8e7f6a-5b4c-4d3e-9f2a-1b0c9d8e7f6a";
constexpr int64_t kNowS = 1'750'000'000;

// What emit received.
struct EmittedPrincipal {
  bool emitted = false;
  uint32_t kind = 0;
  std::string subject;
  std::string role;
  int64_t expires_at_ms = 0;
};

// The shared C-ABI fixture, with the one call this kind adds.
class Instance : public sdk::testing::AbiInstance {
 public:
  Instance(const sdk::testing::AbiPlugin& plugin, const sdk::testing::FakeHost& host,
           const std::string& config)
      : AbiInstance(plugin, host, config, "supabase-users"),
        auth_(plugin.vtable<mt5b_auth_vtable>()) {}

  mt5b_status authenticate_bearer(const std::string& authorization, EmittedPrincipal& out) {
    const mt5b_header headers[] = {{sdk::str("Authorization"), sdk::str(authorization)}};
    auto request = sdk::make<mt5b_http_request>();
    request.method = sdk::str("GET");
    request.path = sdk::str("/api/mt5/accounts");
    request.headers = headers;
    request.header_count = authorization.empty() ? 0 : 1;
    return auth_.on_authenticate(
        handle(), &request,
        [](void* ctx, const mt5b_principal* principal) {
          auto& emitted = *static_cast<EmittedPrincipal*>(ctx);
          emitted.emitted = true;
          emitted.kind = principal->kind;
          emitted.subject = sdk::copy(principal->subject);
          emitted.role = sdk::copy(principal->role);
          emitted.expires_at_ms = principal->expires_at_ms;
        },
        &out);
  }

 private:
  const mt5b_auth_vtable& auth_;
};

std::string token_expiring_at(int64_t exp_s) {
  return mint(R"({"alg":"HS256","typ":"JWT"})",
              R"({"sub":")" + kUserId + R"(","role":"authenticated","aud":"authenticated","exp":)" +
                  std::to_string(exp_s) + "}",
              kSecret);
}

class SupabaseJwtAbi : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(plugin_.ok()) << plugin_.problem();
    host_.set_now_ms(kNowS * 1000);
  }
  sdk::testing::AbiPlugin plugin_{PLUGIN_PATH, "auth-jwt"};
  sdk::testing::FakeHost host_;
};

TEST_F(SupabaseJwtAbi, library_exports_an_auth_descriptor_with_its_options) {
  EXPECT_EQ(plugin_.descriptor().kind, static_cast<uint32_t>(MT5B_KIND_AUTH));
  EXPECT_EQ(plugin_.descriptor().option_count, 11u);
  EXPECT_NE(plugin_.vtable<mt5b_auth_vtable>().on_authenticate, nullptr);
}

TEST_F(SupabaseJwtAbi, emits_the_user_for_a_valid_token) {
  Instance instance(plugin_, host_, R"({"hs256_secret":")" + kSecret + "\"}");
  ASSERT_EQ(instance.create_status(), MT5B_OK);
  EmittedPrincipal principal;
  EXPECT_EQ(instance.authenticate_bearer("Bearer " + token_expiring_at(kNowS + 600), principal),
            MT5B_OK);
  EXPECT_TRUE(principal.emitted);
  EXPECT_EQ(principal.kind, static_cast<uint32_t>(MT5B_PRINCIPAL_USER));
  EXPECT_EQ(principal.subject, kUserId);
  EXPECT_EQ(principal.role, "authenticated");
  EXPECT_EQ(principal.expires_at_ms, (kNowS + 600) * 1000);
}

TEST_F(SupabaseJwtAbi, refuses_an_expired_token_and_says_why_through_last_error) {
  Instance instance(plugin_, host_, R"({"hs256_secret":")" + kSecret + "\"}");
  ASSERT_EQ(instance.create_status(), MT5B_OK);
  const std::string token = token_expiring_at(kNowS - 600);
  EmittedPrincipal principal;
  EXPECT_EQ(instance.authenticate_bearer("Bearer " + token, principal), MT5B_UNAUTHENTICATED);
  EXPECT_FALSE(principal.emitted);
  const std::string reason = instance.last_error();
  EXPECT_NE(reason.find("expired"), std::string::npos);
  EXPECT_TRUE(reason.find(token) == std::string::npos);
}

TEST_F(SupabaseJwtAbi, answers_not_found_without_a_bearer_token) {
  Instance instance(plugin_, host_, R"({"hs256_secret":")" + kSecret + "\"}");
  ASSERT_EQ(instance.create_status(), MT5B_OK);
  EmittedPrincipal principal;
  EXPECT_EQ(instance.authenticate_bearer("", principal), MT5B_NOT_FOUND);
  EXPECT_EQ(instance.authenticate_bearer("Basic dXNlcjpwYXNz", principal), MT5B_NOT_FOUND);
  EXPECT_FALSE(principal.emitted);
}

TEST_F(SupabaseJwtAbi, create_refuses_a_short_secret_with_a_sentence_that_omits_it) {
  Instance instance(plugin_, host_, R"({"hs256_secret":"short-secret"})");
  EXPECT_EQ(instance.create_status(), MT5B_INVALID_ARGUMENT);
  const std::string reason = instance.last_error();
  EXPECT_NE(reason.find("hs256_secret is shorter than 32 bytes"), std::string::npos);
  EXPECT_TRUE(reason.find("short-secret") == std::string::npos);
}

}  // namespace
