// The audit stream (seed story 7.2): who authenticated (or failed to), which credential was
// decrypted and why, which accounts were linked or deleted, GDPR erasures and exports, key
// rotations and configuration reloads. One JSON object per line in its own file
// (service.audit_log), rotated daily and kept service.audit_retention_days days; without a file
// the lines go to the main log with message "audit". Values pass the main log's redaction, and
// the callers hand no secret in the first place (a key is named by its principal, never shown).
//
// Under load, authentication events are aggregated: per principal (or client IP) and minute,
// the first kFirstPerWindow are written one by one and the rest counted into the next line of
// that key ("suppressed" = how many were not written since the previous line).
#pragma once

#include "log/logger.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace spdlog {
class logger;
}

namespace mt5b::host {

// "2026-12-08T10:00:00.123Z": the timestamp of every log and audit line (logger.cpp).
std::string utc_now_iso_ms();

class AuditLog {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kFirstPerWindow = 20;
  static constexpr std::chrono::seconds kWindow{60};

  static AuditLog& instance();

  // Opens settings.audit_file (a new file daily, audit_retention_days kept); throws
  // std::runtime_error naming it when it cannot.
  void configure(const LogSettings& settings);
  void shutdown();
  // Tests: every line to `sink` (nullptr: back to the configured place).
  void set_sink(std::FILE* sink);

  // One event, always written.
  void record(std::string_view event, const LogFields& fields);
  // Authentication events, aggregated per `key` (the principal, else the client IP).
  void authentication(std::string_view event, const std::string& key, const LogFields& fields,
                      Clock::time_point now = Clock::now());

 private:
  AuditLog() = default;
  struct Window {
    Clock::time_point start{};
    int written = 0;
    uint64_t suppressed = 0;
  };

  std::mutex mu_;
  std::shared_ptr<spdlog::logger> file_;
  std::FILE* sink_ = nullptr;
  std::unordered_map<std::string, Window> windows_;  // bounded: cleared past 10,000 keys
};

}  // namespace mt5b::host
