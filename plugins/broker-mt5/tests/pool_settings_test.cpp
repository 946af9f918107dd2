// The options: what a config must say, what it may leave out, and the sentences that say what
// to fix.
#include "pool_settings.hpp"

#include <gtest/gtest.h>

namespace mt5b::broker_mt5 {
namespace {

std::string terminal(const std::string& fields) {
  return R"({"terminals": [{"name": "t1", "host": "10.0.0.5", "port": 8765, "token": "tok-123", )" +
         fields + "}]}";
}

std::string refusal(const std::string& json) {
  try {
    read_pool_settings(sdk::Config(json));
  } catch (const sdk::Error& e) {
    EXPECT_EQ(e.status(), MT5B_INVALID_ARGUMENT);
    return e.what();
  }
  return "accepted";
}

constexpr const char* kPin =
    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:"
    "67:89";

TEST(PoolSettings, defaults_match_the_documented_values) {
  auto s = read_pool_settings(sdk::Config(terminal(R"("tls": false)")));
  EXPECT_EQ(s.connect_timeout.count(), 5000);
  EXPECT_EQ(s.call_timeout.count(), 10000);
  EXPECT_EQ(s.login_timeout.count(), 30000);
  EXPECT_EQ(s.session_idle.count(), 300);
  EXPECT_EQ(s.probe_interval.count(), 30);
  EXPECT_EQ(s.max_retries, 3);
  ASSERT_EQ(s.retry_backoff.size(), 3u);
  EXPECT_EQ(s.retry_backoff[2].count(), 4000);
  ASSERT_EQ(s.terminals.size(), 1u);
  EXPECT_EQ(s.terminals[0].endpoint(), "10.0.0.5:8765");
  EXPECT_EQ(s.terminals[0].token->view(), "tok-123");
}

TEST(PoolSettings, a_pinned_fingerprint_is_normalised_to_lowercase_hex) {
  auto s = read_pool_settings(
      sdk::Config(terminal(std::string(R"("fingerprint_sha256": ")") + kPin + "\"")));
  EXPECT_EQ(s.terminals[0].fingerprint_sha256,
            "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
  EXPECT_TRUE(s.terminals[0].tls);
}

TEST(PoolSettings, retry_backoff_takes_whole_numbers_quoted_or_not) {
  auto s = read_pool_settings(sdk::Config(
      R"({"terminals": [{"name": "t1", "host": "h", "port": 1, "token": "tok-1", "tls": false}],
                      "retry_backoff_ms": ["10", 20], "max_retries": 5})"));
  ASSERT_EQ(s.retry_backoff.size(), 2u);
  EXPECT_EQ(s.backoff_before_retry(0).count(), 10);
  EXPECT_EQ(s.backoff_before_retry(4).count(), 20);
  EXPECT_EQ(s.max_retries, 5);
}

TEST(PoolSettings, refuses_a_config_without_terminals) {
  EXPECT_NE(refusal(R"({"terminals": []})").find("at least one MT5 terminal"), std::string::npos);
}

TEST(PoolSettings, refuses_tls_without_a_way_to_check_the_certificate) {
  auto why = refusal(terminal(R"("tls": true)"));
  EXPECT_NE(why.find("needs ca_file or fingerprint_sha256"), std::string::npos) << why;
}

TEST(PoolSettings, refuses_both_or_neither_token_and_token_file) {
  EXPECT_NE(refusal(terminal(R"("token_file": "/x", "tls": false)")).find("exactly one of"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"terminals": [{"name": "t1", "host": "h", "port": 1, "tls": false}]})")
                .find("exactly one of token_file"),
            std::string::npos);
}

TEST(PoolSettings, refuses_an_unreadable_token_file_naming_the_file) {
  auto why = refusal(R"({"terminals": [{"name": "t1", "host": "h", "port": 1, "tls": false,
                        "token_file": "/nonexistent/t1.token"}]})");
  EXPECT_NE(why.find("'/nonexistent/t1.token' cannot be read"), std::string::npos) << why;
}

TEST(PoolSettings, refuses_unknown_keys_duplicate_names_and_bad_ports) {
  EXPECT_NE(refusal(terminal(R"("tls": false, "passwd": "x")")).find("unknown key 'passwd'"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"terminals": [
      {"name": "t1", "host": "h", "port": 1, "token": "tok-1", "tls": false},
      {"name": "t1", "host": "h", "port": 2, "token": "tok-1", "tls": false}]})")
                .find("appears twice"),
            std::string::npos);
  EXPECT_NE(
      refusal(R"({"terminals": [{"name": "t1", "host": "h", "port": 70000, "token": "tok-1"}]})")
          .find("from 1 to 65535"),
      std::string::npos);
  EXPECT_NE(refusal(R"({"terminals": [{"name": "t 1", "host": "h", "port": 1, "token": "tok-1"}]})")
                .find(".name must be"),
            std::string::npos);
}

TEST(PoolSettings, refuses_a_fingerprint_that_is_not_a_sha256_digest) {
  auto why = refusal(terminal(R"("fingerprint_sha256": "abc")"));
  EXPECT_NE(why.find("64 hex digits"), std::string::npos) << why;
}

TEST(PoolSettings, a_client_certificate_needs_both_files_and_tls) {
  auto why = refusal(terminal(R"("ca_file": "ca.pem", "client_cert_file": "c.pem")"));
  EXPECT_NE(why.find("both client_cert_file and client_key_file"), std::string::npos) << why;
  why =
      refusal(terminal(R"("tls": false, "client_cert_file": "c.pem", "client_key_file": "k.pem")"));
  EXPECT_NE(why.find("needs tls: true"), std::string::npos) << why;
}

TEST(PoolSettings, refuses_negative_waits_and_timeouts) {
  EXPECT_NE(refusal(R"({"terminals": [{"name": "t1", "host": "h", "port": 1, "token": "tok-1",
                        "tls": false}], "retry_backoff_ms": ["-5"]})")
                .find("retry_backoff_ms"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"terminals": [{"name": "t1", "host": "h", "port": 1, "token": "tok-1",
                        "tls": false}], "call_timeout_ms": 0})")
                .find("call_timeout_ms"),
            std::string::npos);
}

TEST(PoolSettings, no_refusal_shows_the_token) {
  for (const auto& json : {terminal(R"("tls": true)"), terminal(R"("fingerprint_sha256": "xyz")"),
                           terminal(R"("tls": false, "bogus": 1)"), terminal(R"("tls": "yes")")})
    EXPECT_EQ(refusal(json).find("tok-123"), std::string::npos);
}

}  // namespace
}  // namespace mt5b::broker_mt5
