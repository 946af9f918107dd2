// The request parser on its own: framing, limits and refusals, fed in arbitrary pieces.
#include "request_parser.hpp"

#include <gtest/gtest.h>

namespace mt5b::transport_http {
namespace {

using Progress = RequestParser::Progress;

ParserLimits limits(std::size_t max_body = 1024, std::size_t max_head = 1024) {
  ParserLimits l;
  l.max_body_bytes = max_body;
  l.max_head_bytes = max_head;
  return l;
}

// Feeds everything at once and expects one complete request.
ParsedRequest parse_one(std::string_view bytes, ParserLimits l = limits()) {
  RequestParser parser(l);
  parser.append(bytes);
  EXPECT_EQ(parser.advance(), Progress::kRequestReady);
  return parser.take_request();
}

ParseError parse_failure(std::string_view bytes, ParserLimits l = limits()) {
  RequestParser parser(l);
  parser.append(bytes);
  EXPECT_EQ(parser.advance(), Progress::kFailed);
  return parser.error();
}

TEST(RequestParser, splits_target_into_raw_path_and_raw_query) {
  auto request = parse_one("GET /a%20b/c?x=1&x=2&y=%2F HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.path, "/a%20b/c");
  EXPECT_EQ(request.query, "x=1&x=2&y=%2F");
  EXPECT_TRUE(request.keep_alive);
}

TEST(RequestParser, keeps_header_names_as_received_in_order_with_repeats) {
  auto request =
      parse_one("GET / HTTP/1.1\r\nHost: h\r\nx-lower: 1\r\nX-Dup:  a \r\nX-Dup:b\r\n\r\n");
  ASSERT_EQ(request.headers.size(), 4u);
  EXPECT_EQ(request.headers[1].name, "x-lower");
  EXPECT_EQ(request.headers[2].value, "a");
  EXPECT_EQ(request.headers[3].value, "b");
}

TEST(RequestParser, parses_a_request_fed_one_byte_at_a_time) {
  std::string full = "POST /p?q HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n";
  full += std::string("he\0lo", 5);
  RequestParser parser(limits());
  Progress progress = Progress::kNeedMore;
  for (char c : full) {
    ASSERT_EQ(progress, Progress::kNeedMore);
    parser.append(std::string_view(&c, 1));
    progress = parser.advance();
  }
  ASSERT_EQ(progress, Progress::kRequestReady);
  EXPECT_EQ(parser.take_request().body, std::string("he\0lo", 5));
}

TEST(RequestParser, yields_pipelined_requests_one_after_the_other) {
  RequestParser parser(limits());
  parser.append(
      "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nPOST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: "
      "2\r\n\r\nok\r\n");
  ASSERT_EQ(parser.advance(), Progress::kRequestReady);
  EXPECT_EQ(parser.take_request().path, "/1");
  ASSERT_EQ(parser.advance(), Progress::kRequestReady);
  auto second = parser.take_request();
  EXPECT_EQ(second.path, "/2");
  EXPECT_EQ(second.body, "ok");
  EXPECT_EQ(parser.advance(), Progress::kNeedMore);  // the stray CR LF is ignored
  parser.append("GET /3 HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(parser.advance(), Progress::kRequestReady);
  EXPECT_EQ(parser.take_request().path, "/3");
}

TEST(RequestParser, follows_connection_rules_of_http10_and_http11) {
  EXPECT_FALSE(
      parse_one("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Close\r\n\r\n").keep_alive);
  EXPECT_FALSE(parse_one("GET / HTTP/1.0\r\n\r\n").keep_alive);
  EXPECT_TRUE(parse_one("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keep_alive);
}

TEST(RequestParser, reduces_absolute_form_target_to_path_and_query) {
  auto request = parse_one("GET http://example.com:80/x/y?z=1 HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(request.path, "/x/y");
  EXPECT_EQ(request.query, "z=1");
}

TEST(RequestParser, decodes_chunked_body_with_extensions_and_trailers) {
  auto request = parse_one(
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3;name=v\r\nabc\r\nA\r\n0123456789\r\n0\r\nTrailer-Field: x\r\n\r\n");
  EXPECT_EQ(request.body, "abc0123456789");
}

TEST(RequestParser, refuses_content_length_over_the_limit_before_the_body_arrives) {
  auto error =
      parse_failure("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1025\r\n\r\n", limits(1024));
  EXPECT_EQ(error.status, 413);
  EXPECT_EQ(error.error_code, "PAYLOAD_TOO_LARGE");
  EXPECT_NE(error.message.find("1024"), std::string::npos);
}

TEST(RequestParser, refuses_a_huge_content_length_without_overflowing) {
  auto error = parse_failure(
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n");
  EXPECT_EQ(error.status, 413);
}

TEST(RequestParser, refuses_both_content_length_and_transfer_encoding) {
  auto error = parse_failure(
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(error.status, 400);
}

TEST(RequestParser, refuses_conflicting_content_lengths) {
  EXPECT_EQ(
      parse_failure("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n")
          .status,
      400);
}

TEST(RequestParser, refuses_transfer_codings_other_than_chunked_with_501) {
  auto error =
      parse_failure("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
  EXPECT_EQ(error.status, 501);
  EXPECT_NE(error.message.find("gzip"), std::string::npos);
}

TEST(RequestParser, refuses_malformed_request_lines_and_headers) {
  EXPECT_EQ(parse_failure("GET /\r\n\r\n").status, 400);
  EXPECT_EQ(parse_failure("GET  / HTTP/1.1\r\nHost: h\r\n\r\n").status, 400);
  EXPECT_EQ(parse_failure("GET relative HTTP/1.1\r\nHost: h\r\n\r\n").status, 400);
  EXPECT_EQ(parse_failure("G(T / HTTP/1.1\r\nHost: h\r\n\r\n").status, 400);
  EXPECT_EQ(parse_failure("GET / HTTP/2.0\r\n\r\n").status, 505);
  EXPECT_EQ(parse_failure("GET / HTTP/1.1\r\nHost: h\r\nNo colon here\r\n\r\n").status, 400);
  EXPECT_EQ(parse_failure("GET / HTTP/1.1\r\nHost: h\r\nBad Name: v\r\n\r\n").status, 400);
  EXPECT_EQ(parse_failure("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\n folded\r\n\r\n").status, 400);
  EXPECT_EQ(parse_failure("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
                .status,
            400);
}

TEST(RequestParser, refuses_a_head_larger_than_the_limit_even_before_it_ends) {
  RequestParser parser(limits(1024, 64));
  parser.append("GET / HTTP/1.1\r\nHost: h\r\nX-Long: " + std::string(100, 'a'));
  EXPECT_EQ(parser.advance(), Progress::kFailed);
  EXPECT_EQ(parser.error().status, 431);
}

TEST(RequestParser, asks_for_100_continue_only_while_the_body_is_outstanding) {
  RequestParser parser(limits());
  parser.append("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  EXPECT_EQ(parser.advance(), Progress::kNeedMore);
  EXPECT_TRUE(parser.take_continue_due());
  EXPECT_FALSE(parser.take_continue_due());
  parser.append("hi");
  EXPECT_EQ(parser.advance(), Progress::kRequestReady);

  RequestParser whole(limits());
  whole.append("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi");
  EXPECT_EQ(whole.advance(), Progress::kRequestReady);
  EXPECT_FALSE(whole.take_continue_due());
}

// RFC 9112 strictness (docs/api.md, "HTTP parsing"): each case is accepted by a lenient parser
// and is where two parsers in a chain can disagree.
TEST(RequestParser, refuses_lines_that_end_with_lf_alone) {
  EXPECT_EQ(parse_failure("GET / HTTP/1.1\nHost: h\n\n").status, 400);
  EXPECT_EQ(parse_failure("GET / HTTP/1.1\r\nHost: h\n\r\n").status, 400);
  EXPECT_EQ(parse_failure("GET / HTTP/1.1\r\nHost: h\r\n\n").status, 400);
  EXPECT_EQ(parse_failure("\nGET / HTTP/1.1\r\nHost: h\r\n\r\n").status, 400);
  auto error = parse_failure("GET / HTTP/1.1\r\nHost: h\n\r\n");
  EXPECT_NE(error.message.find("CR LF"), std::string::npos) << error.message;
}

TEST(RequestParser, refuses_a_bare_lf_after_chunk_data_and_in_chunk_lines) {
  const std::string head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(parse_failure(head + "2\r\nhi\n0\r\n\r\n").status, 400);
  EXPECT_EQ(parse_failure(head + "2\nhi\r\n0\r\n\r\n").status, 400);
  EXPECT_EQ(parse_failure(head + "2\r\nhi\r\n0\r\n\n").status, 400);
}

TEST(RequestParser, refuses_whitespace_around_chunk_sizes) {
  const std::string head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(parse_failure(head + " 2\r\nhi\r\n0\r\n\r\n").status, 400);
  EXPECT_EQ(parse_failure(head + "2 \r\nhi\r\n0\r\n\r\n").status, 400);
  EXPECT_EQ(parse_failure(head + "2\t;x=y\r\nhi\r\n0\r\n\r\n").status, 400);
  EXPECT_EQ(parse_one(head + "2;x=y\r\nhi\r\n0\r\n\r\n").body, "hi");
}

TEST(RequestParser, refuses_transfer_encoding_in_http10) {
  auto error =
      parse_failure("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n");
  EXPECT_EQ(error.status, 400);
  EXPECT_NE(error.message.find("HTTP/1.0"), std::string::npos);
}

TEST(RequestParser, requires_exactly_one_host_in_http11) {
  EXPECT_EQ(parse_failure("GET / HTTP/1.1\r\n\r\n").status, 400);
  EXPECT_EQ(parse_failure("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").status, 400);
  EXPECT_EQ(parse_one("GET / HTTP/1.0\r\n\r\n").method, "GET");  // HTTP/1.0 may omit it
}

TEST(RequestParser, refuses_chunked_applied_twice_and_control_characters_in_values) {
  EXPECT_EQ(
      parse_failure("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n")
          .status,
      400);
  EXPECT_EQ(parse_failure(std::string("GET / HTTP/1.1\r\nHost: h\r\nX: a\x01b\r\n\r\n")).status,
            400);
  EXPECT_EQ(parse_failure("GET / HTTP/1.1\r\nHost: h\r\nX: a\x7f\r\n\r\n").status, 400);
  EXPECT_EQ(parse_one("GET / HTTP/1.1\r\nHost: h\r\nX: a\tb\r\n\r\n").headers[1].value, "a\tb");
}

}  // namespace
}  // namespace mt5b::transport_http
