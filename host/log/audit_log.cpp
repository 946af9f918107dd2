#include "log/audit_log.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/sinks/daily_file_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace mt5b::host {

namespace {

std::string audit_line(std::string_view event, const LogFields& fields) {
  const Logger& logger = Logger::instance();
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  auto put = [&](std::string_view k, std::string_view v) {
    w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
    std::string clean = logger.redact(v);
    w.String(clean.data(), static_cast<rapidjson::SizeType>(clean.size()));
  };
  w.StartObject();
  put("timestamp", utc_now_iso_ms());
  put("event", event);
  bool has_request_id = false;
  for (const auto& [k, v] : fields) {
    put(k, v);
    has_request_id = has_request_id || k == "request_id";
  }
  if (!has_request_id && !RequestIdScope::current().empty())
    put("request_id", RequestIdScope::current());
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace

AuditLog& AuditLog::instance() {
  static AuditLog log;
  return log;
}

void AuditLog::configure(const LogSettings& settings) {
  std::shared_ptr<spdlog::logger> file;
  if (!settings.audit_file.empty()) {
    try {
      // A new file each day at midnight (local time), the oldest beyond the retention deleted.
      auto sink = std::make_shared<spdlog::sinks::daily_file_sink_mt>(
          settings.audit_file, 0, 0, false, static_cast<uint16_t>(settings.audit_retention_days));
      file = std::make_shared<spdlog::logger>("mt5bridge-audit", sink);
    } catch (const spdlog::spdlog_ex& e) {
      throw std::runtime_error("cannot open the audit log " + settings.audit_file + ": " +
                               e.what());
    }
    // Synchronous and flushed per line: an audit record is on disk when the call returns.
    file->set_pattern("%v");
    file->set_level(spdlog::level::info);
    file->flush_on(spdlog::level::info);
  }
  std::lock_guard lock(mu_);
  file_ = std::move(file);
}

void AuditLog::shutdown() {
  std::lock_guard lock(mu_);
  if (file_) file_->flush();
  file_.reset();
}

void AuditLog::set_sink(std::FILE* sink) {
  std::lock_guard lock(mu_);
  sink_ = sink;
}

void AuditLog::record(std::string_view event, const LogFields& fields) {
  std::unique_lock lock(mu_);
  if (sink_ != nullptr || file_) {
    const std::string line = audit_line(event, fields);
    if (sink_ != nullptr) {
      std::fwrite(line.data(), 1, line.size(), sink_);
      std::fputc('\n', sink_);
      std::fflush(sink_);
    } else {
      file_->info(spdlog::string_view_t(line.data(), line.size()));
    }
    return;
  }
  lock.unlock();
  LogFields tagged{{"audit_event", std::string(event)}};
  tagged.insert(tagged.end(), fields.begin(), fields.end());
  Logger::instance().write(LogLevel::info, LogSource{"host", "", ""}, "audit", tagged);
}

void AuditLog::authentication(std::string_view event, const std::string& key,
                              const LogFields& fields, Clock::time_point now) {
  uint64_t suppressed = 0;
  {
    std::lock_guard lock(mu_);
    if (windows_.size() > 10'000) windows_.clear();  // a flood of new keys: start over
    Window& w = windows_[std::string(event) + "|" + key];
    if (now - w.start >= kWindow) {
      w.start = now;
      w.written = 0;
    }
    if (w.written >= kFirstPerWindow) {
      ++w.suppressed;
      return;
    }
    ++w.written;
    suppressed = w.suppressed;
    w.suppressed = 0;
  }
  LogFields all = fields;
  if (suppressed > 0) all.emplace_back("suppressed", std::to_string(suppressed));
  record(event, all);
}

}  // namespace mt5b::host
