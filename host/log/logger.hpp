// JSON log lines on stderr, one object per line, built with a real JSON writer so every message
// is escaped. Every registered secret is replaced by ***REDACTED*** before a line is written.
#pragma once

#include <mt5bridge/abi.h>

#include <atomic>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mt5b::host {

enum class LogLevel { trace = 0, debug = 1, info = 2, warn = 3, error = 4 };

LogLevel parse_log_level(std::string_view text, bool* ok = nullptr);
std::string_view log_level_name(LogLevel level);

// Who wrote a line: the host itself, or a plugin instance ([kind:plugin:instance]).
struct LogSource {
  std::string kind;  // "host" or transport/auth/storage/broker
  std::string plugin;
  std::string instance;
};

using LogFields = std::vector<std::pair<std::string, std::string>>;

class Logger {
 public:
  static Logger& instance();

  void set_level(LogLevel level);
  LogLevel level() const;
  // Every secret (API keys, JWT secret, encryption keys, secret plugin options) is registered
  // here at start-up; values shorter than 6 characters are ignored (too likely to hit text).
  void add_secret(std::string secret);
  // Redirects output (tests); nullptr restores stderr.
  void set_sink(std::FILE* sink);

  void write(LogLevel level, const LogSource& source, std::string_view message,
             const LogFields& fields = {});
  std::string redact(std::string_view text) const;

 private:
  Logger() = default;
  mutable std::mutex mu_;  // secrets_ and sink_, and one line at a time on the sink
  // Read by every log call, most of which it filters out (debug lines on a request's path):
  // no lock for that.
  std::atomic<LogLevel> level_{LogLevel::info};
  std::vector<std::string> secrets_;
  std::FILE* sink_ = nullptr;
};

// While alive, every line written by this thread carries `request_id` (set by the dispatcher
// around a request, so plugin calls made for it are tagged too).
class RequestIdScope {
 public:
  explicit RequestIdScope(std::string request_id);
  ~RequestIdScope();
  RequestIdScope(const RequestIdScope&) = delete;
  RequestIdScope& operator=(const RequestIdScope&) = delete;
  static const std::string& current();

 private:
  std::string previous_;
};

// Short forms for the host's own lines.
void log_info(std::string_view message, const LogFields& fields = {});
void log_warn(std::string_view message, const LogFields& fields = {});
void log_error(std::string_view message, const LogFields& fields = {});
void log_debug(std::string_view message, const LogFields& fields = {});

}  // namespace mt5b::host
