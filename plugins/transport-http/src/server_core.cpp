#include "server_core.hpp"

namespace mt5b::transport_http {

void AnswerDrain::begin() {
  outstanding_.fetch_add(1);
}

void AnswerDrain::end() {
  // Only a stop() waiting for the drain needs waking; every other answer ends without a lock.
  // Both sides use sequentially consistent operations on two atomics, so either the waiter
  // sees the count reach zero or this call sees the waiter, and notifies under the mutex the
  // waiter holds until it sleeps: no wake-up is lost.
  if (outstanding_.fetch_sub(1) == 1 && waiting_.load()) {
    std::lock_guard lock(mutex_);
    idle_.notify_all();
  }
}

bool AnswerDrain::wait_until_idle(std::chrono::milliseconds limit) {
  waiting_.store(true);
  std::unique_lock lock(mutex_);
  bool idle = idle_.wait_for(lock, limit, [&] { return outstanding_.load() <= 0; });
  waiting_.store(false);
  return idle;
}

}  // namespace mt5b::transport_http
