#include "connection_limits.hpp"

namespace mt5b::transport_http {

ConnectionCounter::Admission ConnectionCounter::admit(const std::string& ip) {
  std::lock_guard lock(mutex_);
  if (total_ >= max_total_) return Admission::kServerFull;
  auto& mine = per_ip_[ip];
  if (mine >= max_per_ip_) return Admission::kClientFull;
  ++mine;
  ++total_;
  return Admission::kAdmitted;
}

void ConnectionCounter::release(const std::string& ip) {
  std::lock_guard lock(mutex_);
  auto it = per_ip_.find(ip);
  if (it == per_ip_.end()) return;
  if (--it->second == 0) per_ip_.erase(it);
  --total_;
}

std::size_t ConnectionCounter::total() const {
  std::lock_guard lock(mutex_);
  return total_;
}

bool BufferBudget::try_take(std::size_t bytes) {
  std::size_t used = used_.load(std::memory_order_relaxed);
  do {
    if (bytes > limit_ || used > limit_ - bytes) return false;
  } while (!used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
  return true;
}

}  // namespace mt5b::transport_http
