// The options: checked, turned into a libpq connection string, never echoed when secret.
#include "connection_settings.hpp"

#include <gtest/gtest.h>

namespace mt5b::storage_postgres {
namespace {

ConnectionSettings settings(const std::string& json) {
  return read_connection_settings(sdk::Config(json));
}

mt5b_status status_of(const std::string& json) {
  try {
    settings(json);
    return MT5B_OK;
  } catch (const sdk::Error& error) {
    return error.status();
  }
}

TEST(ConnectionSettings, defaults_match_the_documented_options) {
  ConnectionSettings s = settings(R"({"url": "host=db.example port=6543 dbname=app"})");
  EXPECT_EQ(s.pool_size, 4);
  EXPECT_EQ(s.statement_timeout_ms, 10'000);
  EXPECT_EQ(s.connect_timeout_s, 5);
  EXPECT_EQ(s.schema, "public");
  EXPECT_TRUE(s.apply_migrations);
  EXPECT_EQ(s.endpoint, "db.example:6543");
}

TEST(ConnectionSettings, a_url_gets_connect_timeout_and_keeps_its_own_parameters) {
  ConnectionSettings s =
      settings(R"({"url": "postgresql://app:pa'ss@db.example:5433/trading?sslmode=require",)"
               R"( "connect_timeout_s": 7})");
  EXPECT_NE(s.conninfo.find("connect_timeout='7'"), std::string::npos);
  EXPECT_NE(s.conninfo.find("sslmode='require'"), std::string::npos);
  EXPECT_NE(s.conninfo.find("dbname='trading'"), std::string::npos);
  EXPECT_NE(s.conninfo.find(R"(password='pa\'ss')"), std::string::npos);
  EXPECT_EQ(s.endpoint, "db.example:5433");
  EXPECT_NE(s.conninfo.find("keepalives_idle='30'"), std::string::npos);
  EXPECT_NE(s.conninfo.find("tcp_user_timeout='30000'"), std::string::npos);
  EXPECT_NE(settings(R"({"url": "host=x keepalives_idle=5"})").conninfo.find("keepalives_idle='5'"),
            std::string::npos);
}

TEST(ConnectionSettings, the_endpoint_never_carries_user_or_password) {
  ConnectionSettings s = settings(R"({"url": "postgresql://admin:hunter2@10.0.0.5/app"})");
  EXPECT_EQ(s.endpoint, "10.0.0.5:5432");
  EXPECT_EQ(describe_endpoint("host=a,b port=1,2 password=hunter2"), "a:1,b:2");
  EXPECT_EQ(describe_endpoint("dbname=app"), "/var/run/postgresql:5432");
}

TEST(ConnectionSettings, an_unreadable_url_is_refused_without_repeating_it) {
  try {
    settings(R"({"url": "postgresql://u:s3cret@host:notaport:/x?bogus=1"})");
    FAIL() << "accepted a malformed url";
  } catch (const sdk::Error& error) {
    EXPECT_EQ(error.status(), MT5B_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(error.what()).find("s3cret"), std::string::npos);
  }
}

TEST(ConnectionSettings, refuses_out_of_range_options) {
  EXPECT_EQ(status_of(R"({"url": ""})"), MT5B_INVALID_ARGUMENT);
  EXPECT_EQ(status_of(R"({"url": "host=x", "pool_size": 0})"), MT5B_INVALID_ARGUMENT);
  EXPECT_EQ(status_of(R"({"url": "host=x", "pool_size": 101})"), MT5B_INVALID_ARGUMENT);
  EXPECT_EQ(status_of(R"({"url": "host=x", "connect_timeout_s": 0})"), MT5B_INVALID_ARGUMENT);
  EXPECT_EQ(status_of(R"({"url": "host=x", "statement_timeout_ms": -1})"), MT5B_INVALID_ARGUMENT);
  EXPECT_EQ(status_of(R"({"url": "host=x", "schema": ""})"), MT5B_INVALID_ARGUMENT);
  EXPECT_EQ(status_of(R"({"url": "host=x", "statement_timeout_ms": 0})"), MT5B_OK);
}

}  // namespace
}  // namespace mt5b::storage_postgres
