// The router: literal and {param} segments, percent-decoded parameters, and telling a path that
// exists with another method (405) from a path that does not exist (404).
#include "api/router.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using mt5b::host::Access;
using mt5b::host::Request;
using mt5b::host::Response;
using mt5b::host::Route;
using mt5b::host::Router;

Route route(std::string method, std::string pattern) {
  return Route{std::move(method), std::move(pattern), Access::service,
               [](mt5b::host::RequestContext&) { return Response{}; }};
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.add(route("GET", "/healthz"));
    router_.add(route("GET", "/api/mt5/accounts"));
    router_.add(route("POST", "/api/mt5/accounts"));
    router_.add(route("GET", "/api/mt5/accounts/{account_id}"));
    router_.add(route("DELETE", "/api/mt5/accounts/{account_id}"));
    router_.add(route("GET", "/api/mt5/accounts/{account_id}/symbols/{symbol}"));
  }

  // The matched route's pattern ("" when none), with the request's params and path_known.
  std::string match(const std::string& method, const std::string& path,
                    bool* path_known = nullptr) {
    last_ = Request{};
    last_.method = method;
    last_.path = path;
    const Route* r = router_.match(last_, path_known);
    return r ? r->method + " " + r->pattern : "";
  }

  Router router_;
  Request last_;
};

TEST_F(RouterTest, matches_a_literal_route_by_method_and_path) {
  EXPECT_EQ(match("GET", "/api/mt5/accounts"), "GET /api/mt5/accounts");
  EXPECT_EQ(match("POST", "/api/mt5/accounts"), "POST /api/mt5/accounts");
  EXPECT_EQ(match("GET", "/healthz"), "GET /healthz");
  EXPECT_TRUE(last_.path_params.empty());
}

TEST_F(RouterTest, fills_path_params_from_brace_segments) {
  EXPECT_EQ(match("GET", "/api/mt5/accounts/6f1c2b7e/symbols/EURUSD"),
            "GET /api/mt5/accounts/{account_id}/symbols/{symbol}");
  EXPECT_EQ(last_.path_params.at("account_id"), "6f1c2b7e");
  EXPECT_EQ(last_.path_params.at("symbol"), "EURUSD");
}

TEST_F(RouterTest, percent_decodes_params_but_keeps_plus_signs) {
  match("GET", "/api/mt5/accounts/a1/symbols/US%2030%2Fcash");
  EXPECT_EQ(last_.path_params.at("symbol"), "US 30/cash");
  match("GET", "/api/mt5/accounts/a1/symbols/XAU+USD");
  EXPECT_EQ(last_.path_params.at("symbol"), "XAU+USD") << "'+' is a space only in queries";
  match("GET", "/api/mt5/accounts/a1/symbols/bad%zz%2");
  EXPECT_EQ(last_.path_params.at("symbol"), "bad%zz%2") << "invalid escapes stay as written";
}

TEST_F(RouterTest, an_encoded_slash_does_not_split_a_segment) {
  EXPECT_EQ(match("GET", "/api/mt5/accounts/a%2Fb"), "GET /api/mt5/accounts/{account_id}");
  EXPECT_EQ(last_.path_params.at("account_id"), "a/b");
}

TEST_F(RouterTest, a_known_path_with_another_method_is_told_apart_from_an_unknown_path) {
  bool path_known = false;
  EXPECT_EQ(match("PUT", "/api/mt5/accounts", &path_known), "");
  EXPECT_TRUE(path_known) << "405: the path exists with GET and POST";
  EXPECT_EQ(match("PATCH", "/api/mt5/accounts/a1", &path_known), "");
  EXPECT_TRUE(path_known);
  EXPECT_EQ(match("GET", "/api/mt5/nothing-here", &path_known), "");
  EXPECT_FALSE(path_known) << "404: no route has this path";
}

TEST_F(RouterTest, path_known_is_reset_when_a_route_matches) {
  bool path_known = true;
  EXPECT_NE(match("GET", "/healthz", &path_known), "");
  EXPECT_FALSE(path_known);
}

TEST_F(RouterTest, a_different_number_of_segments_does_not_match) {
  bool path_known = true;
  EXPECT_EQ(match("GET", "/api/mt5/accounts/a1/symbols", &path_known), "");
  EXPECT_FALSE(path_known);
  EXPECT_EQ(match("GET", "/api/mt5/accounts/a1/symbols/EURUSD/extra", &path_known), "");
  EXPECT_FALSE(path_known);
}

TEST_F(RouterTest, literal_segments_compare_exactly) {
  EXPECT_EQ(match("GET", "/API/mt5/accounts"), "");
  EXPECT_EQ(match("GET", "/api/mt5/account"), "");
}

TEST_F(RouterTest, works_without_a_path_known_out_parameter) {
  EXPECT_EQ(match("PUT", "/api/mt5/accounts"), "");
}

}  // namespace
