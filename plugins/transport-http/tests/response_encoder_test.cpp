// The response encoder on its own: framing owned by the transport, unsafe headers dropped.
#include "response_encoder.hpp"

#include <rapidjson/document.h>

#include <gtest/gtest.h>

namespace mt5b::transport_http {
namespace {

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(ResponseEncoder, writes_status_headers_length_connection_and_body) {
  OwnedResponse response{404, {{"Content-Type", "application/json"}}, "{}"};
  EXPECT_EQ(encode_response(response, false, true),
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            "Connection: keep-alive\r\n\r\n{}");
}

TEST(ResponseEncoder, replaces_framing_headers_given_by_the_host) {
  OwnedResponse response{
      200,
      {{"Connection", "close"}, {"content-length", "99"}, {"Transfer-Encoding", "chunked"}},
      "abc"};
  auto bytes = encode_response(response, false, true);
  EXPECT_FALSE(contains(bytes, "close"));
  EXPECT_FALSE(contains(bytes, "99"));
  EXPECT_FALSE(contains(bytes, "chunked"));
  EXPECT_TRUE(contains(bytes, "Content-Length: 3\r\n"));
}

TEST(ResponseEncoder, drops_headers_that_could_split_the_response) {
  OwnedResponse response{200, {{"X-Evil", "a\r\nSet-Cookie: stolen"}, {"Bad Name", "v"}}, ""};
  auto bytes = encode_response(response, false, false);
  EXPECT_FALSE(contains(bytes, "stolen"));
  EXPECT_FALSE(contains(bytes, "Bad Name"));
  EXPECT_TRUE(contains(bytes, "Connection: close\r\n"));
}

TEST(ResponseEncoder, sends_no_body_for_head_204_and_304) {
  OwnedResponse response{200, {}, "body"};
  auto head = encode_response(response, true, true);
  EXPECT_TRUE(contains(head, "Content-Length: 4\r\n"));
  EXPECT_FALSE(contains(head, "body"));
  auto no_content = encode_response(OwnedResponse{204, {}, "x"}, false, true);
  EXPECT_FALSE(contains(no_content, "Content-Length"));
  EXPECT_EQ(no_content.back(), '\n');
  EXPECT_FALSE(contains(encode_response(OwnedResponse{304, {}, "x"}, false, true), "\r\n\r\nx"));
}

TEST(ResponseEncoder, turns_an_invalid_status_into_a_500) {
  auto bytes = encode_response(OwnedResponse{42, {}, ""}, false, true);
  EXPECT_EQ(bytes.rfind("HTTP/1.1 500 ", 0), 0u);
  EXPECT_TRUE(contains(bytes, "INTERNAL_ERROR"));
}

TEST(ResponseEncoder, error_response_has_the_host_json_shape_with_escaping) {
  auto response = error_response(504, "TIMEOUT", "said \"no\"");
  EXPECT_EQ(response.status, 504);
  const std::string prefix =
      "{\"success\":false,\"error_code\":\"TIMEOUT\",\"error_message\":\"said "
      "\\\"no\\\"\",\"details\":null,\"request_id\":\"req_";
  EXPECT_EQ(response.body.substr(0, prefix.size()), prefix);
  rapidjson::Document json;
  json.Parse(response.body.c_str());
  ASSERT_FALSE(json.HasParseError());
  // The same id in the body and in X-Request-ID, in the host's shape; Vary: Origin as well.
  std::string id = json["request_id"].GetString();
  EXPECT_EQ(id.size(), 4u + 24u);
  bool header_matches = false, varies = false;
  for (const auto& h : response.headers) {
    header_matches |= h.name == "X-Request-ID" && h.value == id;
    varies |= h.name == "Vary" && h.value == "Origin";
  }
  EXPECT_TRUE(header_matches);
  EXPECT_TRUE(varies);
  EXPECT_NE(error_response(504, "TIMEOUT", "x").body, error_response(504, "TIMEOUT", "x").body);
}

}  // namespace
}  // namespace mt5b::transport_http
