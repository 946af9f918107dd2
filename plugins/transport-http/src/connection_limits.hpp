// What all connections of one running server share: their count, in total and per client IP,
// and the request bytes they hold in memory. Each worker consults these when it accepts a
// connection or reads from one, so one client (or many) cannot take the whole process.
#ifndef MT5BRIDGE_TRANSPORT_HTTP_CONNECTION_LIMITS_HPP
#define MT5BRIDGE_TRANSPORT_HTTP_CONNECTION_LIMITS_HPP

#include <atomic>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace mt5b::transport_http {

class ConnectionCounter {
 public:
  ConnectionCounter(std::size_t max_total, std::size_t max_per_ip)
      : max_total_(max_total), max_per_ip_(max_per_ip) {}

  enum class Admission { kAdmitted, kServerFull, kClientFull };
  // Counts a new connection from `ip` unless a limit is reached; release() undoes it.
  Admission admit(const std::string& ip);
  void release(const std::string& ip);
  std::size_t total() const;

 private:
  const std::size_t max_total_;
  const std::size_t max_per_ip_;
  mutable std::mutex mutex_;
  std::size_t total_ = 0;
  std::unordered_map<std::string, std::size_t> per_ip_;
};

// Request bytes held by parsers (partial heads and bodies), across every connection.
class BufferBudget {
 public:
  explicit BufferBudget(std::size_t limit) : limit_(limit) {}
  // Takes `bytes` more; false (and nothing taken) when that would pass the limit.
  bool try_take(std::size_t bytes);
  void give_back(std::size_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }
  std::size_t used() const { return used_.load(std::memory_order_relaxed); }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> used_{0};
};

}  // namespace mt5b::transport_http

#endif  // MT5BRIDGE_TRANSPORT_HTTP_CONNECTION_LIMITS_HPP
