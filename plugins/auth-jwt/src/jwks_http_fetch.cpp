#include "jwks_http_fetch.hpp"

#include <mt5bridge/sdk.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <functional>
#include <optional>

namespace mt5b::auth_jwt {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t kMaxHeaderBytes = 16 * 1024;

struct Url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;
};

[[noreturn]] void refuse_url(const std::string& reason) {
  throw sdk::Error(MT5B_INVALID_ARGUMENT,
                   "jwks_url " + reason +
                       "; use https://<project-ref>.supabase.co/auth/v1/.well-known/jwks.json");
}

Url parse_url(const std::string& url) {
  Url out;
  std::string_view rest = url;
  if (rest.rfind("https://", 0) == 0) {
    out.tls = true;
    rest.remove_prefix(8);
  } else if (rest.rfind("http://", 0) == 0) {
    rest.remove_prefix(7);
  } else {
    refuse_url("must start with https:// (or http://)");
  }
  if (url.size() > 2048) refuse_url("is longer than 2048 characters");
  if (std::any_of(url.begin(), url.end(), [](char c) { return c <= ' ' || c >= 0x7f; }))
    refuse_url("contains spaces or control characters");
  if (url.find('#') != std::string::npos) refuse_url("has a fragment (#)");
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (authority.find('@') != std::string_view::npos) refuse_url("must not carry user info (@)");
  if (authority.find('[') != std::string_view::npos) refuse_url("uses an IPv6 literal");
  const std::size_t colon = authority.find(':');
  out.host = std::string(authority.substr(0, colon));
  out.port = colon == std::string_view::npos ? (out.tls ? "443" : "80")
                                             : std::string(authority.substr(colon + 1));
  if (out.host.empty()) refuse_url("names no host");
  if (out.port.empty() || out.port.size() > 5 ||
      !std::all_of(out.port.begin(), out.port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    refuse_url("has a port that is not a number");
  return out;
}

[[noreturn]] void fail(const std::string& reason) {
  throw sdk::Error(MT5B_RETRY, "fetching the JWKS failed: " + reason);
}

// How the exchange ended; set by the completion handlers, read once io_context stops.
struct Outcome {
  bool done = false;
  std::string error;  // the failed step and OpenSSL's or the system's reason
  bool too_large = false;

  void failed(const char* step, beast::error_code ec) {
    done = true;
    too_large = ec == http::error::body_limit;
    error = std::string(step) + ": " + ec.message();
  }
};

// Sends the GET on a connected `stream` (a tcp_stream, or an ssl_stream over one) and reads
// the answer into `parser`.
template <class Stream>
void send_request(Stream& stream, const http::request<http::empty_body>& request,
                  beast::flat_buffer& buffer, http::response_parser<http::string_body>& parser,
                  Outcome& outcome) {
  http::async_write(stream, request, [&](beast::error_code ec, std::size_t) {
    if (ec) return outcome.failed("sending the request", ec);
    http::async_read(stream, buffer, parser, [&](beast::error_code read_ec, std::size_t) {
      if (read_ec) return outcome.failed("reading the answer", read_ec);
      outcome.done = true;
    });
  });
}

}  // namespace

void check_jwks_url(const std::string& url) {
  (void)parse_url(url);
}

std::string fetch_jwks_document(const std::string& url_text, const FetchLimits& limits) {
  const Url url = parse_url(url_text);
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  http::request<http::empty_body> request{http::verb::get, url.target, 11};
  request.set(http::field::host, url.host);
  request.set(http::field::user_agent, "mt5bridge-auth-jwt");
  request.set(http::field::accept, "application/json");
  request.set(http::field::connection, "close");
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(limits.max_bytes);
  Outcome outcome;

  // Every step shares one deadline: tcp_stream's timer bounds connect, handshake, write and
  // read, and run_for bounds the resolver too.
  auto connect_then = [&](beast::tcp_stream& tcp_layer, std::function<void()> next) {
    tcp_layer.expires_after(limits.timeout);
    resolver.async_resolve(
        url.host, url.port, [&, next](beast::error_code ec, tcp::resolver::results_type found) {
          if (ec) return outcome.failed("resolving the host", ec);
          tcp_layer.async_connect(found, [&, next](beast::error_code c_ec, tcp::endpoint) {
            if (c_ec) return outcome.failed("connecting", c_ec);
            next();
          });
        });
  };

  std::optional<beast::tcp_stream> plain;
  std::optional<asio::ssl::context> tls;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  if (!url.tls) {
    plain.emplace(ioc);
    connect_then(*plain, [&] { send_request(*plain, request, buffer, parser, outcome); });
  } else {
    tls.emplace(asio::ssl::context::tls_client);
    tls->set_default_verify_paths();
    tls->set_verify_mode(asio::ssl::verify_peer);
    secure.emplace(ioc, *tls);
    if (!SSL_set_tlsext_host_name(secure->native_handle(), url.host.c_str()))
      fail("the host name cannot be sent in TLS (SNI)");
    secure->set_verify_callback(asio::ssl::host_name_verification(url.host));
    connect_then(beast::get_lowest_layer(*secure), [&] {
      secure->async_handshake(asio::ssl::stream_base::client, [&](beast::error_code ec) {
        if (ec) return outcome.failed("the TLS handshake", ec);
        send_request(*secure, request, buffer, parser, outcome);
      });
    });
  }
  ioc.run_for(limits.timeout);
  if (!outcome.done) fail("no answer within " + std::to_string(limits.timeout.count()) + " ms");
  // Beast's body_limit is not checked when the whole answer arrives in one read, so the size
  // is checked again here.
  if (outcome.too_large || parser.get().body().size() > limits.max_bytes)
    fail("the answer is larger than " + std::to_string(limits.max_bytes) + " bytes");
  if (!outcome.error.empty()) fail(outcome.error);
  const unsigned status = parser.get().result_int();
  if (status != 200)
    fail("the server answered HTTP " + std::to_string(status) + " (redirects are not followed)");
  return std::move(parser.get().body());
}

}  // namespace mt5b::auth_jwt
