#include "log/logger.hpp"

#include "log/audit_log.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <mt5bridge/iso8601.hpp>
#include <spdlog/async.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>
#include <syslog.h>
#include <mt5bridge/secrets.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace mt5b::host {

std::string utc_now_iso_ms() {
  using namespace std::chrono;
  const auto now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  return sdk::iso8601::utc_text(now, sdk::iso8601::Precision::milliseconds);
}

namespace {
spdlog::level::level_enum spdlog_level(LogLevel level) {
  switch (level) {
    case LogLevel::trace: return spdlog::level::trace;
    case LogLevel::debug: return spdlog::level::debug;
    case LogLevel::info: return spdlog::level::info;
    case LogLevel::warn: return spdlog::level::warn;
    case LogLevel::error: return spdlog::level::err;
  }
  return spdlog::level::info;
}

// Text values are quoted when they hold a space, quote, '=' or a control character, with the
// control characters escaped: one event stays one line whatever its values say.
void append_text_value(std::string& out, std::string_view v) {
  bool plain = !v.empty();
  for (char c : v)
    plain = plain && c != ' ' && c != '"' && c != '=' && static_cast<unsigned char>(c) >= 0x20;
  if (plain) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x",
                    static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
}
}  // namespace

LogLevel parse_log_level(std::string_view text, bool* ok) {
  if (ok) *ok = true;
  if (text == "trace") return LogLevel::trace;
  if (text == "debug") return LogLevel::debug;
  if (text == "info") return LogLevel::info;
  if (text == "warn" || text == "warning") return LogLevel::warn;
  if (text == "error") return LogLevel::error;
  if (ok) *ok = false;
  return LogLevel::info;
}

std::string_view log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::trace: return "trace";
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "info";
}

Logger& Logger::instance() {
  static Logger logger;
  return logger;
}

void Logger::configure(const LogSettings& settings) {
  std::vector<spdlog::sink_ptr> sinks;
  if (settings.to_stderr) sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (settings.to_syslog)
    sinks.push_back(
        std::make_shared<spdlog::sinks::syslog_sink_mt>("mt5bridge", LOG_PID, LOG_DAEMON, true));
  if (!settings.file.empty()) {
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
          settings.file, static_cast<size_t>(settings.file_max_mb) * 1024 * 1024,
          static_cast<size_t>(settings.file_keep)));
    } catch (const spdlog::spdlog_ex& e) {
      throw std::runtime_error("cannot open the log file " + settings.file + ": " + e.what());
    }
  }
  // One background writer; a full queue makes writers wait rather than lose lines.
  if (!spdlog::thread_pool()) spdlog::init_thread_pool(8192, 1);
  auto logger = std::make_shared<spdlog::async_logger>("mt5bridge", sinks.begin(), sinks.end(),
                                                       spdlog::thread_pool(),
                                                       spdlog::async_overflow_policy::block);
  logger->set_pattern("%v");                // the line is complete (and escaped) when it arrives
  logger->set_level(spdlog::level::trace);  // Logger::write filters
  logger->flush_on(spdlog::level::trace);   // each line reaches its file as it is written
  set_format(settings.format);
  access_log_.store(settings.access_log, std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  spdlog_ = std::move(logger);
}

void Logger::shutdown() {
  std::shared_ptr<spdlog::logger> logger;
  {
    std::lock_guard lock(mu_);
    logger = std::move(spdlog_);
  }
  if (logger) logger->flush();
  logger.reset();
  spdlog::shutdown();
}

void Logger::set_level(LogLevel level) {
  level_.store(level, std::memory_order_relaxed);
}

LogLevel Logger::level() const {
  return level_.load(std::memory_order_relaxed);
}

void Logger::set_format(LogFormat format) {
  format_.store(format, std::memory_order_relaxed);
}

