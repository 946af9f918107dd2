// The most recent failure worth showing on /health (story 3.7's `last_error`).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace mt5b::host {

class LastErrorTracker {
 public:
  struct Entry {
    std::string message;
    int64_t at_ms = 0;
  };
  void record(std::string message, int64_t at_ms) {
    std::lock_guard lock(mu_);
    last_ = Entry{std::move(message), at_ms};
  }
  std::optional<Entry> get() const {
    std::lock_guard lock(mu_);
    return last_;
  }

 private:
  mutable std::mutex mu_;
  std::optional<Entry> last_;
};

}  // namespace mt5b::host
