#include "services/health/process_usage.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace mt5b::host {

namespace {
double cpu_seconds() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  auto close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double rss_mb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}
}  // namespace

ProcessUsage::Figures ProcessUsage::sample(const std::string& path) {
  Figures f;
  f.memory_mb = rss_mb();
  struct statvfs vfs {};
  if (statvfs(path.c_str(), &vfs) == 0)
    f.disk_gb_free = static_cast<double>(vfs.f_bavail) * static_cast<double>(vfs.f_frsize) / 1e9;
  double cpu = cpu_seconds();
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  if (last_cpu_s_ >= 0) {
    double wall = std::chrono::duration<double>(now - last_at_).count();
    if (wall > 0) f.cpu_percent = 100.0 * (cpu - last_cpu_s_) / wall;
  }
  last_cpu_s_ = cpu;
  last_at_ = now;
  return f;
}

}  // namespace mt5b::host
