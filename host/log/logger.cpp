#include "log/logger.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace mt5b::host {

namespace {
std::string utc_now_iso_ms() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
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

void Logger::set_level(LogLevel level) {
  level_.store(level, std::memory_order_relaxed);
}

LogLevel Logger::level() const {
  return level_.load(std::memory_order_relaxed);
}

void Logger::add_secret(std::string secret) {
  if (secret.size() < 6) return;
  std::lock_guard lock(mu_);
  for (const auto& s : secrets_)
    if (s == secret) return;
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

void Logger::write(LogLevel level, const LogSource& source, std::string_view message,
                   const LogFields& fields) {
  if (level < this->level()) return;
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
  bool has_request_id = false;
  for (const auto& [k, v] : fields) {
    put(k, v);
    has_request_id = has_request_id || k == "request_id";
  }
  if (!has_request_id && !RequestIdScope::current().empty())
    put("request_id", RequestIdScope::current());
  w.EndObject();
  std::lock_guard lock(mu_);
  std::FILE* out = sink_ ? sink_ : stderr;
  std::fwrite(sb.GetString(), 1, sb.GetSize(), out);
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
