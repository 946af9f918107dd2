// libFuzzer target: transport-http's request parser (RFC 9112 framing, chunked bodies, limits).
// The first input byte splits the rest into two appends, so requests that arrive in pieces are
// covered too. Checks what the transport relies on: no request body over the limit, no request
// after a failure, and a failure always has a status and a message.
#include "request_parser.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using mt5b::transport_http::ParserLimits;
using mt5b::transport_http::RequestParser;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  ParserLimits limits;
  limits.max_head_bytes = 4096;
  limits.max_body_bytes = 8192;
  RequestParser parser(limits);
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t split = std::min<std::size_t>(data[0] * 16u, input.size());
  for (std::string_view piece : {input.substr(0, split), input.substr(split)}) {
    parser.append(piece);
    for (;;) {
      auto progress = parser.advance();
      if (progress == RequestParser::Progress::kNeedMore) {
        (void)parser.take_continue_due();
        break;
      }
      if (progress == RequestParser::Progress::kFailed) {
        const auto& error = parser.error();
        if (error.status < 400 || error.status > 599 || error.message.empty()) std::abort();
        if (parser.advance() != RequestParser::Progress::kFailed) std::abort();
        return 0;
      }
      auto request = parser.take_request();
      if (request.body.size() > limits.max_body_bytes) std::abort();
      if (request.method.empty() || request.path.empty()) std::abort();
      (void)parser.buffered_bytes();
      (void)parser.phase();
    }
  }
  return 0;
}
