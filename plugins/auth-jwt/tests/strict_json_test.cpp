// Specification of the strict JSON object parser used for JWT headers and payloads.
#include "strict_json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mt5b::auth_jwt {
namespace {

// The parser's complaint, or "ok".
std::string verdict(std::string_view text) {
  rapidjson::Document document;
  const char* problem = parse_strict_json_object(text, document);
  return problem ? problem : "ok";
}

std::string nested_objects(int depth) {
  std::string text;
  for (int i = 1; i < depth; ++i) text += R"({"a":)";
  text += "{}";
  for (int i = 1; i < depth; ++i) text += "}";
  return text;
}

TEST(StrictJson, accepts_an_object_with_distinct_members) {
  EXPECT_EQ(verdict(R"({"sub":"x","aud":["a","b"],"exp":1,"meta":{"k":true}})"), "ok");
}

TEST(StrictJson, refuses_a_repeated_member_name) {
  EXPECT_EQ(verdict(R"({"role":"anon","role":"authenticated"})"), "repeats a member name");
}

TEST(StrictJson, refuses_a_repeated_member_name_in_a_nested_object) {
  EXPECT_EQ(verdict(R"({"app_metadata":{"provider":"email","provider":"x"}})"),
            "repeats a member name");
  EXPECT_EQ(verdict(R"({"amr":[{"method":"otp","method":"password"}]})"), "repeats a member name");
}

TEST(StrictJson, refuses_values_that_are_not_objects) {
  EXPECT_EQ(verdict("[1,2]"), "is not a JSON object");
  EXPECT_EQ(verdict(R"("text")"), "is not a JSON object");
  EXPECT_EQ(verdict("null"), "is not a JSON object");
}

TEST(StrictJson, refuses_what_lenient_parsers_accept) {
  EXPECT_EQ(verdict(""), "is empty");
  EXPECT_EQ(verdict("{} {}"), "is not valid JSON");
  EXPECT_EQ(verdict(R"({"a":1,})"), "is not valid JSON");
  EXPECT_EQ(verdict(R"({/*c*/"a":1})"), "is not valid JSON");
  EXPECT_EQ(verdict(R"({"a":NaN})"), "is not valid JSON");
  EXPECT_EQ(verdict(R"({'a':1})"), "is not valid JSON");
  EXPECT_EQ(verdict("{\"a\":\"\xff\"}"), "is not valid JSON");
}

TEST(StrictJson, accepts_nesting_up_to_the_limit_and_refuses_deeper) {
  EXPECT_EQ(verdict(nested_objects(kMaxJsonDepth)), "ok");
  EXPECT_EQ(verdict(nested_objects(kMaxJsonDepth + 1)), "is nested too deeply");
}

TEST(StrictJson, survives_hostile_nesting) {
  std::string text = R"({"a":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_EQ(verdict(text), "is nested too deeply");
}

}  // namespace
}  // namespace mt5b::auth_jwt
