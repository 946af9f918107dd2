// The instance options of transport-http, validated at create.
#ifndef MT5BRIDGE_TRANSPORT_HTTP_TRANSPORT_OPTIONS_HPP
#define MT5BRIDGE_TRANSPORT_HTTP_TRANSPORT_OPTIONS_HPP

#include <mt5bridge/sdk.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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
  // Origins whose browsers may read the transport's own refusals (413, 400, 408, ...): the host's
  // api.cors_origins, repeated here because the transport answers them without the host.
  std::vector<std::string> cors_origins{"http://localhost:5173", "http://localhost:3000"};
  // Resource limits: what one client, or many, may hold of this server (docs/configuration.md).
  std::size_t max_connections = 4096;
  std::size_t max_connections_per_ip = 256;
  std::chrono::milliseconds header_timeout{10000};  // from a request's first byte to its blank line
  std::chrono::milliseconds body_timeout{30000};    // from the end of the head to the body's end
  std::chrono::milliseconds idle_timeout{60000};    // keep-alive wait, and a stalled reader
  std::size_t max_unsent_bytes = 256 * 1024;        // per connection; reading pauses above it
  std::size_t max_buffered_request_bytes = 64 * 1024 * 1024;  // all connections together
};

// Reads and checks every option; throws sdk::Error(MT5B_INVALID_ARGUMENT) naming the bad one.
TransportOptions read_transport_options(const sdk::Config& config);

}  // namespace mt5b::transport_http

#endif  // MT5BRIDGE_TRANSPORT_HTTP_TRANSPORT_OPTIONS_HPP
