#include "transport_options.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace mt5b::transport_http {
namespace {

constexpr int kMaxThreads = 64;
constexpr int64_t kMaxBodyBytes = int64_t{1} << 30;
constexpr int64_t kMaxRequestTimeoutMs = 3'600'000;

[[noreturn]] void refuse(const std::string& message) {
  throw sdk::Error(MT5B_INVALID_ARGUMENT, message);
}

std::string listen_shape(std::string_view text) {
  return "listen \"" + std::string(text) +
         "\" is not an address to listen on; write \"host:port\" (e.g. \"127.0.0.1:8000\") or "
         "\"[ipv6]:port\" (e.g. \"[::1]:8000\") with a port from 1 to 65535.";
}

bool is_host_name(std::string_view host) {
  return !host.empty() && host.size() <= 253 && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
  });
}

int64_t integer_in_range(const sdk::Config& config, const char* key, int64_t fallback, int64_t low,
                         int64_t high, std::string_view unit) {
  int64_t value = config.integer(key, fallback);
  if (value < low || value > high) {
    refuse(std::string(key) + " is " + std::to_string(value) + "; set it to " + std::string(unit) +
           " from " + std::to_string(low) + " to " + std::to_string(high) + ".");
  }
  return value;
}

}  // namespace

ListenAddress parse_listen_address(std::string_view text) {
  ListenAddress out;
  out.text = std::string(text);
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      refuse(listen_shape(text));
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    in6_addr probe{};
    if (inet_pton(AF_INET6, std::string(host).c_str(), &probe) != 1) refuse(listen_shape(text));
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) refuse(listen_shape(text));
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (!is_host_name(host)) refuse(listen_shape(text));
  }
  bool digits = !port.empty() && port.size() <= 5 &&
                std::all_of(port.begin(), port.end(),
                            [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  int port_number = digits ? std::stoi(std::string(port)) : 0;
  if (port_number < 1 || port_number > 65535) refuse(listen_shape(text));
  out.host = std::string(host);
  out.port = static_cast<uint16_t>(port_number);
  return out;
}

TransportOptions read_transport_options(const sdk::Config& config) {
  TransportOptions options;
  options.listen = parse_listen_address(config.string("listen", "127.0.0.1:8000"));
  options.worker_threads =
      static_cast<int>(integer_in_range(config, "threads", 2, 1, kMaxThreads, "a thread count"));
  options.max_body_bytes = static_cast<std::size_t>(
      integer_in_range(config, "max_body_bytes", 1048576, 1, kMaxBodyBytes, "a byte count"));
  options.request_timeout = std::chrono::milliseconds(integer_in_range(
      config, "request_timeout_ms", 30000, 1, kMaxRequestTimeoutMs, "milliseconds"));
  if (config.has("cors_origins")) options.cors_origins = config.strings("cors_origins");
  auto ms = [&](const char* key, int64_t fallback) {
    return std::chrono::milliseconds(
        integer_in_range(config, key, fallback, 100, kMaxRequestTimeoutMs, "milliseconds"));
  };
  auto count = [&](const char* key, int64_t fallback, int64_t high, std::string_view unit) {
    return static_cast<std::size_t>(integer_in_range(config, key, fallback, 1, high, unit));
  };
  options.max_connections = count("max_connections", 4096, 1'000'000, "a connection count");
  options.max_connections_per_ip =
      count("max_connections_per_ip", 256, 1'000'000, "a connection count");
  options.header_timeout = ms("header_timeout_ms", 10000);
  options.body_timeout = ms("body_timeout_ms", 30000);
  options.idle_timeout = ms("idle_timeout_ms", 60000);
  options.max_unsent_bytes = count("max_unsent_bytes", 262144, kMaxBodyBytes, "a byte count");
  options.max_buffered_request_bytes =
      count("max_buffered_request_bytes", 67108864, int64_t{1} << 40, "a byte count");
  if (options.max_buffered_request_bytes < options.max_body_bytes) {
    refuse("max_buffered_request_bytes (" + std::to_string(options.max_buffered_request_bytes) +
           ") is smaller than max_body_bytes (" + std::to_string(options.max_body_bytes) +
           "); no body of the largest accepted size could ever be read: raise it.");
  }
  return options;
}

}  // namespace mt5b::transport_http
