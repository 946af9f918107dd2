// The host's own view of a request and a response: copied out of the transport's borrowed
// structs so handlers can run on any thread, for as long as they need.
#pragma once

#include <mt5bridge/abi.h>

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace mt5b::host {

struct Request {
  std::string method;
  std::string path;
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string body;
  std::string client_ip;
  std::string request_id;
  std::map<std::string, std::string> path_params;  // filled by the router
  const mt5b_http_request* raw = nullptr;          // valid only during dispatch

  // Case-insensitive header lookup.
  std::optional<std::string> header(std::string_view name) const;
  // Decoded query parameter (first occurrence).
  std::optional<std::string> query_param(std::string_view name) const;
};

struct Response {
  uint16_t status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  void set_header(std::string name, std::string value);
};

Request copy_request(const mt5b_http_request& raw);

// A failure a client should see: HTTP status, stable error code, a sentence saying what to do,
// and optional details (never a secret).
class ApiError : public std::runtime_error {
 public:
  ApiError(uint16_t status, std::string code, const std::string& message,
           std::optional<std::string> details = std::nullopt)
      : std::runtime_error(message),
        status_(status),
        code_(std::move(code)),
        details_(std::move(details)) {}
  uint16_t status() const { return status_; }
  const std::string& code() const { return code_; }
  const std::optional<std::string>& details() const { return details_; }

 private:
  uint16_t status_;
  std::string code_;
  std::optional<std::string> details_;
};

// 429: the error shape plus story 7.4's {"error": "Rate limit exceeded", "retry_after": N}.
class RateLimitError : public ApiError {
 public:
  explicit RateLimitError(int64_t retry_after_s)
      : ApiError(429, "RATE_LIMITED",
                 "Too many requests; wait retry_after seconds before trying again."),
        retry_after_s_(retry_after_s) {}
  int64_t retry_after_s() const { return retry_after_s_; }

 private:
  int64_t retry_after_s_;
};

// The one error shape: {success:false, error_code, error_message, details, request_id}.
Response error_response(const ApiError& error, const std::string& request_id);

std::string percent_decode(std::string_view in, bool plus_is_space);
// Replaces every byte sequence that is not valid UTF-8 with U+FFFD, so echoed client input
// never makes a response invalid JSON text.
std::string utf8_safe(std::string_view in);

}  // namespace mt5b::host
