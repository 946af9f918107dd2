// Strict JSON request bodies (one 400 code per kind of mistake) and the UUID helpers.
#include "api/json_body.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>

namespace {

using mt5b::host::ApiError;
using mt5b::host::is_uuid;
using mt5b::host::JsonBody;
using mt5b::host::new_uuid_v4;
using mt5b::host::require_uuid;
using ::testing::HasSubstr;

const std::vector<std::string> kAllowed = {"login", "password", "server", "is_active"};

// The ApiError `fn` throws; records a failure when it throws nothing.
template <class Fn>
ApiError error_of(Fn&& fn) {
  try {
    fn();
  } catch (const ApiError& e) {
    return e;
  }
  ADD_FAILURE() << "expected an ApiError";
  return ApiError(0, "NONE", "");
}

TEST(JsonBody, reads_fields_of_each_type) {
  JsonBody body(R"({"login": 9007199254740993, "server": "Demo-1", "is_active": true})", kAllowed);
  EXPECT_EQ(body.integer("login"), 9007199254740993LL) << "int64 kept exactly";
  EXPECT_EQ(body.string("server"), "Demo-1");
  EXPECT_EQ(body.boolean("is_active"), true);
  EXPECT_FALSE(body.has("password"));
  EXPECT_EQ(body.string("password"), std::nullopt);
}

TEST(JsonBody, treats_null_as_absent) {
  JsonBody body(R"({"password": null})", kAllowed);
  EXPECT_FALSE(body.has("password"));
  EXPECT_EQ(body.string("password"), std::nullopt);
}

TEST(JsonBody, refuses_text_that_is_not_json_as_invalid_json) {
  for (const std::string text : {"not json", "", "{\"login\": 1", "{\"login\": 1} extra"}) {
    ApiError e = error_of([&] { JsonBody{text, kAllowed}; });
    EXPECT_EQ(e.status(), 400) << text;
    EXPECT_EQ(e.code(), "INVALID_JSON") << text;
  }
}

TEST(JsonBody, refuses_json_that_is_not_an_object_as_invalid_json) {
  for (const std::string text : {"[1, 2]", "\"login\"", "42", "null"}) {
    EXPECT_EQ(error_of([&] { JsonBody{text, kAllowed}; }).code(), "INVALID_JSON") << text;
  }
}

TEST(JsonBody, refuses_an_unknown_field_naming_it_and_the_allowed_ones) {
  ApiError e = error_of([&] { JsonBody{R"({"login": 1, "evil": true})", kAllowed}; });
  EXPECT_EQ(e.status(), 400);
  EXPECT_EQ(e.code(), "UNKNOWN_FIELD");
  EXPECT_EQ(e.details(), "evil");
  EXPECT_THAT(e.what(), HasSubstr("'evil'"));
  EXPECT_THAT(e.what(), HasSubstr("login, password, server, is_active"));
}

TEST(JsonBody, refuses_a_field_of_the_wrong_type_as_invalid_type) {
  JsonBody body(R"({"login": "12345", "server": 7, "is_active": "yes", "password": 1.5})",
                kAllowed);
  for (auto read : std::vector<std::function<void()>>{
           [&] { body.integer("login"); }, [&] { body.string("server"); },
           [&] { body.boolean("is_active"); }, [&] { body.integer("password"); }}) {
    ApiError e = error_of(read);
    EXPECT_EQ(e.status(), 400);
    EXPECT_EQ(e.code(), "INVALID_TYPE");
  }
  EXPECT_EQ(error_of([&] { body.integer("login"); }).details(), "login");
}

TEST(Uuid, recognises_uuids_in_either_case) {
  EXPECT_TRUE(is_uuid("123e4567-e89b-42d3-a456-426614174000"));
  EXPECT_TRUE(is_uuid("123E4567-E89B-42D3-A456-426614174000"));
  EXPECT_FALSE(is_uuid(""));
  EXPECT_FALSE(is_uuid("123e4567e89b42d3a456426614174000"));       // no dashes
  EXPECT_FALSE(is_uuid("123e4567-e89b-42d3-a456-42661417400"));    // one short
  EXPECT_FALSE(is_uuid("123e4567-e89b-42d3-a456-4266141740000"));  // one long
  EXPECT_FALSE(is_uuid("123e4567-e89b-42d3-a456-42661417400g"));   // not hex
  EXPECT_FALSE(is_uuid("123e4567-e89b42-d3-a456-426614174000"));   // dash misplaced
}

TEST(Uuid, new_uuid_v4_sets_version_4_and_the_rfc_4122_variant) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string id = new_uuid_v4();
    ASSERT_TRUE(is_uuid(id)) << id;
    EXPECT_EQ(id[14], '4') << id;
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
    EXPECT_EQ(require_uuid(id, "id"), id) << "already lowercase";
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(Uuid, require_uuid_lowercases_a_valid_uuid) {
  EXPECT_EQ(require_uuid("123E4567-E89B-42D3-A456-426614174000", "account id"),
            "123e4567-e89b-42d3-a456-426614174000");
}

TEST(Uuid, require_uuid_refuses_other_text_naming_what_was_expected) {
  ApiError e = error_of([] { require_uuid("not-a-uuid", "account id"); });
  EXPECT_EQ(e.status(), 400);
  EXPECT_EQ(e.code(), "INVALID_UUID");
  EXPECT_THAT(e.what(), HasSubstr("account id"));
  ApiError long_input = error_of([] { require_uuid(std::string(1000, 'x'), "account id"); });
  ASSERT_TRUE(long_input.details().has_value());
  EXPECT_LE(long_input.details()->size(), 64u) << "details are capped";
}

}  // namespace

namespace {
TEST(JsonBodyDepth, refuses_deep_nesting_with_invalid_json_instead_of_recursing) {
  // A body of half a million '[' once crashed the host (recursive parse).
  try {
    mt5b::host::JsonBody body(std::string(500000, '['), {"login"});
    FAIL() << "a deeply nested body was accepted";
  } catch (const mt5b::host::ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_EQ(e.code(), "INVALID_JSON");
  }
}

TEST(JsonBodyDepth, brackets_inside_strings_do_not_count_as_nesting) {
  mt5b::host::JsonBody body("{\"login\": \"" + std::string(100, '[') + "\"}", {"login"});
  EXPECT_EQ(body.string("login")->size(), 100u);
}

TEST(Utf8Safe, replaces_invalid_sequences_and_keeps_valid_text) {
  EXPECT_EQ(mt5b::host::utf8_safe("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(mt5b::host::utf8_safe("\xff\xfe"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(mt5b::host::utf8_safe("\xc0\xaf"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(mt5b::host::utf8_safe("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Utf8Safe, error_responses_are_valid_utf8_whatever_the_client_sent) {
  auto r = mt5b::host::error_response(
      mt5b::host::ApiError(400, "UNKNOWN_FIELD", "field '\xff' is not accepted", "\xff\xfe"), "r1");
  EXPECT_EQ(mt5b::host::utf8_safe(r.body), r.body);
}
}  // namespace
