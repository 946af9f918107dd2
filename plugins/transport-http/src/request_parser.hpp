// An incremental HTTP/1.x request parser for one connection.
//
// Pistache 0.0.5's own parser loses what the ABI promises the host: it keeps the query only as
// an unordered map (the raw string and its order are gone), folds repeated headers into one,
// and enforces its size limit on the whole request with a plain-text 413 that leaves the rest
// of the body to be parsed as the next request. So the transport parses requests here (and since
// it needed limits Pistache's TCP layer cannot give, it no longer uses Pistache at all).
#ifndef MT5BRIDGE_TRANSPORT_HTTP_REQUEST_PARSER_HPP
#define MT5BRIDGE_TRANSPORT_HTTP_REQUEST_PARSER_HPP

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mt5b::transport_http {

struct HeaderField {
  std::string name;   // as received
  std::string value;  // without surrounding whitespace
};

struct ParsedRequest {
  std::string method;
  std::string path;                  // percent-encoded, without the query
  std::string query;                 // raw, without '?'
  std::vector<HeaderField> headers;  // in arrival order, repeats kept
  std::string body;
  bool keep_alive = true;  // the client allows another request on this connection
};

// Why a request was refused, already in the terms of the answer to send.
struct ParseError {
  uint16_t status = 400;
  std::string error_code;
  std::string message;
};

struct ParserLimits {
  std::size_t max_head_bytes = 64 * 1024;  // request line plus headers
  std::size_t max_body_bytes = 1024 * 1024;
};

class RequestParser {
 public:
  enum class Progress { kNeedMore, kRequestReady, kFailed };

  explicit RequestParser(ParserLimits limits);

  void append(std::string_view bytes);

  // Parses what has been appended. After kRequestReady take the request with take_request()
  // and call advance() again: more requests may already be buffered. After kFailed the
  // connection cannot be trusted any more (framing is lost) and must be closed.
  Progress advance();

  ParsedRequest take_request();

  // Where the request in progress is, for the connection's timeouts.
  enum class Phase { kIdle, kHead, kBody };
  Phase phase() const noexcept {
    if (stage_ == Stage::kHead) return available() == 0 ? Phase::kIdle : Phase::kHead;
    return Phase::kBody;
  }
  // Request bytes held in memory: unparsed input and the body gathered so far.
  std::size_t buffered_bytes() const noexcept { return available() + request_.body.size(); }
  const ParseError& error() const noexcept { return error_; }
  // The Origin header of the request in progress, as far as it was read (empty when none).
  std::string_view origin() const noexcept;

  // True once per request when the client asked for `Expect: 100-continue` and its body has
  // not arrived yet: the caller then sends the interim 100 response.
  bool take_continue_due() noexcept { return std::exchange(continue_due_, false); }

 private:
  enum class Stage {
    kHead,
    kFixedBody,
    kChunkSize,
    kChunkData,
    kChunkDataEnd,
    kTrailers,
    kDone,
    kFailed
  };

  // Each stage step returns true when it moved on (advance() then runs the next step) and
  // false when it needs more bytes.
  bool parse_head();
  bool parse_fixed_body();
  bool parse_chunk_size();
  bool parse_chunk_data();
  bool parse_chunk_data_end();
  bool parse_trailers();

  // These return false after calling fail().
  bool parse_request_line(std::string_view line);
  bool parse_header_line(std::string_view line);
  bool decide_framing();
  void fail(uint16_t status, std::string error_code, std::string message);
  void fail_bare_lf();
  // The next line (without CR LF) starting at pos_, or false when it is not complete yet. A
  // line ending in LF alone fails the request (stage_ becomes kFailed; true is returned).
  bool next_line(std::string_view& line);
  std::size_t available() const noexcept { return buffer_.size() - pos_; }

  ParserLimits limits_;
  Stage stage_ = Stage::kHead;
  std::string buffer_;
  std::size_t pos_ = 0;        // first unconsumed byte of buffer_
  std::size_t head_scan_ = 0;  // where the search for the end of the head resumes
  std::size_t trailer_bytes_ = 0;
  uint64_t remaining_ = 0;  // body bytes (fixed) or chunk bytes still expected
  bool is_http10_ = false;
  bool expects_continue_ = false;
  bool continue_due_ = false;
  ParsedRequest request_;
  ParseError error_;
};

}  // namespace mt5b::transport_http

#endif  // MT5BRIDGE_TRANSPORT_HTTP_REQUEST_PARSER_HPP