void Logger::add_secret(std::string secret) {
  if (secret.size() < 6) return;
  std::lock_guard lock(mu_);
  for (const auto& s : secrets_)
    if (sdk::constant_time_equal(s, secret)) return;
  secrets_.push_back(std::move(secret));
  // Longest first, so a secret containing a shorter one is replaced whole.
  std::sort(secrets_.begin(), secrets_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

void Logger::set_sink(std::FILE* sink) {
  std::lock_guard lock(mu_);
  sink_ = sink;
}

std::string Logger::redact(std::string_view text) const {
  std::string out(text);
  std::lock_guard lock(mu_);
  for (const auto& secret : secrets_) {
    size_t pos = 0;
    while ((pos = out.find(secret, pos)) != std::string::npos) {
      out.replace(pos, secret.size(), "***REDACTED***");
      pos += 14;
    }
  }
  return out;
}

std::string Logger::format_line(LogLevel level, const LogSource& source, std::string_view message,
                                const LogFields& fields) const {
  const bool has_request_id = std::any_of(fields.begin(), fields.end(),
                                          [](const auto& f) { return f.first == "request_id"; });
  const std::string& scope_id = RequestIdScope::current();
  if (format_.load(std::memory_order_relaxed) == LogFormat::text) {
    // 2026-12-08T10:00:00.000Z INFO  [broker:broker-mt5:mt5] message key=value ...
    std::string out = utc_now_iso_ms() + " ";
    std::string name(log_level_name(level));
    for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    name.resize(5, ' ');
    out += name + " [" + source.kind;
    if (!source.plugin.empty()) out += ":" + source.plugin;
    if (!source.instance.empty()) out += ":" + source.instance;
    out += "] ";
    std::string clean = redact(message);
    for (char& c : clean)
      if (c == '\n' || c == '\r') c = ' ';
    out += clean;
    for (const auto& [k, v] : fields) {
      out += " " + k + "=";
      append_text_value(out, redact(v));
    }
    if (!has_request_id && !scope_id.empty()) out += " request_id=" + redact(scope_id);
    return out;
  }
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  auto put = [&](std::string_view k, std::string_view v) {
    w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
    std::string clean = redact(v);
    w.String(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
  };
  w.StartObject();
  put("timestamp", utc_now_iso_ms());
  put("level", log_level_name(level));
  put("kind", source.kind);
  if (!source.plugin.empty()) put("plugin", source.plugin);
  if (!source.instance.empty()) put("instance", source.instance);
  put("message", message);
  for (const auto& [k, v] : fields) put(k, v);
  if (!has_request_id && !scope_id.empty()) put("request_id", scope_id);
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

void Logger::write(LogLevel level, const LogSource& source, std::string_view message,
                   const LogFields& fields) {
  if (level < this->level()) return;
  const std::string line = format_line(level, source, message, fields);
  std::unique_lock lock(mu_);
  if (sink_ == nullptr && spdlog_) {
    auto logger = spdlog_;
    lock.unlock();
    logger->log(spdlog_level(level), spdlog::string_view_t(line.data(), line.size()));
    return;
  }
  std::FILE* out = sink_ ? sink_ : stderr;
  std::fwrite(line.data(), 1, line.size(), out);
  std::fputc('\n', out);
  std::fflush(out);
}

namespace {
thread_local std::string t_request_id;
}  // namespace

RequestIdScope::RequestIdScope(std::string request_id) : previous_(std::move(t_request_id)) {
  t_request_id = std::move(request_id);
}
RequestIdScope::~RequestIdScope() {
  t_request_id = std::move(previous_);
}
const std::string& RequestIdScope::current() {
  return t_request_id;
}

namespace {
const LogSource& host_source() {
  static const LogSource source{"host", "", ""};
  return source;
}
}  // namespace

void log_info(std::string_view m, const LogFields& f) {
  Logger::instance().write(LogLevel::info, host_source(), m, f);
}
void log_warn(std::string_view m, const LogFields& f) {
  Logger::instance().write(LogLevel::warn, host_source(), m, f);
}
void log_error(std::string_view m, const LogFields& f) {
  Logger::instance().write(LogLevel::error, host_source(), m, f);
}
void log_debug(std::string_view m, const LogFields& f) {
  Logger::instance().write(LogLevel::debug, host_source(), m, f);
}

}  // namespace mt5b::host
