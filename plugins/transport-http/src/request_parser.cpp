#include "request_parser.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace mt5b::transport_http {
namespace {

// Bytes kept before the buffer is compacted, so a long keep-alive connection does not grow it.
constexpr std::size_t kCompactThreshold = 64 * 1024;
constexpr std::size_t kMaxChunkSizeLine = 1024;
constexpr std::size_t kUsualHeaderCount = 16;

// RFC 9110 tchar, as a table: every header name of every request goes through it.
constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = table[c - 'a' + 'A'] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

bool is_token_char(unsigned char c) {
  return kTokenChars[c];
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return is_token_char(static_cast<unsigned char>(c));
  });
}

// ASCII case folding: HTTP's names and keywords are ASCII, and this needs no locale.
char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls fn(token) for each comma-separated, trimmed, non-empty token of a header value.
template <class Fn>
void for_each_token(std::string_view value, Fn&& fn) {
  while (!value.empty()) {
    auto comma = value.find(',');
    auto token = trim(value.substr(0, comma));
    if (!token.empty()) fn(token);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

std::string too_large_message(std::size_t limit) {
  return "The request body is larger than the " + std::to_string(limit) +
         " bytes this server accepts; send a smaller body.";
}

}  // namespace

RequestParser::RequestParser(ParserLimits limits) : limits_(limits) {
  request_.headers.reserve(kUsualHeaderCount);
}

void RequestParser::append(std::string_view bytes) {
  if (pos_ == buffer_.size()) {
    buffer_.clear();
    head_scan_ = 0;
    pos_ = 0;
  } else if (pos_ > kCompactThreshold) {
    buffer_.erase(0, pos_);
    head_scan_ -= std::min(head_scan_, pos_);
    pos_ = 0;
  }
  buffer_.append(bytes);
}

RequestParser::Progress RequestParser::advance() {
  for (;;) {
    bool moved = false;
    switch (stage_) {
      case Stage::kDone: continue_due_ = false; return Progress::kRequestReady;
      case Stage::kFailed: continue_due_ = false; return Progress::kFailed;
      case Stage::kHead: moved = parse_head(); break;
      case Stage::kFixedBody: moved = parse_fixed_body(); break;
      case Stage::kChunkSize: moved = parse_chunk_size(); break;
      case Stage::kChunkData: moved = parse_chunk_data(); break;
      case Stage::kChunkDataEnd: moved = parse_chunk_data_end(); break;
      case Stage::kTrailers: moved = parse_trailers(); break;
    }
    if (!moved) return Progress::kNeedMore;
  }
}

ParsedRequest RequestParser::take_request() {
  ParsedRequest out = std::move(request_);
  request_ = ParsedRequest{};
  request_.headers.reserve(kUsualHeaderCount);  // one allocation instead of several growths
  stage_ = Stage::kHead;
  head_scan_ = pos_;
  trailer_bytes_ = 0;
  remaining_ = 0;
  is_http10_ = false;
  expects_continue_ = false;
  continue_due_ = false;
  return out;
}

std::string_view RequestParser::origin() const noexcept {
  for (const auto& header : request_.headers)
    if (iequals(header.name, "Origin")) return header.value;
  return {};
}

void RequestParser::fail(uint16_t status, std::string error_code, std::string message) {
  error_ = ParseError{status, std::move(error_code), std::move(message)};
  stage_ = Stage::kFailed;
}

bool RequestParser::next_line(std::string_view& line) {
  auto newline = buffer_.find('\n', pos_);
  if (newline == std::string::npos) return false;
  if (newline == pos_ || buffer_[newline - 1] != '\r') {
    fail_bare_lf();
    return true;
  }
  line = std::string_view(buffer_).substr(pos_, newline - pos_ - 1);
  pos_ = newline + 1;
  return true;
}

void RequestParser::fail_bare_lf() {
  fail(400, "BAD_REQUEST",
       "A line ends with LF alone; end every line of the request with CR LF (RFC 9112).");
}

bool RequestParser::parse_head() {
  // Empty lines (CR LF) before a request line are ignored (RFC 9112 section 2.2): some clients
  // send a stray CR LF after a body.
  if (head_scan_ <= pos_) {
    while (available() >= 2 && buffer_[pos_] == '\r' && buffer_[pos_ + 1] == '\n') pos_ += 2;
    head_scan_ = pos_;
    if (available() == 1 && buffer_[pos_] == '\r') return false;
  }
  std::size_t head_end = std::string::npos;
  while (head_end == std::string::npos) {
    auto newline = buffer_.find('\n', head_scan_);
    if (newline == std::string::npos) {
      if (buffer_.size() - pos_ > limits_.max_head_bytes) break;
      return false;
    }
    // Lines end with CR LF only: a bare LF is where parsers in a chain disagree (smuggling).
    if (newline == head_scan_ || buffer_[newline - 1] != '\r') {
      fail_bare_lf();
      return true;
    }
    bool empty_line = newline == head_scan_ + 1;
    head_scan_ = newline + 1;
    if (empty_line) head_end = head_scan_;
  }
  if (head_end == std::string::npos || head_end - pos_ > limits_.max_head_bytes) {
    fail(431, "REQUEST_HEADERS_TOO_LARGE",
         "The request line and headers are larger than " + std::to_string(limits_.max_head_bytes) +
             " bytes; send fewer or shorter headers.");
    return true;
  }

  std::string_view line;
  next_line(line);  // complete and CR LF-terminated: checked above
  if (!parse_request_line(line)) return true;
  while (next_line(line) && !line.empty()) {
    if (!parse_header_line(line)) return true;
  }
  pos_ = head_end;
  decide_framing();
  return true;
}

bool RequestParser::parse_request_line(std::string_view line) {
  static const std::string kShape =
      "; send a request line of the form `METHOD /path?query HTTP/1.1`.";
  auto first_space = line.find(' ');
  auto second_space =
      first_space == std::string_view::npos ? first_space : line.find(' ', first_space + 1);
  if (second_space == std::string_view::npos ||
      line.find(' ', second_space + 1) != std::string_view::npos) {
    fail(400, "BAD_REQUEST", "The request line is malformed" + kShape);
    return false;
  }
  auto method = line.substr(0, first_space);
  auto target = line.substr(first_space + 1, second_space - first_space - 1);
  auto version = line.substr(second_space + 1);
  if (!is_token(method)) {
    fail(400, "BAD_REQUEST", "The request method is not a valid token" + kShape);
    return false;
  }
  bool target_ok = !target.empty() && std::none_of(target.begin(), target.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
  if (!target_ok) {
    fail(400, "BAD_REQUEST", "The request target is empty or has control characters" + kShape);
    return false;
  }
  if (version == "HTTP/1.0") {
    is_http10_ = true;
  } else if (version != "HTTP/1.1") {
    bool looks_like_http = version.size() == 8 && version.substr(0, 5) == "HTTP/" &&
                           std::isdigit(static_cast<unsigned char>(version[5])) &&
                           version[6] == '.' &&
                           std::isdigit(static_cast<unsigned char>(version[7]));
    if (looks_like_http) {
      fail(505, "HTTP_VERSION_NOT_SUPPORTED",
           "This server speaks HTTP/1.1 and HTTP/1.0 only; retry with HTTP/1.1.");
    } else {
      fail(400, "BAD_REQUEST", "The HTTP version is missing or malformed" + kShape);
    }
    return false;
  }

  // An absolute-form target (as sent to proxies) is reduced to its path and query.
  for (std::string_view scheme : {"http://", "https://"}) {
    if (istarts_with(target, scheme)) {
      auto rest = target.substr(scheme.size());
      auto path_start = rest.find_first_of("/?");
      target =
          path_start == std::string_view::npos ? std::string_view("/") : rest.substr(path_start);
      break;
    }
  }
  auto question = target.find('?');
  auto path = target.substr(0, question);
  if (path.empty() && question != std::string_view::npos) path = "/";
  if (path != "*" && path.front() != '/') {
    fail(400, "BAD_REQUEST", "The request path must start with '/'" + kShape);
    return false;
  }
  request_.method = std::string(method);
  request_.path = std::string(path);
  request_.query =
      question == std::string_view::npos ? std::string() : std::string(target.substr(question + 1));
  return true;
}

bool RequestParser::parse_header_line(std::string_view line) {
  if (line.front() == ' ' || line.front() == '\t') {
    fail(400, "BAD_REQUEST",
         "A header line starts with whitespace (obsolete line folding); send each header on "
         "one line.");
    return false;
  }
  auto colon = line.find(':');
  auto name = line.substr(0, colon);
  if (colon == std::string_view::npos || !is_token(name)) {
    fail(400, "BAD_REQUEST",
         "A header line is not of the form `Name: value`; header names are tokens without "
         "spaces.");
    return false;
  }
  auto value = trim(line.substr(colon + 1));
  // No early exit: a plain loop over long values (bearer tokens) that the compiler vectorises.
  // Control characters other than HTAB are not field content (RFC 9110 section 5.5).
  bool has_forbidden = false;
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    has_forbidden |= (u < 0x20) & (u != '\t');
    has_forbidden |= u == 0x7f;
  }
  if (has_forbidden) {
    fail(400, "BAD_REQUEST",
         "The value of header `" + std::string(name) +
             "` contains control characters (CR, LF, NUL, ...); remove them.");
    return false;
  }
  request_.headers.push_back(HeaderField{std::string(name), std::string(value)});
  return true;
}

bool RequestParser::decide_framing() {
  bool has_length = false;
  bool has_transfer_encoding = false;
  bool only_chunked = true;
  int chunked_count = 0;
  int host_count = 0;
  bool asks_close = false;
  bool asks_keep_alive = false;
  uint64_t length = 0;
  std::string unsupported_coding;

  for (const auto& header : request_.headers) {
    if (iequals(header.name, "Content-Length")) {
      const auto& v = header.value;
      bool digits = !v.empty() && std::all_of(v.begin(), v.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      });
      if (!digits) {
        fail(400, "BAD_REQUEST", "Content-Length must be a decimal number of bytes.");
        return false;
      }
      // More than 18 digits cannot be a size this server accepts; saturate instead of
      // overflowing.
      uint64_t parsed = v.size() > 18 ? UINT64_MAX : std::stoull(v);
      if (has_length && parsed != length) {
        fail(400, "BAD_REQUEST", "The request carries conflicting Content-Length headers.");
        return false;
      }
      has_length = true;
      length = parsed;
    } else if (iequals(header.name, "Transfer-Encoding")) {
      has_transfer_encoding = true;
      for_each_token(header.value, [&](std::string_view coding) {
        if (iequals(coding, "chunked")) {
          ++chunked_count;
        } else {
          only_chunked = false;
          if (unsupported_coding.empty()) unsupported_coding = std::string(coding);
        }
      });
    } else if (iequals(header.name, "Host")) {
      ++host_count;
    } else if (iequals(header.name, "Connection")) {
      for_each_token(header.value, [&](std::string_view option) {
        if (iequals(option, "close")) asks_close = true;
        if (iequals(option, "keep-alive")) asks_keep_alive = true;
      });
    } else if (iequals(header.name, "Expect")) {
      if (iequals(header.value, "100-continue")) expects_continue_ = true;
    }
  }

  // HTTP/1.1 connections persist unless closed; HTTP/1.0 ones only when asked (RFC 9112 9.3).
  request_.keep_alive = is_http10_ ? asks_keep_alive && !asks_close : !asks_close;

  // RFC 9112 section 3.2: a server MUST answer 400 to an HTTP/1.1 request without Host, and to
  // any request with more than one.
  if (host_count > 1 || (host_count == 0 && !is_http10_)) {
    fail(400, "BAD_REQUEST",
         host_count == 0 ? "The request has no Host header; HTTP/1.1 requires one."
                         : "The request has more than one Host header; send exactly one.");
    return false;
  }
  if (has_transfer_encoding) {
    if (is_http10_) {
      // RFC 9112 section 6.1: Transfer-Encoding in HTTP/1.0 means the framing is faulty.
      fail(400, "BAD_REQUEST",
           "Transfer-Encoding is not part of HTTP/1.0; send HTTP/1.1 or a Content-Length.");
      return false;
    }
    if (has_length) {
      // Both framings at once is how request smuggling starts (RFC 9112 section 6.1).
      fail(400, "BAD_REQUEST",
           "The request carries both Content-Length and Transfer-Encoding; send only one.");
      return false;
    }
    if (!only_chunked) {
      fail(501, "NOT_IMPLEMENTED",
           "Transfer-Encoding `" + unsupported_coding +
               "` is not supported; send the body with Content-Length or chunked encoding.");
      return false;
    }
    if (chunked_count != 1) {
      fail(400, "BAD_REQUEST", "The chunked coding is applied more than once; apply it once.");
      return false;
    }
    stage_ = Stage::kChunkSize;
  } else if (has_length && length > limits_.max_body_bytes) {
    fail(413, "PAYLOAD_TOO_LARGE", too_large_message(limits_.max_body_bytes));
    return false;
  } else if (has_length && length > 0) {
    remaining_ = length;
    // Only a little is reserved up front: a declared length costs nothing until bytes arrive.
    request_.body.reserve(static_cast<std::size_t>(std::min<uint64_t>(length, 16 * 1024)));
    stage_ = Stage::kFixedBody;
  } else {
    stage_ = Stage::kDone;
  }
  continue_due_ = expects_continue_ && !is_http10_ && stage_ != Stage::kDone;
  return true;
}

