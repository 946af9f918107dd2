// Counts authentication failures per presented API key and per client IP over a sliding five
// minutes, and says when one of them reaches the burst threshold (five), so a metric and an
// alert can watch credential stuffing. Memory is bounded: at most kMaxTracked keys and IPs each
// are remembered; past that the oldest are forgotten. Keys are held as hashes, never as text.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string_view>
#include <unordered_map>

namespace mt5b::host {

class AuthFailureWatch {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kBurst = 5;
  static constexpr std::chrono::seconds kWindow{300};
  static constexpr size_t kMaxTracked = 10'000;

  struct Bursts {
    bool key = false;  // this failure made its key reach kBurst within kWindow
    bool ip = false;   // likewise for its client IP
  };

  // `presented_key` empty when no key was sent; `client_ip` empty when unknown.
  Bursts failed(std::string_view presented_key, std::string_view client_ip,
                Clock::time_point now = Clock::now());

 private:
  struct Window {
    std::deque<Clock::time_point> at;  // at most kBurst, oldest first
  };
  struct Table {
    std::unordered_map<uint64_t, Window> windows;
    std::deque<std::pair<uint64_t, Clock::time_point>> order;  // insertion order, for eviction
  };
  static bool count(Table& table, uint64_t id, Clock::time_point now);

  std::mutex mu_;
  Table keys_, ips_;
};

}  // namespace mt5b::host
