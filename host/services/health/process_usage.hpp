// CPU, memory and disk figures of this process, read from /proc and statvfs.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

namespace mt5b::host {

class ProcessUsage {
 public:
  struct Figures {
    double cpu_percent = 0;   // since the previous sample, of one core
    double memory_mb = 0;     // resident set size
    double disk_gb_free = 0;  // on the filesystem holding `path`
  };
  Figures sample(const std::string& path);

 private:
  std::mutex mu_;
  double last_cpu_s_ = -1;
  std::chrono::steady_clock::time_point last_at_{};
};

}  // namespace mt5b::host
