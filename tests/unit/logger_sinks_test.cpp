// The logger's spdlog side: the asynchronous writer reaching a rotating file (and rotating it),
// every line in order once shut down, the readable text format, and secrets redacted in both.
#include "log/logger.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using mt5b::host::LogFormat;
using mt5b::host::Logger;
using mt5b::host::LogLevel;
using mt5b::host::LogSettings;
using mt5b::host::LogSource;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::string read_all(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class LoggerSinks : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mt5b-log-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    saved_level_ = Logger::instance().level();
    Logger::instance().set_level(LogLevel::info);
  }
  void TearDown() override {
    Logger::instance().shutdown();
    Logger::instance().set_format(LogFormat::json);
    Logger::instance().set_level(saved_level_);
    fs::remove_all(dir_);
  }
  fs::path dir_;
  LogLevel saved_level_ = LogLevel::info;
};

TEST_F(LoggerSinks, the_asynchronous_writer_fills_a_rotating_file_in_order) {
  LogSettings settings;
  settings.to_stderr = false;
  settings.file = (dir_ / "host.log").string();
  settings.file_max_mb = 1;
  settings.file_keep = 2;
  Logger::instance().configure(settings);
  Logger::instance().add_secret("sinks-secret-value-123");
  const std::string filler(200, 'x');
  for (int i = 0; i < 12000; ++i)  // ~2.8 MB: the file rotates twice
    Logger::instance().write(LogLevel::info, LogSource{"host", "", ""}, "line",
                             {{"n", std::to_string(i)}, {"pad", filler}});
  Logger::instance().write(LogLevel::info, LogSource{"host", "", ""},
                           "the key is sinks-secret-value-123");
  Logger::instance().write(LogLevel::debug, LogSource{"host", "", ""}, "below the level");
  Logger::instance().shutdown();

  const std::string current = read_all(dir_ / "host.log");
  EXPECT_TRUE(fs::exists(dir_ / "host.1.log")) << "rotated at 1 MB";
  EXPECT_TRUE(fs::exists(dir_ / "host.2.log"));
  EXPECT_FALSE(fs::exists(dir_ / "host.3.log")) << "only file_keep old files are kept";
  EXPECT_THAT(current, HasSubstr("\"n\":\"11999\""));
  EXPECT_THAT(current, HasSubstr("***REDACTED***"));
  EXPECT_THAT(current, Not(HasSubstr("sinks-secret-value-123")));
  EXPECT_THAT(current, Not(HasSubstr("below the level")));
  // In order, and whole JSON lines: the numbers of the current file count up by one.
  std::istringstream lines(current);
  std::string line;
  int previous = -1;
  while (std::getline(lines, line)) {
    ASSERT_THAT(line, StartsWith("{\"timestamp\":"));
    auto at = line.find("\"n\":\"");
    if (at == std::string::npos) continue;
    int n = std::stoi(line.substr(at + 5));
    if (previous >= 0) {
      EXPECT_EQ(n, previous + 1);
    }
    previous = n;
  }
}

TEST_F(LoggerSinks, text_format_is_one_readable_line_with_quoted_values) {
  std::FILE* sink = std::tmpfile();
  Logger::instance().set_sink(sink);
  Logger::instance().set_format(LogFormat::text);
  Logger::instance().write(LogLevel::warn, LogSource{"broker", "broker-mt5", "mt5"},
                           "terminal lost\nreconnecting",
                           {{"terminal", "t1"}, {"error", "timed out \"x\"\nagain"}});
  Logger::instance().set_sink(nullptr);
  std::rewind(sink);
  char buf[1024] = {};
  size_t n = std::fread(buf, 1, sizeof buf - 1, sink);
  std::fclose(sink);
  std::string text(buf, n);
  EXPECT_THAT(text, HasSubstr("Z WARN  [broker:broker-mt5:mt5] terminal lost reconnecting "
                              "terminal=t1 error=\"timed out \\\"x\\\"\\nagain\"\n"));
  EXPECT_EQ(text.find('\n'), text.size() - 1) << "one event, one line";
}

}  // namespace
