// Specification of auth-apikey through its C++ class.
#include "api_key_auth.hpp"

#include <mt5bridge/testing.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace mt5b::auth_apikey {
namespace {

using ::testing::HasSubstr;

// Fixture keys. Failure messages never print them: reasons are redacted before assertions.
const std::string kFirstKey = "3f9c2a61d84b07e5c1aa9e04b6d27f18";
const std::string kSecondKey = "service-two-7b1e94c0d25a8f36";
const std::string kShortKey = "fifteen-chars-k";
const std::string kConfig = R"({"keys": [")" + kFirstKey + R"(", ")" + kSecondKey + R"("]})";

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

// Replaces every fixture key in `text`, saying whether there was one.
std::string redact_keys(std::string text, bool& leaked) {
  leaked = false;
  for (const std::string& key : {kFirstKey, kSecondKey, kShortKey}) {
    for (auto at = text.find(key); at != std::string::npos; at = text.find(key)) {
      text.replace(at, key.size(), "[KEY]");
      leaked = true;
    }
  }
  return text;
}

struct Outcome {
  enum { kAccepted, kNotFound, kRefused } result = kNotFound;
  mt5b_status status = MT5B_OK;
  std::string reason;  // redacted
  bool reason_leaks_key = false;
};

Outcome authenticate(ApiKeyAuth& auth, const Request& request) {
  try {
    Outcome outcome;
    outcome.result = auth.authenticate(request.get()) ? Outcome::kAccepted : Outcome::kNotFound;
    return outcome;
  } catch (const sdk::Error& e) {
    Outcome outcome;
    outcome.result = Outcome::kRefused;
    outcome.status = e.status();
    outcome.reason = redact_keys(e.what(), outcome.reason_leaks_key);
    return outcome;
  }
}

// The create-time refusal for `config`, redacted; empty when create succeeded.
std::string create_refusal(const std::string& config, mt5b_status& status, bool& leaked) {
  sdk::testing::FakeHost host;
  try {
    ApiKeyAuth auth(host.host(), sdk::Config(config));
    return {};
  } catch (const sdk::Error& e) {
    status = e.status();
    return redact_keys(e.what(), leaked);
  }
}

class ApiKeyAuthTest : public ::testing::Test {
 protected:
  sdk::testing::FakeHost host_;
  ApiKeyAuth auth_{host_.host(), sdk::Config(kConfig)};
};

TEST_F(ApiKeyAuthTest, accepts_each_configured_key_and_labels_it_by_position) {
  Request first{{"X-API-Key", kFirstKey}};
  Request second{{"X-API-Key", kSecondKey}};
  auto first_principal = auth_.authenticate(first.get());
  auto second_principal = auth_.authenticate(second.get());
  ASSERT_TRUE(first_principal.has_value());
  ASSERT_TRUE(second_principal.has_value());
  EXPECT_EQ(first_principal->subject, "key-1");
  EXPECT_EQ(second_principal->subject, "key-2");
  EXPECT_EQ(first_principal->kind, MT5B_PRINCIPAL_SERVICE);
  EXPECT_EQ(first_principal->role, "service");
  EXPECT_EQ(first_principal->expires_at_ms, 0);
}

TEST_F(ApiKeyAuthTest, principal_subject_never_contains_the_key) {
  for (const std::string& key : {kFirstKey, kSecondKey}) {
    Request request{{"X-API-Key", key}};
    auto principal = auth_.authenticate(request.get());
    ASSERT_TRUE(principal.has_value());
    EXPECT_TRUE(principal->subject != key);
    EXPECT_TRUE(principal->subject.find(key) == std::string::npos);
  }
}

TEST_F(ApiKeyAuthTest, refuses_a_wrong_key) {
  Request request{{"X-API-Key", "0000000000000000000000000000000000"}};
  Outcome outcome = authenticate(auth_, request);
  ASSERT_EQ(outcome.result, Outcome::kRefused);
  EXPECT_EQ(outcome.status, MT5B_UNAUTHENTICATED);
  EXPECT_THAT(outcome.reason, HasSubstr("does not match any configured service API key"));
}

TEST_F(ApiKeyAuthTest, refuses_a_prefix_or_extension_of_a_configured_key) {
  Request prefix{{"X-API-Key", kFirstKey.substr(0, kFirstKey.size() - 1)}};
  Request extension{{"X-API-Key", kFirstKey + "0"}};
  EXPECT_EQ(authenticate(auth_, prefix).result, Outcome::kRefused);
  EXPECT_EQ(authenticate(auth_, extension).result, Outcome::kRefused);
}

TEST_F(ApiKeyAuthTest, absent_header_is_not_found) {
  Request request{{"Authorization", "Bearer something"}, {"Accept", "application/json"}};
  EXPECT_EQ(authenticate(auth_, request).result, Outcome::kNotFound);
}

TEST_F(ApiKeyAuthTest, request_without_any_header_is_not_found) {
  Request request{};
  EXPECT_EQ(authenticate(auth_, request).result, Outcome::kNotFound);
}

TEST_F(ApiKeyAuthTest, header_name_compares_case_insensitively) {
  Request lower{{"x-api-key", kFirstKey}};
  Request upper{{"X-API-KEY", kSecondKey}};
  EXPECT_EQ(authenticate(auth_, lower).result, Outcome::kAccepted);
  EXPECT_EQ(authenticate(auth_, upper).result, Outcome::kAccepted);
}

TEST_F(ApiKeyAuthTest, ignores_whitespace_around_the_header_value) {
  Request request{{"X-API-Key", " \t" + kFirstKey + " "}};
  EXPECT_EQ(authenticate(auth_, request).result, Outcome::kAccepted);
}

TEST_F(ApiKeyAuthTest, refuses_an_empty_header) {
  Request request{{"X-API-Key", "  "}};
  Outcome outcome = authenticate(auth_, request);
  ASSERT_EQ(outcome.result, Outcome::kRefused);
  EXPECT_THAT(outcome.reason, HasSubstr("empty"));
}

TEST_F(ApiKeyAuthTest, refuses_two_headers_even_when_one_is_valid) {
  Request request{{"X-API-Key", kFirstKey}, {"x-api-key", "wrong-wrong-wrong-wrong"}};
  Outcome outcome = authenticate(auth_, request);
  ASSERT_EQ(outcome.result, Outcome::kRefused);
  EXPECT_THAT(outcome.reason, HasSubstr("more than one X-API-Key"));
}

TEST_F(ApiKeyAuthTest, refusal_reasons_never_contain_a_key) {
  Request duplicated{{"X-API-Key", kFirstKey}, {"X-API-Key", kSecondKey}};
  Request near_miss{{"X-API-Key", kSecondKey + "x"}};
  for (const Request* request : {&duplicated, &near_miss}) {
    Outcome outcome = authenticate(auth_, *request);
    ASSERT_EQ(outcome.result, Outcome::kRefused);
    EXPECT_FALSE(outcome.reason_leaks_key);
  }
}

TEST(ApiKeyAuthCreate, refuses_an_empty_key_list_and_says_how_to_make_a_key) {
  mt5b_status status = MT5B_OK;
  bool leaked = false;
  std::string reason = create_refusal(R"({"keys": []})", status, leaked);
  EXPECT_EQ(status, MT5B_INVALID_ARGUMENT);
  EXPECT_THAT(reason, HasSubstr("openssl rand -hex 32"));
}

TEST(ApiKeyAuthCreate, refuses_a_config_without_keys) {
  mt5b_status status = MT5B_OK;
  bool leaked = false;
  EXPECT_FALSE(create_refusal("{}", status, leaked).empty());
  EXPECT_EQ(status, MT5B_INVALID_ARGUMENT);
}

TEST(ApiKeyAuthCreate, refuses_a_key_shorter_than_16_characters_without_echoing_it) {
  mt5b_status status = MT5B_OK;
  bool leaked = false;
  std::string reason = create_refusal(
      R"({"keys": [")" + kFirstKey + R"(", ")" + kShortKey + R"("]})", status, leaked);
  EXPECT_EQ(status, MT5B_INVALID_ARGUMENT);
  EXPECT_THAT(reason, HasSubstr("keys entry 2 is shorter than 16 characters"));
  EXPECT_THAT(reason, HasSubstr("openssl rand -hex 32"));
  EXPECT_FALSE(leaked);
}

TEST(ApiKeyAuthCreate, accepts_a_key_of_exactly_16_characters) {
  mt5b_status status = MT5B_OK;
  bool leaked = false;
  EXPECT_TRUE(create_refusal(R"({"keys": ["sixteen-chars-ky"]})", status, leaked).empty());
}

TEST(ApiKeyAuthCreate, refuses_the_same_key_listed_twice) {
  mt5b_status status = MT5B_OK;
  bool leaked = false;
  std::string reason = create_refusal(
      R"({"keys": [")" + kFirstKey + R"(", ")" + kFirstKey + R"("]})", status, leaked);
  EXPECT_EQ(status, MT5B_INVALID_ARGUMENT);
  EXPECT_THAT(reason, HasSubstr("keys entries 1 and 2 are the same key"));
  EXPECT_FALSE(leaked);
}

TEST(ApiKeyAuthCreate, refuses_a_key_a_header_cannot_carry) {
  mt5b_status status = MT5B_OK;
  bool leaked = false;
  std::string reason = create_refusal(R"({"keys": ["has a space in the middle"]})", status, leaked);
  EXPECT_EQ(status, MT5B_INVALID_ARGUMENT);
  EXPECT_THAT(reason, HasSubstr("keys entry 1 contains spaces"));
}

TEST(ApiKeyAuthCreate, logs_the_key_count_but_never_a_key) {
  sdk::testing::FakeHost host;
  ApiKeyAuth auth(host.host(), sdk::Config(kConfig));
  EXPECT_TRUE(host.logged("accepting 2 service API key(s)"));
  for (const auto& line : host.logs()) {
    bool leaked = false;
    redact_keys(line.message, leaked);
    EXPECT_FALSE(leaked);
  }
}

TEST(ApiKeyAuthOptions, declares_keys_as_a_required_secret_string_list) {
  auto options = ApiKeyAuth::options();
  ASSERT_EQ(options.size(), 1u);
  EXPECT_STREQ(options[0].name, "keys");
  EXPECT_EQ(options[0].type, static_cast<uint32_t>(MT5B_OPT_STRING_LIST));
  EXPECT_EQ(options[0].flags, MT5B_OPT_REQUIRED | MT5B_OPT_SECRET);
}

}  // namespace
}  // namespace mt5b::auth_apikey
