// transport-http end to end over loopback: what a client sends reaches the dispatcher, and what
// the dispatcher answers reaches the client.
#include "transport_fixture.hpp"

#include <rapidjson/document.h>

#include <gtest/gtest.h>

#include <chrono>

namespace mt5b::transport_http::testing {
namespace {

using namespace std::chrono_literals;
using TransportHttp = TransportFixture;

bool has_header(const RecordedRequest& request, std::string_view name, std::string_view value) {
  for (const auto& [n, v] : request.headers)
    if (n == name && v == value) return true;
  return false;
}

// Checks the host's JSON error shape and returns its error_code.
std::string json_error_code(const HttpResponse& response) {
  rapidjson::Document json;
  json.Parse(response.body.c_str());
  EXPECT_FALSE(json.HasParseError()) << response.body;
  if (json.HasParseError() || !json.IsObject()) return {};
  EXPECT_EQ(response.header("Content-Type"), "application/json");
  EXPECT_TRUE(json["success"].IsFalse());
  EXPECT_TRUE(json["error_message"].IsString());
  EXPECT_TRUE(json["details"].IsNull());
  EXPECT_TRUE(json["request_id"].IsString());
  EXPECT_EQ(response.header("X-Request-ID"),
            json["request_id"].IsString() ? json["request_id"].GetString() : "");
  return json["error_code"].GetString();
}

TEST_F(TransportHttp, get_reaches_dispatcher_with_method_raw_path_raw_query_headers_and_client) {
  start_on_free_port();
  RawHttpClient client(port_);
  client.send(
      "GET /api/mt5/accounts/a%2Fb?limit=10&z=%20x&limit=2 HTTP/1.1\r\n"
      "Host: 127.0.0.1\r\nX-API-Key: k-123\r\nX-Dup: one\r\nX-Dup: two\r\n\r\n");
  EXPECT_EQ(client.read_response().status, 200);

  auto requests = dispatcher_.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& request = requests[0];
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.path, "/api/mt5/accounts/a%2Fb");
  EXPECT_EQ(request.query, "limit=10&z=%20x&limit=2");
  EXPECT_TRUE(has_header(request, "X-API-Key", "k-123"));  // the name as received
  EXPECT_TRUE(has_header(request, "X-Dup", "one"));
  EXPECT_TRUE(has_header(request, "X-Dup", "two"));
  EXPECT_TRUE(has_header(request, "Host", "127.0.0.1"));
  EXPECT_EQ(request.body, "");
  EXPECT_EQ(request.client_ip, "127.0.0.1");
  EXPECT_EQ(request.client_port, client.local_port());
}

TEST_F(TransportHttp, post_body_arrives_byte_exact_including_nul) {
  start_on_free_port();
  const std::string body("a\0b\r\n\xff{\"x\":1}", 12);
  RawHttpClient client(port_);
  client.send("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(client.read_response().status, 200);
  auto requests = dispatcher_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].body, body);
}

TEST_F(TransportHttp, response_status_headers_and_body_arrive) {
  start_on_free_port();
  const std::string body("{\"ok\":true,\"nul\":\"\0\"}", 21);
  dispatcher_.answer_with({201,
                           {{"Content-Type", "application/json"},
                            {"X-Request-Id", "r-1"},
                            {"Set-Cookie", "a=1"},
                            {"Set-Cookie", "b=2"}},
                           body});
  RawHttpClient client(port_);
  client.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
  auto response = client.read_response();
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.header("Content-Type"), "application/json");
  EXPECT_EQ(response.header("X-Request-Id"), "r-1");
  int cookies = 0;
  for (const auto& [name, value] : response.headers) cookies += name == "Set-Cookie";
  EXPECT_EQ(cookies, 2);
  EXPECT_EQ(response.header("Content-Length"), std::to_string(body.size()));
  EXPECT_EQ(response.body, body);
}

TEST_F(TransportHttp, serves_two_requests_on_one_connection_without_connection_close) {
  start_on_free_port();
  RawHttpClient client(port_);
  client.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
  auto first = client.read_response();
  client.send("GET /second HTTP/1.1\r\nHost: x\r\n\r\n");
  auto second = client.read_response();

  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(first.header("Connection"), "keep-alive");
  EXPECT_EQ(second.header("Connection"), "keep-alive");
  auto requests = dispatcher_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].path, "/first");
  EXPECT_EQ(requests[1].path, "/second");
  EXPECT_EQ(requests[0].client_port, requests[1].client_port);  // the same TCP connection
}

