// The JSON logger: one valid JSON object per line, every message escaped, registered secrets
// redacted in messages and fields, and lines below the level dropped.
#include "log/logger.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace {

using mt5b::host::Logger;
using mt5b::host::LogLevel;
using mt5b::host::LogSource;
using ::testing::HasSubstr;
using ::testing::Not;

// Sends the process-wide logger to a temporary file for one test, then restores it.
class LoggerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sink_ = std::tmpfile();
    ASSERT_NE(sink_, nullptr);
    saved_level_ = logger().level();
    logger().set_sink(sink_);
    logger().set_level(LogLevel::trace);
  }
  void TearDown() override {
    logger().set_sink(nullptr);
    logger().set_level(saved_level_);
    if (sink_) std::fclose(sink_);
  }

  static Logger& logger() { return Logger::instance(); }

  // Every line written so far, without its newline.
  std::vector<std::string> lines() {
    std::fflush(sink_);
    std::rewind(sink_);
    std::string all;
    char buffer[4096];
    size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, sink_)) > 0) all.append(buffer, n);
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t nl = all.find('\n'); nl != std::string::npos; nl = all.find('\n', start)) {
      out.push_back(all.substr(start, nl - start));
      start = nl + 1;
    }
    EXPECT_EQ(start, all.size()) << "the last line lacks its newline";
    return out;
  }

  static rapidjson::Document parse(const std::string& line) {
    rapidjson::Document doc;
    doc.Parse(line.c_str(), line.size());
    EXPECT_FALSE(doc.HasParseError()) << "not JSON: " << line;
    EXPECT_TRUE(doc.IsObject()) << line;
    return doc;
  }

  static std::string text(const rapidjson::Document& doc, const char* key) {
    auto it = doc.FindMember(key);
    if (it == doc.MemberEnd() || !it->value.IsString()) return "<absent>";
    return std::string(it->value.GetString(), it->value.GetStringLength());
  }

  std::FILE* sink_ = nullptr;
  LogLevel saved_level_ = LogLevel::info;
};

TEST_F(LoggerTest, each_line_is_a_json_object_with_timestamp_level_kind_and_message) {
  mt5b::host::log_info("host started");
  mt5b::host::log_warn("disk nearly full", {{"free_mb", "12"}});
  auto written = lines();
  ASSERT_EQ(written.size(), 2u);

  auto first = parse(written[0]);
  std::string timestamp = text(first, "timestamp");
  ASSERT_EQ(timestamp.size(), 24u) << timestamp;  // 2026-01-02T03:04:05.678Z
  EXPECT_EQ(timestamp[10], 'T');
  EXPECT_EQ(timestamp.back(), 'Z');
  EXPECT_EQ(text(first, "level"), "info");
  EXPECT_EQ(text(first, "kind"), "host");
  EXPECT_EQ(text(first, "message"), "host started");

  auto second = parse(written[1]);
  EXPECT_EQ(text(second, "level"), "warn");
  EXPECT_EQ(text(second, "free_mb"), "12");
}

TEST_F(LoggerTest, tags_plugin_lines_with_kind_plugin_and_instance) {
  logger().write(LogLevel::error, LogSource{"broker", "broker-mock", "demo"}, "terminal lost");
  auto written = lines();
  ASSERT_EQ(written.size(), 1u);
  auto line = parse(written[0]);
  EXPECT_EQ(text(line, "level"), "error");
  EXPECT_EQ(text(line, "kind"), "broker");
  EXPECT_EQ(text(line, "plugin"), "broker-mock");
  EXPECT_EQ(text(line, "instance"), "demo");
}

TEST_F(LoggerTest, escapes_quotes_newlines_and_control_characters) {
  const std::string nasty = "say \"hi\"\nsecond line\r\tand \x01\x1f bell\x07 back\\slash }{";
  mt5b::host::log_error(nasty, {{"field\"name", nasty}});
  auto written = lines();
  ASSERT_EQ(written.size(), 1u) << "a newline in a message must not split the line";
  for (char c : written[0])
    EXPECT_GE(static_cast<unsigned char>(c), 0x20) << "raw control character in: " << written[0];
  auto line = parse(written[0]);
  EXPECT_EQ(text(line, "message"), nasty);
  EXPECT_EQ(text(line, "field\"name"), nasty);
}

