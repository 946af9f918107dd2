// The audit stream: one JSON object per event, secrets redacted, authentication events
// aggregated past kFirstPerWindow per key and minute, and the daily file.
#include "log/audit_log.hpp"

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
using mt5b::host::AuditLog;
using mt5b::host::Logger;
using mt5b::host::LogSettings;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> lines_of(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string all;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) all.append(buf, n);
  std::vector<std::string> out;
  std::istringstream in(all);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sink_ = std::tmpfile();
    AuditLog::instance().set_sink(sink_);
  }
  void TearDown() override {
    AuditLog::instance().set_sink(nullptr);
    std::fclose(sink_);
  }
  std::FILE* sink_ = nullptr;
};

TEST_F(AuditLogTest, an_event_is_one_json_line_without_secrets) {
  Logger::instance().add_secret("audit-secret-0123456789");
  AuditLog::instance().record("credential.decrypt",
                              {{"account_id", "a1"},
                               {"purpose", "sync"},
                               {"note", "held audit-secret-0123456789 \"quoted\""}});
  auto lines = lines_of(sink_);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("\"event\":\"credential.decrypt\",\"account_id\":\"a1\","
                                  "\"purpose\":\"sync\""));
  EXPECT_THAT(lines[0], HasSubstr("***REDACTED*** \\\"quoted\\\""));
  EXPECT_THAT(lines[0], Not(HasSubstr("audit-secret-0123456789")));
}

TEST_F(AuditLogTest, authentication_events_past_the_first_per_minute_are_counted_not_written) {
  auto& audit = AuditLog::instance();
  const auto t0 = AuditLog::Clock::time_point{} + std::chrono::hours(5);
  for (int i = 0; i < 50; ++i)
    audit.authentication("auth.failure", "10.0.0.9", {{"client_ip", "10.0.0.9"}},
                         t0 + std::chrono::milliseconds(i));
  audit.authentication("auth.failure", "10.0.0.8", {{"client_ip", "10.0.0.8"}}, t0);
  EXPECT_EQ(lines_of(sink_).size(), static_cast<size_t>(AuditLog::kFirstPerWindow) + 1)
      << "another key has its own budget";
  audit.authentication("auth.failure", "10.0.0.9", {{"client_ip", "10.0.0.9"}},
                       t0 + AuditLog::kWindow + std::chrono::seconds(1));
  auto lines = lines_of(sink_);
  EXPECT_THAT(lines.back(), HasSubstr("\"suppressed\":\"30\""))
      << "the next minute's first line carries what was not written";
}

TEST(AuditLogFile, configure_writes_a_dated_daily_file) {
  const fs::path dir = fs::temp_directory_path() / ("mt5b-audit-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  LogSettings settings;
  settings.audit_file = (dir / "audit.log").string();
  settings.audit_retention_days = 7;
  AuditLog::instance().configure(settings);
  AuditLog::instance().record("config.reload", {{"outcome", "applied"}});
  AuditLog::instance().shutdown();
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_THAT(files[0].filename().string(),
              ::testing::MatchesRegex("audit_[0-9]{4}-[0-9]{2}-[0-9]{2}\\.log"));
  std::ifstream in(files[0]);
  std::string line;
  std::getline(in, line);
  EXPECT_THAT(line, HasSubstr("\"event\":\"config.reload\",\"outcome\":\"applied\""));
  fs::remove_all(dir);
}

}  // namespace
