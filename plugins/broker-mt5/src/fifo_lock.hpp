// The queue in front of one terminal: callers get it one at a time in arrival order (a plain
// mutex lets a busy thread starve the others), and a waiter gives up at its deadline.
// Meets Lockable and TimedLockable (for std::unique_lock) with steady_clock deadlines.
#ifndef MT5B_BROKER_MT5_FIFO_LOCK_HPP
#define MT5B_BROKER_MT5_FIFO_LOCK_HPP

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>

namespace mt5b::broker_mt5 {

class FifoLock {
 public:
  using Clock = std::chrono::steady_clock;

  // True once the caller holds the lock; false when `until` passed first.
  bool try_lock_until(Clock::time_point until) {
    std::unique_lock lock(mu_);
    if (!held_ && waiting_.empty()) return held_ = true;
    const uint64_t ticket = next_ticket_++;
    waiting_.push_back(ticket);
    auto my_turn = [&] { return !held_ && waiting_.front() == ticket; };
    if (turn_.wait_until(lock, until, my_turn)) {
      waiting_.pop_front();
      return held_ = true;
    }
    waiting_.erase(std::find(waiting_.begin(), waiting_.end(), ticket));
    turn_.notify_all();  // the next in line may be free to go now
    return false;
  }
  template <class Duration>
  bool try_lock_until(std::chrono::time_point<Clock, Duration> until) {
    return try_lock_until(std::chrono::time_point_cast<Clock::duration>(until));
  }
  bool try_lock() {
    std::lock_guard lock(mu_);
    if (held_ || !waiting_.empty()) return false;
    return held_ = true;
  }
  void lock() { try_lock_until(Clock::time_point::max()); }
  void unlock() {
    {
      std::lock_guard lock(mu_);
      held_ = false;
    }
    turn_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable turn_;
  bool held_ = false;
  std::deque<uint64_t> waiting_;
  uint64_t next_ticket_ = 0;
};

}  // namespace mt5b::broker_mt5

#endif  // MT5B_BROKER_MT5_FIFO_LOCK_HPP