TEST_F(LoggerTest, replaces_a_registered_secret_in_messages_and_fields) {
  const std::string secret = "sk-logger-test-5f4e3d2c1b";
  logger().add_secret(secret);
  mt5b::host::log_info("using key " + secret + " twice: " + secret,
                       {{"header", "X-API-Key: " + secret}});
  auto written = lines();
  ASSERT_EQ(written.size(), 1u);
  EXPECT_THAT(written[0], Not(HasSubstr(secret)));
  auto line = parse(written[0]);
  EXPECT_EQ(text(line, "message"), "using key ***REDACTED*** twice: ***REDACTED***");
  EXPECT_EQ(text(line, "header"), "X-API-Key: ***REDACTED***");
}

TEST_F(LoggerTest, redacts_a_secret_that_contains_json_special_characters) {
  // Redaction runs on the raw text, before escaping would change how the secret looks.
  const std::string secret = "pa\"ss\\word-logger-test";
  logger().add_secret(secret);
  mt5b::host::log_info("password is " + secret);
  auto written = lines();
  ASSERT_EQ(written.size(), 1u);
  EXPECT_EQ(text(parse(written[0]), "message"), "password is ***REDACTED***");
}

TEST_F(LoggerTest, redacts_the_whole_of_a_secret_that_contains_a_shorter_one) {
  logger().add_secret("logger-overlap-short");
  logger().add_secret("logger-overlap-short-and-longer-secret");
  EXPECT_THAT(logger().redact("x logger-overlap-short-and-longer-secret y"),
              Not(HasSubstr("and-longer-secret")));
}

TEST_F(LoggerTest, ignores_secrets_shorter_than_six_characters) {
  logger().add_secret("abc12");
  EXPECT_EQ(logger().redact("abc12 stays"), "abc12 stays");
  logger().add_secret("abcdef-logger-test");
  EXPECT_EQ(logger().redact("x abcdef-logger-test y"), "x ***REDACTED*** y");
}

TEST_F(LoggerTest, drops_lines_below_the_level) {
  logger().set_level(LogLevel::warn);
  mt5b::host::log_debug("debug line");
  mt5b::host::log_info("info line");
  mt5b::host::log_warn("warn line");
  mt5b::host::log_error("error line");
  logger().write(LogLevel::trace, LogSource{"host", "", ""}, "trace line");
  auto written = lines();
  ASSERT_EQ(written.size(), 2u);
  EXPECT_EQ(text(parse(written[0]), "message"), "warn line");
  EXPECT_EQ(text(parse(written[1]), "message"), "error line");
}

TEST_F(LoggerTest, trace_level_lets_every_line_through) {
  logger().write(LogLevel::trace, LogSource{"host", "", ""}, "trace line");
  mt5b::host::log_debug("debug line");
  EXPECT_EQ(lines().size(), 2u);
}

TEST_F(LoggerTest, concurrent_writers_never_interleave_lines) {
  constexpr int kThreads = 4, kLinesEach = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([t] {
      for (int i = 0; i < kLinesEach; ++i)
        mt5b::host::log_info("writer " + std::to_string(t) + " line " + std::to_string(i),
                             {{"padding", std::string(200, 'p')}});
    });
  for (auto& th : threads) th.join();
  auto written = lines();
  ASSERT_EQ(written.size(), static_cast<size_t>(kThreads * kLinesEach));
  for (const auto& l : written) EXPECT_THAT(text(parse(l), "message"), HasSubstr("writer "));
}

TEST(LogLevelNames, parse_and_name_each_level) {
  bool ok = false;
  EXPECT_EQ(mt5b::host::parse_log_level("warning", &ok), LogLevel::warn);
  EXPECT_TRUE(ok);
  EXPECT_EQ(mt5b::host::parse_log_level("trace", &ok), LogLevel::trace);
  EXPECT_EQ(mt5b::host::parse_log_level("loud", &ok), LogLevel::info);
  EXPECT_FALSE(ok);
  for (auto level :
       {LogLevel::trace, LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error})
    EXPECT_EQ(mt5b::host::parse_log_level(mt5b::host::log_level_name(level)), level);
}

}  // namespace

TEST_F(LoggerTest, lines_written_inside_a_request_scope_carry_its_request_id) {
  {
    mt5b::host::RequestIdScope scope("req_scope_test");
    mt5b::host::log_info("inside");
  }
  mt5b::host::log_info("outside");
  auto written = lines();
  ASSERT_EQ(written.size(), 2u);
  EXPECT_EQ(text(parse(written[0]), "request_id"), "req_scope_test");
  EXPECT_FALSE(parse(written[1]).HasMember("request_id"));
}
