// The instance options of transport-http, validated at create.
#ifndef MT5BRIDGE_TRANSPORT_HTTP_TRANSPORT_OPTIONS_HPP
#define MT5BRIDGE_TRANSPORT_HTTP_TRANSPORT_OPTIONS_HPP

#include <mt5bridge/sdk.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mt5b::transport_http {

struct ListenAddress {
  std::string host;  // IPv4/IPv6 literal (without brackets) or a host name
  uint16_t port = 0;
  std::string text;  // as configured, for messages
};

// Parses "host:port" or "[ipv6]:port". Throws sdk::Error(MT5B_INVALID_ARGUMENT) with a sentence.
ListenAddress parse_listen_address(std::string_view text);

struct TransportOptions {
  ListenAddress listen;
  int worker_threads = 2;
  std::size_t max_body_bytes = 1048576;
  std::chrono::milliseconds request_timeout{30000};
};

// Reads and checks every option; throws sdk::Error(MT5B_INVALID_ARGUMENT) naming the bad one.
TransportOptions read_transport_options(const sdk::Config& config);

}  // namespace mt5b::transport_http

#endif  // MT5BRIDGE_TRANSPORT_HTTP_TRANSPORT_OPTIONS_HPP
