// The host's log: one line per event, as a JSON object (production) or readable text
// (development), built here with a real JSON writer so every value is escaped, then handed to
// spdlog, which writes it asynchronously to the configured sinks (stderr, a rotating file,
// syslog). Every registered secret is replaced by ***REDACTED*** before a line is built.
// Until `configure` runs (and in the admin commands) lines go straight to stderr.
#pragma once

#include <mt5bridge/abi.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spdlog {
class logger;
}

namespace mt5b::host {

enum class LogLevel { trace = 0, debug = 1, info = 2, warn = 3, error = 4 };

LogLevel parse_log_level(std::string_view text, bool* ok = nullptr);
std::string_view log_level_name(LogLevel level);

enum class LogFormat { json, text };

// service.log_* in the configuration (docs/configuration.md, "Logging").
struct LogSettings {
  LogFormat format = LogFormat::json;
  bool to_stderr = true;
  bool to_syslog = false;
  std::string file;           // empty: no file sink
  int64_t file_max_mb = 100;  // a file is rotated at this size ...
  int64_t file_keep = 5;      // ... keeping this many old ones
  bool access_log = true;     // one info line per request
  std::string audit_file;     // the audit stream's file (log/audit_log.hpp); empty: main log
  int64_t audit_retention_days = 90;
};

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

  // Starts the asynchronous spdlog logger on the sinks `settings` name. Throws
  // std::runtime_error (naming the file) when a sink cannot be opened.
  void configure(const LogSettings& settings);
  // Writes every queued line and stops the background writer (end of `serve`).
  void shutdown();

  void set_level(LogLevel level);
  LogLevel level() const;
  void set_format(LogFormat format);
  bool access_log() const { return access_log_.load(std::memory_order_relaxed); }
  // Every secret (API keys, JWT secret, encryption keys, secret plugin options) is registered
  // here at start-up; values shorter than 6 characters are ignored (too likely to hit text).
  void add_secret(std::string secret);
  // Redirects output synchronously (tests); nullptr restores the configured sinks.
  void set_sink(std::FILE* sink);

  void write(LogLevel level, const LogSource& source, std::string_view message,
             const LogFields& fields = {});
  std::string redact(std::string_view text) const;

 private:
  Logger() = default;
  std::string format_line(LogLevel level, const LogSource& source, std::string_view message,
                          const LogFields& fields) const;

  mutable std::mutex mu_;  // secrets_, sink_ and spdlog_; one line at a time on sink_
  // Read by every log call, most of which it filters out (debug lines on a request's path):
  // no lock for that.
  std::atomic<LogLevel> level_{LogLevel::info};
  std::atomic<LogFormat> format_{LogFormat::json};
  std::atomic<bool> access_log_{true};
  std::vector<std::string> secrets_;
  std::FILE* sink_ = nullptr;
  std::shared_ptr<spdlog::logger> spdlog_;
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