TEST_F(TransportHttp, answers_pipelined_requests_in_order) {
  start_on_free_port();
  RawHttpClient client(port_);
  client.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(client.read_response().status, 200);
  EXPECT_EQ(client.read_response().status, 200);
  auto requests = dispatcher_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].path, "/2");
}

TEST_F(TransportHttp, honours_connection_close_from_the_client) {
  start_on_free_port();
  RawHttpClient client(port_);
  client.send("GET /bye HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto response = client.read_response();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.header("Connection"), "close");
  EXPECT_TRUE(client.server_closed());
}

TEST_F(TransportHttp, closes_http10_connections_unless_asked_to_keep_them) {
  start_on_free_port();
  RawHttpClient client(port_);
  client.send("GET /old HTTP/1.0\r\n\r\n");
  EXPECT_EQ(client.read_response().header("Connection"), "close");
  EXPECT_TRUE(client.server_closed());
}

TEST_F(TransportHttp, refuses_oversized_body_with_413_json_before_the_dispatcher_sees_it) {
  start_on_free_port("\"max_body_bytes\":1024");
  RawHttpClient client(port_);
  // The whole oversized body is sent before reading, as simple clients do: the answer must
  // survive the unread bytes.
  client.send("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 65536\r\n\r\n" +
              std::string(65536, 'b'));
  auto response = client.read_response();
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(json_error_code(response), "PAYLOAD_TOO_LARGE");
  EXPECT_EQ(response.header("Connection"), "close");
  EXPECT_TRUE(dispatcher_.requests().empty());
}

TEST_F(TransportHttp, accepts_a_body_of_exactly_max_body_bytes) {
  start_on_free_port("\"max_body_bytes\":16");
  RawHttpClient client(port_);
  client.send("PUT /edge HTTP/1.1\r\nHost: x\r\nContent-Length: 16\r\n\r\n" + std::string(16, 'e'));
  EXPECT_EQ(client.read_response().status, 200);
  ASSERT_EQ(dispatcher_.requests().size(), 1u);
}

TEST_F(TransportHttp, refuses_oversized_chunked_body_with_413) {
  start_on_free_port("\"max_body_bytes\":8");
  RawHttpClient client(port_);
  client.send(
      "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n");
  auto response = client.read_response();
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(json_error_code(response), "PAYLOAD_TOO_LARGE");
  EXPECT_TRUE(dispatcher_.requests().empty());
}

TEST_F(TransportHttp, decodes_a_chunked_body) {
  start_on_free_port();
  RawHttpClient client(port_);
  client.send(
      "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
  EXPECT_EQ(client.read_response().status, 200);
  auto requests = dispatcher_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].body, "hello world");
}

