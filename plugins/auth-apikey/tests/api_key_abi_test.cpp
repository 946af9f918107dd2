// auth-apikey through the C ABI, loaded from the built library the way the host loads it.
#include <mt5bridge/testing.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

namespace {

namespace sdk = mt5b::sdk;

const std::string kKey = "abi-test-key-5e0c7d13a9b2f468";

// The shared C-ABI fixture, with the one call this kind adds.
class Instance : public sdk::testing::AbiInstance {
 public:
  Instance(const sdk::testing::AbiPlugin& plugin, const sdk::testing::FakeHost& host,
           const std::string& config)
      : AbiInstance(plugin, host, config, "service-keys"),
        auth_(plugin.vtable<mt5b_auth_vtable>()) {}
  mt5b_status authenticate(const mt5b_http_request& request, std::string& subject) {
    return auth_.on_authenticate(
        handle(), &request,
        [](void* ctx, const mt5b_principal* principal) {
          *static_cast<std::string*>(ctx) = sdk::copy(principal->subject);
        },
        &subject);
  }

 private:
  const mt5b_auth_vtable& auth_;
};

mt5b_http_request request_with(const mt5b_header* headers, uint32_t count) {
  auto request = sdk::make<mt5b_http_request>();
  request.method = sdk::str("GET");
  request.path = sdk::str("/api/mt5/accounts");
  request.headers = headers;
  request.header_count = count;
  return request;
}

TEST(ApiKeyAbi, library_exports_an_auth_descriptor_with_its_options) {
  sdk::testing::AbiPlugin plugin(PLUGIN_PATH, "auth-apikey");
  ASSERT_TRUE(plugin.ok()) << plugin.problem();
  EXPECT_EQ(plugin.descriptor().kind, static_cast<uint32_t>(MT5B_KIND_AUTH));
  EXPECT_EQ(plugin.descriptor().option_count, 1u);
  EXPECT_NE(plugin.vtable<mt5b_auth_vtable>().on_authenticate, nullptr);
}

TEST(ApiKeyAbi, authenticates_accepts_refuses_and_reports_why) {
  sdk::testing::AbiPlugin plugin(PLUGIN_PATH, "auth-apikey");
  ASSERT_TRUE(plugin.ok()) << plugin.problem();
  sdk::testing::FakeHost host;
  Instance instance(plugin, host, R"({"keys": [")" + kKey + R"("]})");
  ASSERT_EQ(instance.create_status(), MT5B_OK);

  const mt5b_header valid[] = {{sdk::str("x-api-key"), sdk::str(kKey)}};
  std::string subject;
  EXPECT_EQ(instance.authenticate(request_with(valid, 1), subject), MT5B_OK);
  EXPECT_EQ(subject, "key-1");

  const mt5b_header wrong[] = {{sdk::str("X-API-Key"), sdk::str("not-the-configured-key")}};
  subject.clear();
  EXPECT_EQ(instance.authenticate(request_with(wrong, 1), subject), MT5B_UNAUTHENTICATED);
  EXPECT_TRUE(subject.empty());
  EXPECT_NE(instance.last_error().find("does not match"), std::string::npos);

  EXPECT_EQ(instance.authenticate(request_with(nullptr, 0), subject), MT5B_NOT_FOUND);
}

TEST(ApiKeyAbi, create_refuses_a_short_key_with_a_sentence_that_omits_it) {
  sdk::testing::AbiPlugin plugin(PLUGIN_PATH, "auth-apikey");
  ASSERT_TRUE(plugin.ok()) << plugin.problem();
  sdk::testing::FakeHost host;
  Instance instance(plugin, host, R"({"keys": ["too-short-key"]})");
  EXPECT_EQ(instance.create_status(), MT5B_INVALID_ARGUMENT);
  const std::string reason = instance.last_error();
  EXPECT_NE(reason.find("openssl rand -hex 32"), std::string::npos);
  EXPECT_TRUE(reason.find("too-short-key") == std::string::npos);
}

}  // namespace
