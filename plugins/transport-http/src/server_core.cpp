#include "server_core.hpp"

#include <unistd.h>

namespace mt5b::transport_http {

void AnswerDrain::begin() {
  std::lock_guard lock(mutex_);
  ++outstanding_;
}

void AnswerDrain::end() {
  {
    std::lock_guard lock(mutex_);
    --outstanding_;
  }
  idle_.notify_all();
}

bool AnswerDrain::wait_until_idle(std::chrono::milliseconds limit) {
  std::unique_lock lock(mutex_);
  return idle_.wait_for(lock, limit, [&] { return outstanding_ <= 0; });
}

void OpenConnections::add(int fd) {
  std::lock_guard lock(mutex_);
  fds_.insert(fd);
}

void OpenConnections::remove(int fd) {
  std::lock_guard lock(mutex_);
  fds_.erase(fd);
}

void OpenConnections::close_all() {
  std::lock_guard lock(mutex_);
  for (int fd : fds_) ::close(fd);
  fds_.clear();
}

}  // namespace mt5b::transport_http