bool RequestParser::parse_fixed_body() {
  auto n = static_cast<std::size_t>(std::min<uint64_t>(available(), remaining_));
  request_.body.append(buffer_, pos_, n);
  pos_ += n;
  remaining_ -= n;
  if (remaining_ > 0) return false;
  stage_ = Stage::kDone;
  return true;
}

bool RequestParser::parse_chunk_size() {
  std::string_view line;
  if (!next_line(line)) {
    if (available() <= kMaxChunkSizeLine) return false;
    fail(400, "BAD_REQUEST", "A chunk-size line is too long; send valid chunked encoding.");
    return true;
  }
  if (stage_ == Stage::kFailed) return true;
  // Chunk extensions are ignored. Whitespace around the size is refused: parsers disagree
  // on it, which is how chunked smuggling works.
  auto size_text = line.substr(0, line.find(';'));
  bool hex = !size_text.empty() && size_text.size() <= 15 &&
             std::all_of(size_text.begin(), size_text.end(),
                         [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
  if (!hex) {
    fail(400, "BAD_REQUEST",
         "A chunk size is not a hexadecimal number; send valid chunked "
         "encoding.");
    return true;
  }
  uint64_t size = std::stoull(std::string(size_text), nullptr, 16);
  if (size == 0) {
    stage_ = Stage::kTrailers;
  } else if (size > limits_.max_body_bytes - request_.body.size()) {
    fail(413, "PAYLOAD_TOO_LARGE", too_large_message(limits_.max_body_bytes));
  } else {
    remaining_ = size;
    stage_ = Stage::kChunkData;
  }
  return true;
}

bool RequestParser::parse_chunk_data() {
  auto n = static_cast<std::size_t>(std::min<uint64_t>(available(), remaining_));
  request_.body.append(buffer_, pos_, n);
  pos_ += n;
  remaining_ -= n;
  if (remaining_ > 0) return false;
  stage_ = Stage::kChunkDataEnd;
  return true;
}

bool RequestParser::parse_chunk_data_end() {
  if (available() == 0) return false;
  if (buffer_[pos_] == '\n') {
    fail_bare_lf();
    return true;
  }
  if (buffer_[pos_] == '\r') {
    if (available() < 2) return false;
    if (buffer_[pos_ + 1] != '\n') {
      fail(400, "BAD_REQUEST", "A chunk is not followed by CR LF; send valid chunked encoding.");
      return true;
    }
    pos_ += 2;
  } else {
    fail(400, "BAD_REQUEST", "A chunk is longer than its size; send valid chunked encoding.");
    return true;
  }
  stage_ = Stage::kChunkSize;
  return true;
}

bool RequestParser::parse_trailers() {
  std::string_view line;
  bool complete = next_line(line);
  if (stage_ == Stage::kFailed) return true;
  std::size_t pending = complete ? line.size() + 2 : available();
  if (trailer_bytes_ + pending > limits_.max_head_bytes) {
    fail(431, "REQUEST_HEADERS_TOO_LARGE",
         "The chunked trailers are larger than " + std::to_string(limits_.max_head_bytes) +
             " bytes; send fewer trailers.");
    return true;
  }
  if (!complete) return false;
  trailer_bytes_ += pending;
  // Trailer fields are read and dropped: the ABI's request has no place for them.
  if (line.empty()) stage_ = Stage::kDone;
  return true;
}

}  // namespace mt5b::transport_http
