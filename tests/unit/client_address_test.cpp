// TrustedProxies: forwarded headers name the client only when the peer is a trusted proxy, read
// from the right so a client cannot choose its own address; bad entries are refused at load.
#include "config/client_address.hpp"

#include <gtest/gtest.h>

namespace {

using mt5b::host::TrustedProxies;

TrustedProxies proxies(std::vector<std::string> entries) {
  std::string why;
  auto p = TrustedProxies::parse(entries, &why);
  EXPECT_TRUE(p) << why;
  return p.value_or(TrustedProxies{});
}

TEST(TrustedProxies, without_trusted_proxies_headers_are_never_read) {
  TrustedProxies none;
  EXPECT_EQ(none.client_ip("127.0.0.1", {"6.6.6.6"}, "7.7.7.7"), "127.0.0.1");
}

TEST(TrustedProxies, an_untrusted_peer_is_the_client_whatever_it_sends) {
  auto p = proxies({"10.0.0.0/8"});
  EXPECT_EQ(p.client_ip("203.0.113.9", {"6.6.6.6"}, "7.7.7.7"), "203.0.113.9");
}

TEST(TrustedProxies, forwarded_for_is_read_from_the_right_skipping_trusted_hops) {
  auto p = proxies({"10.0.0.0/8", "192.0.2.1"});
  // The client forged "6.6.6.6"; the proxies appended the real address and their own.
  EXPECT_EQ(p.client_ip("10.1.2.3", {"6.6.6.6, 198.51.100.7, 192.0.2.1"}, std::nullopt),
            "198.51.100.7");
  EXPECT_EQ(p.client_ip("10.1.2.3", {"6.6.6.6", "198.51.100.7"}, std::nullopt), "198.51.100.7")
      << "several headers are one list";
  EXPECT_EQ(p.client_ip("10.1.2.3", {"10.9.9.9, 192.0.2.1"}, std::nullopt), "10.9.9.9")
      << "all hops trusted: the leftmost";
  EXPECT_EQ(p.client_ip("10.1.2.3", {"6.6.6.6, not-an-ip"}, std::nullopt), "10.1.2.3")
      << "garbage ends the walk";
}

TEST(TrustedProxies, real_ip_is_used_without_forwarded_for) {
  auto p = proxies({"127.0.0.1"});
  EXPECT_EQ(p.client_ip("127.0.0.1", {}, "198.51.100.7"), "198.51.100.7");
  EXPECT_EQ(p.client_ip("127.0.0.1", {}, "nonsense"), "127.0.0.1");
}

TEST(TrustedProxies, ipv6_ranges_and_exact_addresses) {
  auto p = proxies({"fd00::/8", "::1"});
  EXPECT_TRUE(p.contains("fd12:3456::1"));
  EXPECT_TRUE(p.contains("::1"));
  EXPECT_FALSE(p.contains("fe80::1"));
  EXPECT_FALSE(p.contains("127.0.0.1"));
  EXPECT_EQ(p.client_ip("::1", {"2001:db8::5"}, std::nullopt), "2001:db8::5");
  auto v4 = proxies({"127.0.0.0/8"});
  EXPECT_TRUE(v4.contains("127.0.0.2"));
  EXPECT_FALSE(v4.contains("128.0.0.1"));
  EXPECT_FALSE(v4.contains("::1")) << "IPv4 ranges hold only IPv4 addresses";
}

TEST(TrustedProxies, bad_entries_are_refused_with_an_example) {
  for (std::string bad : {"10.0.0.0/33", "example.com", "10.0.0.0/", "fd00::/129", "1.2.3.4/x"}) {
    std::string why;
    EXPECT_FALSE(TrustedProxies::parse({bad}, &why)) << bad;
    EXPECT_NE(why.find(bad), std::string::npos) << why;
  }
}

}  // namespace
