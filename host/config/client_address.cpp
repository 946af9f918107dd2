#include "config/client_address.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace mt5b::host {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool in_range(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& net, int prefix) {
  int whole = prefix / 8, rest = prefix % 8;
  if (std::memcmp(a.data(), net.data(), static_cast<size_t>(whole)) != 0)  // not-a-secret: IPs
    return false;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (a[static_cast<size_t>(whole)] & mask) == (net[static_cast<size_t>(whole)] & mask);
}

}  // namespace

std::optional<std::array<uint8_t, 16>> parse_ip_address(std::string_view text) {
  text = trim(text);
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string s(text);
  std::array<uint8_t, 16> out{};
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out[10] = out[11] = 0xFF;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return out;
  }
  return std::nullopt;
}

std::optional<TrustedProxies> TrustedProxies::parse(const std::vector<std::string>& entries,
                                                    std::string* why) {
  TrustedProxies out;
  for (const auto& entry : entries) {
    std::string_view text = trim(entry);
    Range r;
    std::string_view address = text;
    std::optional<int> prefix;
    if (auto slash = text.find('/'); slash != std::string_view::npos) {
      address = text.substr(0, slash);
      std::string_view bits = text.substr(slash + 1);
      int n = 0;
      bool digits = !bits.empty() && bits.size() <= 3;
      for (char c : bits) {
        digits = digits && c >= '0' && c <= '9';
        if (digits) n = n * 10 + (c - '0');
      }
      if (!digits) {
        *why = "'" + entry + "' has no valid prefix length after '/'";
        return std::nullopt;
      }
      prefix = n;
    }
    auto bytes = parse_ip_address(address);
    if (!bytes) {
      *why = "'" + entry +
             "' is not an IP address or CIDR range (e.g. 10.0.0.1, 10.0.0.0/8, fd00::/8)";
      return std::nullopt;
    }
    const bool v4 = address.find(':') == std::string_view::npos;
    const int max = v4 ? 32 : 128;
    if (prefix && (*prefix < 0 || *prefix > max)) {
      *why = "'" + entry + "': the prefix length must be 0.." + std::to_string(max);
      return std::nullopt;
    }
    r.bytes = *bytes;
    r.prefix = (v4 ? 96 : 0) + prefix.value_or(max);
    out.ranges_.push_back(r);
  }
  return out;
}

bool TrustedProxies::contains(std::string_view address) const {
  auto bytes = parse_ip_address(address);
  if (!bytes) return false;
  for (const auto& r : ranges_)
    if (in_range(*bytes, r.bytes, r.prefix)) return true;
  return false;
}

std::string TrustedProxies::client_ip(const std::string& peer,
                                      const std::vector<std::string>& forwarded_for,
                                      const std::optional<std::string>& real_ip) const {
  if (ranges_.empty() || !contains(peer)) return peer;
  // Every hop, left (the original client, as claimed) to right (the last proxy's peer).
  std::vector<std::string_view> hops;
  for (const auto& header : forwarded_for) {
    std::string_view rest = header;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      hops.push_back(trim(rest.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (!hops.empty()) {
    std::string_view client = peer;
    for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
      if (!parse_ip_address(*it)) break;  // garbage: believe nothing further left
      client = *it;
      if (!contains(*it)) break;  // the first untrusted hop from the right is the client
    }
    return std::string(client);
  }
  if (real_ip && parse_ip_address(*real_ip)) return std::string(trim(*real_ip));
  return peer;
}

}  // namespace mt5b::host
