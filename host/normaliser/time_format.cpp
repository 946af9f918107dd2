#include "normaliser/time_format.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace mt5b::host {

namespace {
std::tm utc_tm(int64_t unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}
int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}
}  // namespace

int64_t now_unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string iso_utc_seconds(int64_t unix_ms) {
  std::tm tm = utc_tm(floor_div(unix_ms, 1000));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string iso_with_offset(int64_t unix_ms, int64_t offset_s) {
  std::tm tm = utc_tm(floor_div(unix_ms, 1000) + offset_s);
  int64_t off = std::llabs(offset_s);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                offset_s < 0 ? '-' : '+', static_cast<int>(off / 3600),
                static_cast<int>((off % 3600) / 60));
  return buf;
}

}  // namespace mt5b::host
