#include "response_encoder.hpp"

#include <algorithm>
#include <random>

#include <mt5bridge/sdk.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <utility>

namespace mt5b::transport_http {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_framing_header(std::string_view name) {
  return iequals(name, "Connection") || iequals(name, "Content-Length") ||
         iequals(name, "Transfer-Encoding") || iequals(name, "Keep-Alive");
}

bool is_safe_header(std::string_view name, std::string_view value) {
  constexpr std::string_view kTokenSpecials = "!#$%&'*+-.^_`|~";
  bool name_ok = !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           kTokenSpecials.find(c) != std::string_view::npos;
  });
  bool value_ok = std::none_of(value.begin(), value.end(),
                               [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
  return name_ok && value_ok;
}

bool status_has_no_body(uint16_t status) {
  return status < 200 || status == 204 || status == 304;
}

}  // namespace

OwnedResponse copy_response(const mt5b_http_response& in) {
  mt5b_http_response response;
  sdk::read_struct(&in, response);
  OwnedResponse out;
  out.status = response.status;
  out.body = sdk::copy(response.body);
  if (response.headers != nullptr) {
    out.headers.reserve(response.header_count);
    for (uint32_t i = 0; i < response.header_count; ++i) {
      out.headers.push_back(
          HeaderField{sdk::copy(response.headers[i].name), sdk::copy(response.headers[i].value)});
    }
  }
  return out;
}

std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "req_";
  uint64_t bits = 0;
  for (int i = 0; i < 12; ++i, bits >>= 8) {  // 12 random bytes, as the host's ids
    if (i % 8 == 0) bits = rng();
    out += kDigits[(bits >> 4) & 0xf];
    out += kDigits[bits & 0xf];
  }
  return out;
}

void allow_origin(OwnedResponse& response, std::string_view origin,
                  const std::vector<std::string>& allowed) {
  if (origin.empty() || std::find(allowed.begin(), allowed.end(), origin) == allowed.end()) return;
  response.headers.push_back(HeaderField{"Access-Control-Allow-Origin", std::string(origin)});
  response.headers.push_back(HeaderField{"Access-Control-Expose-Headers", "X-Request-ID"});
}

OwnedResponse error_response(uint16_t status, std::string_view error_code,
                             std::string_view message) {
  rapidjson::StringBuffer json;
  rapidjson::Writer<rapidjson::StringBuffer> writer(json);
  writer.StartObject();
  writer.Key("success");
  writer.Bool(false);
  writer.Key("error_code");
  writer.String(error_code.data(), static_cast<rapidjson::SizeType>(error_code.size()));
  writer.Key("error_message");
  writer.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  writer.Key("details");
  writer.Null();
  // The transport's own answers get a request id too, so a client can quote it and the operator
  // can find the refusal in the log, as with the host's answers.
  std::string request_id = new_request_id();
  writer.Key("request_id");
  writer.String(request_id.data(), static_cast<rapidjson::SizeType>(request_id.size()));
  writer.EndObject();

  OwnedResponse out;
  out.status = status;
  out.headers.push_back(HeaderField{"Content-Type", "application/json"});
  out.headers.push_back(HeaderField{"X-Request-ID", std::move(request_id)});
  // Answers may differ by Origin (CORS headers), so caches must key on it.
  out.headers.push_back(HeaderField{"Vary", "Origin"});
  out.body.assign(json.GetString(), json.GetSize());
  return out;
}

namespace {

// The bytes of an answer whose header i is header(i) as a (name, value) pair of views.
template <class HeaderAt>
std::string encode(uint16_t status, std::size_t header_count, const HeaderAt& header,
                   std::string_view body, bool head_request, bool keep_alive) {
  if (status < 100 || status > 599) {
    return encode_response(
        error_response(500, "INTERNAL_ERROR",
                       "The server composed an invalid HTTP status " + std::to_string(status) +
                           "; report this to the operator."),
        head_request, keep_alive);
  }
  const bool no_body_status = status_has_no_body(status);
  const bool send_body = !head_request && !no_body_status;

  std::string out;
  out.reserve(128 + body.size() + 64 * header_count);
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += reason_phrase(status);
  out += "\r\n";
  for (std::size_t i = 0; i < header_count; ++i) {
    const auto [name, value] = header(i);
    if (is_framing_header(name) || !is_safe_header(name, value)) continue;
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  // RFC 9110 8.6: no Content-Length on 1xx and 204; on 304 it would have to describe the
  // representation the host did not send, so it is left out too.
  if (!no_body_status) {
    out += "Content-Length: ";
    out += std::to_string(body.size());
    out += "\r\n";
  }
  out += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  out += "\r\n";
  if (send_body) out += body;
  return out;
}

}  // namespace

std::string encode_response(const OwnedResponse& response, bool head_request, bool keep_alive) {
  return encode(
      response.status, response.headers.size(),
      [&](std::size_t i) {
        return std::pair<std::string_view, std::string_view>(response.headers[i].name,
                                                             response.headers[i].value);
      },
      response.body, head_request, keep_alive);
}

std::string encode_response(const mt5b_http_response& borrowed, bool head_request,
                            bool keep_alive) {
  mt5b_http_response response;
  sdk::read_struct(&borrowed, response);
  const std::size_t header_count = response.headers != nullptr ? response.header_count : 0;
  return encode(
      response.status, header_count,
      [&](std::size_t i) {
        return std::pair<std::string_view, std::string_view>(sdk::view(response.headers[i].name),
                                                             sdk::view(response.headers[i].value));
      },
      sdk::view(response.body), head_request, keep_alive);
}

std::string_view continue_response() noexcept {
  return "HTTP/1.1 100 Continue\r\n\r\n";
}

std::string_view reason_phrase(uint16_t status) noexcept {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Status";
  }
}

}  // namespace mt5b::transport_http
