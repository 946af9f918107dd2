// Turns a response into HTTP/1.1 bytes, with the framing headers the transport owns.
#ifndef MT5BRIDGE_TRANSPORT_HTTP_RESPONSE_ENCODER_HPP
#define MT5BRIDGE_TRANSPORT_HTTP_RESPONSE_ENCODER_HPP

#include "request_parser.hpp"

#include <mt5bridge/abi.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mt5b::transport_http {

// A response copied out of the host's borrowed mt5b_http_response, so it can be sent later.
struct OwnedResponse {
  uint16_t status = 500;
  std::vector<HeaderField> headers;
  std::string body;
};

OwnedResponse copy_response(const mt5b_http_response& response);

// A response in the host's JSON error shape:
// {"success":false,"error_code":...,"error_message":...,"details":null,"request_id":"req_..."},
// with the same id in X-Request-ID and `Vary: Origin`.
OwnedResponse error_response(uint16_t status, std::string_view error_code,
                             std::string_view message);

// The bytes of `response`. Connection, Content-Length, Transfer-Encoding and Keep-Alive from
// the host are replaced by the transport's own framing; headers that could split the response
// (CR, LF or NUL inside, or a name that is not a token) are dropped. No body bytes are sent
// for HEAD requests and for 1xx, 204 and 304 answers. A status outside 100..599 becomes a 500.
std::string encode_response(const OwnedResponse& response, bool head_request, bool keep_alive);

// "req_" and 24 random hex digits, the host's request id shape.
std::string new_request_id();
// Adds the CORS headers the host would add when `origin` is one of `allowed`.
void allow_origin(OwnedResponse& response, std::string_view origin,
                  const std::vector<std::string>& allowed);
// The same, straight from the host's borrowed answer (nothing is copied first).
std::string encode_response(const mt5b_http_response& response, bool head_request, bool keep_alive);

// The interim answer to `Expect: 100-continue`.
std::string_view continue_response() noexcept;

std::string_view reason_phrase(uint16_t status) noexcept;

}  // namespace mt5b::transport_http

#endif  // MT5BRIDGE_TRANSPORT_HTTP_RESPONSE_ENCODER_HPP
