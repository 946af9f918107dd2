#include "worker.hpp"

#include "response_encoder.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace mt5b::transport_http {
namespace {

// Deadlines are checked this often; timeouts are whole seconds or more, so this is fine enough.
constexpr std::chrono::milliseconds kTickInterval{250};
// Accepting pauses this long when the process or system is out of file descriptors, instead of
// retrying accept() in a tight loop; connections wait in the listen backlog meanwhile.
constexpr std::chrono::milliseconds kAcceptBackOff{200};
// At most one warning per this interval per worker about refused connections.
constexpr std::chrono::seconds kWarningInterval{10};
constexpr int kAcceptsPerTurn = 64;

char listener_tag;
char wake_tag;

struct Peer {
  std::string ip;
  uint16_t port = 0;
};

Peer describe(const sockaddr_storage& storage) {
  Peer out;
  char text[INET6_ADDRSTRLEN] = {};
  if (storage.ss_family == AF_INET) {
    const auto& in4 = reinterpret_cast<const sockaddr_in&>(storage);
    ::inet_ntop(AF_INET, &in4.sin_addr, text, sizeof(text));
    out.port = ntohs(in4.sin_port);
  } else if (storage.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(storage);
    // An IPv4 client of a dual-stack socket is reported as plain IPv4, as the host expects.
    if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) {
      ::inet_ntop(AF_INET, &in6.sin6_addr.s6_addr[12], text, sizeof(text));
    } else {
      ::inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof(text));
    }
    out.port = ntohs(in6.sin6_port);
  }
  out.ip = text;
  return out;
}

// Answers a connection that is not admitted with one write, then closes it.
void turn_away(int fd, uint16_t status, std::string_view code, std::string_view message) {
  auto bytes = encode_response(error_response(status, code, message), false, false);
  [[maybe_unused]] auto sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::close(fd);
}

}  // namespace

Worker::Worker(ServerCore& core, int listen_fd) : core_(core), listen_fd_(listen_fd) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    int error_number = errno;
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
    throw sdk::Error(MT5B_UNAVAILABLE, std::string("cannot create a worker event loop: ") +
                                           std::strerror(error_number) +
                                           "; raise the open-files limit (LimitNOFILE).");
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = &wake_tag;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event);
  watch_listener(true);
}

Worker::~Worker() {
  if (thread_.joinable()) stop_and_join();
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

void Worker::start(int index) {
  thread_ = std::thread([this] { run(); });
  std::string name = "mt5b-http-" + std::to_string(index);
  ::pthread_setname_np(thread_.native_handle(), name.c_str());
}

void Worker::stop_accepting() {
  accept_off_.store(true);
  uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void Worker::stop_and_join() {
  stop_.store(true);
  uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

void Worker::watch_listener(bool on) {
  if (on == listening_) return;
  if (on) {
    epoll_event event{};
    // Each worker waits on the listening socket; EPOLLEXCLUSIVE wakes one of them per
    // connection instead of all.
    event.events = EPOLLIN | EPOLLEXCLUSIVE;
    event.data.ptr = &listener_tag;
    listening_ = ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &event) == 0;
  } else {
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
    listening_ = false;
  }
}

void Worker::run() {
  std::array<epoll_event, 128> events;
  next_tick_ = Clock::now() + kTickInterval;
  while (!stop_.load()) {
    auto now = Clock::now();
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_tick_ - now).count();
    int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                         wait < 0 ? 0 : static_cast<int>(wait) + 1);
    if (n < 0 && errno != EINTR) break;  // cannot happen with a valid epoll descriptor
    now = Clock::now();
    for (int i = 0; i < n; ++i) {
      void* tag = events[i].data.ptr;
      if (tag == &wake_tag) {
        uint64_t count;
        [[maybe_unused]] auto r = ::read(wake_fd_, &count, sizeof count);
        continue;
      }
      if (tag == &listener_tag) {
        accept_ready(now);
        continue;
      }
      auto* connection = static_cast<Connection*>(tag);
      const uint32_t ready = events[i].events;
      // Output first: a client that reads its answers may unblock requests it pipelined.
      if (ready & (EPOLLOUT | EPOLLERR | EPOLLHUP)) connection->on_writable(now);
      if (!connection->finished() && (ready & (EPOLLIN | EPOLLERR | EPOLLHUP)))
        connection->on_readable(scratch_.data(), scratch_.size(), now);
      settle(connection);
    }
    if (accept_off_.load()) watch_listener(false);
    if (now >= next_tick_) tick(now);
  }
  connections_.clear();  // closes every socket; unwritten answers count as undelivered
}

