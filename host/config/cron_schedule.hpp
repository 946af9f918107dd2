// A 5-field cron expression (minute hour day-of-month month day-of-week), UTC. Fields take *,
// numbers, ranges a-b, steps */n and a-b/n, and lists. The seeds' `0 */5 * * *` is every five
// HOURS; every five minutes is `*/5 * * * *`.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>

namespace mt5b::host {

class CronSchedule {
 public:
  // nullopt with `error` set for anything malformed.
  static std::optional<CronSchedule> parse(const std::string& expression, std::string* error);

  // The first matching minute strictly after `after_ms` (UTC epoch ms), at second 0.
  int64_t next_after_ms(int64_t after_ms) const;
  const std::string& expression() const { return expression_; }

 private:
  std::string expression_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<7> weekdays_;  // 0 = Sunday
  bool day_restricted_ = false, weekday_restricted_ = false;
};

}  // namespace mt5b::host
