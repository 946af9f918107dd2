// Which address a request came from when reverse proxies stand in front of the host.
//
// The peer address of the connection is the client, unless that peer is one of the configured
// `api.trusted_proxies` (addresses or CIDR ranges). Only then are X-Forwarded-For and X-Real-IP
// read: X-Forwarded-For from its right end, skipping trusted hops, so the first untrusted
// address is the client (whatever a client wrote further left is never believed); without
// X-Forwarded-For, X-Real-IP. A header that does not hold an IP address is ignored.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mt5b::host {

class TrustedProxies {
 public:
  TrustedProxies() = default;
  // Each entry an IPv4/IPv6 address or a CIDR range ("10.0.0.0/8", "fd00::/8"). nullopt with
  // `why` set for the first entry that is neither.
  static std::optional<TrustedProxies> parse(const std::vector<std::string>& entries,
                                             std::string* why);

  bool empty() const { return ranges_.empty(); }
  bool contains(std::string_view address) const;

  // The client's address. `forwarded_for` holds every X-Forwarded-For header value in order.
  std::string client_ip(const std::string& peer, const std::vector<std::string>& forwarded_for,
                        const std::optional<std::string>& real_ip) const;

 private:
  struct Range {
    std::array<uint8_t, 16> bytes{};  // IPv4 as IPv4-mapped IPv6
    int prefix = 128;
  };
  std::vector<Range> ranges_;
};

// The address in `text` as 16 bytes (IPv4 mapped into IPv6), or nullopt when it is not one.
std::optional<std::array<uint8_t, 16>> parse_ip_address(std::string_view text);

}  // namespace mt5b::host