void Worker::accept_ready(Clock::time_point now) {
  for (int i = 0; i < kAcceptsPerTurn; ++i) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      admit(fd, address, now);
      continue;
    }
    switch (errno) {
      case EAGAIN:
#if EAGAIN != EWOULDBLOCK
      case EWOULDBLOCK:
#endif
        return;
      case EINTR:
      case ECONNABORTED:
      case EPROTO:
      case EPERM: continue;  // that one connection failed; others may be waiting
      case EMFILE:
      case ENFILE:
      case ENOBUFS:
      case ENOMEM:
        watch_listener(false);
        accept_again_at_ = now + kAcceptBackOff;
        warn_limited(std::string("cannot accept connections: ") + std::strerror(errno) +
                         "; accepting pauses briefly. Raise LimitNOFILE or lower max_connections.",
                     now);
        return;
      default:
        // The listening socket was shut (stop()) or is broken: nothing more to accept here.
        watch_listener(false);
        return;
    }
  }
}

void Worker::admit(int fd, const sockaddr_storage& address, Clock::time_point now) {
  Peer peer = describe(address);
  switch (core_.connections.admit(peer.ip)) {
    case ConnectionCounter::Admission::kAdmitted: break;
    case ConnectionCounter::Admission::kServerFull:
      turn_away(fd, 503, "TOO_MANY_CONNECTIONS",
                "The server has as many connections open as it allows; retry in a moment.");
      warn_limited("refused connections: max_connections (" +
                       std::to_string(core_.options.max_connections) + ") reached",
                   now);
      return;
    case ConnectionCounter::Admission::kClientFull:
      turn_away(fd, 429, "TOO_MANY_CONNECTIONS",
                "This client has as many connections open as one client may; reuse them "
                "(keep-alive) or close some.");
      warn_limited("refused connections from " + peer.ip + ": max_connections_per_ip (" +
                       std::to_string(core_.options.max_connections_per_ip) + ") reached",
                   now);
      return;
  }
  // Each answer leaves in one write; Nagle's algorithm could only hold it back.
  const int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  auto connection = std::make_unique<Connection>(core_, fd, std::move(peer.ip), peer.port, now);
  Connection* key = connection.get();
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = key;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) return;  // closed by the destructor
  connections_.emplace(key, Entry{std::move(connection), EPOLLIN});
}

void Worker::settle(Connection* connection) {
  auto it = connections_.find(connection);
  if (it == connections_.end()) return;
  if (connection->finished()) {
    // Closing the descriptor removes it from the epoll set.
    connections_.erase(it);
    return;
  }
  const uint32_t wanted = connection->wanted_events();
  if (wanted == it->second.interest) return;
  epoll_event event{};
  event.events = wanted;
  event.data.ptr = connection;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, connection->fd(), &event);
  it->second.interest = wanted;
}

void Worker::tick(Clock::time_point now) {
  next_tick_ = now + kTickInterval;
  if (!listening_ && !accept_off_.load() && now >= accept_again_at_) watch_listener(true);
  for (auto it = connections_.begin(); it != connections_.end();) {
    Connection* connection = it->first;
    ++it;  // settle() may erase the current entry
    if (now >= connection->deadline()) {
      connection->on_tick(now);
      settle(connection);
    }
  }
}

void Worker::warn_limited(const std::string& message, Clock::time_point now) {
  if (last_warning_ != Clock::time_point{} && now - last_warning_ < kWarningInterval) return;
  last_warning_ = now;
  core_.host.warn(message);
}

}  // namespace mt5b::transport_http