TEST_F(TransportHttp, answers_expect_100_continue_before_the_body_is_sent) {
  start_on_free_port();
  RawHttpClient client(port_);
  client.send("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(client.read_response().status, 100);
  client.send("data");
  EXPECT_EQ(client.read_response().status, 200);
  ASSERT_EQ(dispatcher_.requests().size(), 1u);
  EXPECT_EQ(dispatcher_.requests()[0].body, "data");
}

TEST_F(TransportHttp, works_when_the_responder_is_called_later_from_another_thread) {
  dispatcher_.set_mode(FakeDispatcher::Mode::kRespondLater, 150ms);
  dispatcher_.answer_with({202, {{"X-Late", "yes"}}, "later"});
  start_on_free_port();
  RawHttpClient client(port_);
  client.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  auto response = client.read_response();
  EXPECT_EQ(response.status, 202);
  EXPECT_EQ(response.header("X-Late"), "yes");
  EXPECT_EQ(response.body, "later");
}

TEST_F(TransportHttp, answers_504_json_when_the_dispatcher_never_responds) {
  dispatcher_.set_mode(FakeDispatcher::Mode::kNeverRespond);
  start_on_free_port("\"request_timeout_ms\":200");
  RawHttpClient client(port_);
  auto started = std::chrono::steady_clock::now();
  client.send("GET /never HTTP/1.1\r\nHost: x\r\n\r\n");
  auto response = client.read_response();
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(response.status, 504);
  EXPECT_EQ(json_error_code(response), "TIMEOUT");
  EXPECT_GE(waited, 200ms);
  EXPECT_LT(waited, 3s);
  // The connection stays usable.
  client.send("GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(client.read_response().status, 504);
}

TEST_F(TransportHttp, head_response_has_length_but_no_body_and_keeps_framing) {
  dispatcher_.answer_with({200, {}, "twelve bytes"});
  start_on_free_port();
  RawHttpClient client(port_);
  client.send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n");
  auto head = client.read_response(/*head_request=*/true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), "12");
  // Had body bytes followed the HEAD answer, this second answer would not parse.
  client.send("GET /g HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(client.read_response().body, "twelve bytes");
  EXPECT_EQ(dispatcher_.requests()[0].method, "HEAD");
}

TEST_F(TransportHttp, get_with_a_body_passes_the_body) {
  start_on_free_port();
  RawHttpClient client(port_);
  client.send("GET /q HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_EQ(client.read_response().status, 200);
  EXPECT_EQ(dispatcher_.requests().at(0).body, "abc");
}

TEST_F(TransportHttp, dispatches_websocket_upgrade_as_a_normal_request) {
  start_on_free_port();
  RawHttpClient client(port_);
  client.send(
      "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  EXPECT_EQ(client.read_response().status, 200);
  auto requests = dispatcher_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(has_header(requests[0], "Upgrade", "websocket"));
}

TEST_F(TransportHttp, answers_400_json_to_a_malformed_request_and_closes) {
  start_on_free_port();
  RawHttpClient client(port_);
  client.send("NOT HTTP AT ALL\r\n\r\n");
  auto response = client.read_response();
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(json_error_code(response), "BAD_REQUEST");
  EXPECT_TRUE(client.server_closed());
  EXPECT_TRUE(dispatcher_.requests().empty());
}

// Answers are written straight to the socket when it takes them; what it does not take goes
// into the connection's output queue, and later answers must wait behind it.
std::string large_body() {
  std::string body(8 * 1024 * 1024, '\0');  // more than a loopback socket buffers
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 23);
  return body;
}

TEST_F(TransportHttp, pipelined_answers_larger_than_the_socket_buffer_arrive_whole_and_in_order) {
  const std::string body = large_body();
  dispatcher_.answer_with({200, {{"Content-Type", "text/plain"}}, body});
  start_on_free_port();
  RawHttpClient client(port_);
  client.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
  for (int i = 0; i < 2; ++i) {
    auto response = client.read_response();
    EXPECT_EQ(response.status, 200);
    EXPECT_TRUE(response.body == body) << "answer " << i + 1 << " arrived damaged";
  }
  // Once the queue has drained, answers go straight out again on the same connection.
  dispatcher_.answer_with({200, {}, "small"});
  client.send("GET /3 HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(client.read_response().body, "small");
}

TEST_F(TransportHttp, a_large_answer_to_connection_close_arrives_whole_before_the_close) {
  const std::string body = large_body();
  dispatcher_.answer_with({200, {}, body});
  start_on_free_port();
  RawHttpClient client(port_);
  client.send("GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto response = client.read_response();
  EXPECT_EQ(response.header("Connection"), "close");
  EXPECT_TRUE(response.body == body);
  EXPECT_TRUE(client.server_closed());
}

TEST_F(TransportHttp, keeps_one_connection_alive_across_many_answers) {
  start_on_free_port();
  RawHttpClient client(port_);
  for (int i = 0; i < 500; ++i) {
    client.send("GET /n HTTP/1.1\r\nHost: x\r\n\r\n");
    auto response = client.read_response();
    ASSERT_EQ(response.status, 200) << "request " << i;
    ASSERT_EQ(response.header("Connection"), "keep-alive");
    ASSERT_EQ(response.body, "ok");
  }
  EXPECT_EQ(dispatcher_.requests().size(), 500u);
}

// A client that sends its next request as soon as it has an answer has that answer sent on the
// worker's next turn whenever the worker has other connections: the answers still arrive whole
// and in order, also when they are pipelined.
TEST_F(TransportHttp, a_connection_that_yields_its_turn_still_gets_every_answer_in_order) {
  start_on_free_port("\"threads\":1");
  RawHttpClient quiet(port_);  // a second connection on the same worker
  RawHttpClient busy(port_);
  for (int i = 0; i < 200; ++i) {
    busy.send("GET /n" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_EQ(busy.read_response().body, "ok") << "request " << i;
  }
  busy.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(busy.read_response().status, 200);
  EXPECT_EQ(busy.read_response().status, 200);
  quiet.send("GET /q HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(quiet.read_response().body, "ok");
  auto requests = dispatcher_.requests();
  ASSERT_EQ(requests.size(), 203u);
  EXPECT_EQ(requests[199].path, "/n199");
  EXPECT_EQ(requests[201].path, "/b");
}

}  // namespace
}  // namespace mt5b::transport_http::testing
