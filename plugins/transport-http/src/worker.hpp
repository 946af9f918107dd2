// One worker thread: an epoll loop that accepts connections from the shared listening socket,
// serves the connections it accepted, and enforces their deadlines.
//
// Pistache 0.0.5's TCP layer, used before, could not be given limits: it reads every connection
// until the socket runs dry whatever is queued for it, has no timeouts, and its accept thread
// spins on EMFILE. This loop is small and keeps the transport's own parser and writes.
#ifndef MT5BRIDGE_TRANSPORT_HTTP_WORKER_HPP
#define MT5BRIDGE_TRANSPORT_HTTP_WORKER_HPP

#include "connection.hpp"
#include "server_core.hpp"

#include <sys/socket.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>

namespace mt5b::transport_http {

class Worker {
 public:
  // Throws sdk::Error when the epoll or eventfd descriptors cannot be created.
  Worker(ServerCore& core, int listen_fd);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void start(int index);
  // Stops accepting (the listening socket is being shut).
  void stop_accepting();
  // Ends the loop and closes every connection; returns once the thread has ended.
  void stop_and_join();

 private:
  using Clock = Connection::Clock;

  void run();
  void accept_ready(Clock::time_point now);
  void admit(int fd, const sockaddr_storage& address, Clock::time_point now);
  void watch_listener(bool on);
  // Brings the connection's epoll interest in line with what it wants, or closes it.
  void settle(Connection* connection);
  void tick(Clock::time_point now);
  void warn_limited(const std::string& message, Clock::time_point now);

  ServerCore& core_;
  const int listen_fd_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> accept_off_{false};
  bool listening_ = false;
  Clock::time_point accept_again_at_{};  // set while accepting backs off (out of descriptors)
  Clock::time_point next_tick_{};
  Clock::time_point last_warning_{};
  struct Entry {
    std::unique_ptr<Connection> connection;
    uint32_t interest = 0;  // the events registered with epoll
  };
  std::unordered_map<Connection*, Entry> connections_;
  std::array<char, 64 * 1024> scratch_{};
};

}  // namespace mt5b::transport_http

#endif  // MT5BRIDGE_TRANSPORT_HTTP_WORKER_HPP
