#include "http_transport.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

namespace mt5b::transport_http {
namespace {

// How long stop() lets answers already being prepared reach their clients.
constexpr std::chrono::milliseconds kDrainLimit{1000};

std::string bind_failure_reason(int error_number, const std::string& what) {
  auto is = [&](int code) {
    return error_number == code || what.find(std::strerror(code)) != std::string::npos;
  };
  if (is(EADDRINUSE))
    return "address in use; stop the program that holds this port or set `listen` to a free "
           "port.";
  if (is(EACCES))
    return "permission denied; ports below 1024 need privileges, so choose a port from 1024 "
           "up.";
  if (is(EADDRNOTAVAIL))
    return "address not available; use an address of this machine, such as 127.0.0.1 or "
           "0.0.0.0.";
  return what + "; check the `listen` address.";
}

// Blocks SIGINT, SIGTERM and SIGPIPE in the calling thread while it exists, so threads started
// meanwhile inherit the blocked mask; restores the previous mask afterwards.
class BlockedTerminationSignals {
 public:
  BlockedTerminationSignals() {
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGINT);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &blocked, &previous_);
  }
  ~BlockedTerminationSignals() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
  BlockedTerminationSignals(const BlockedTerminationSignals&) = delete;
  BlockedTerminationSignals& operator=(const BlockedTerminationSignals&) = delete;

 private:
  sigset_t previous_;
};

}  // namespace

std::span<const mt5b_option> HttpTransport::options() {
  static constexpr mt5b_option kOptions[] = {
      sdk::option("listen", MT5B_OPT_STRING, 0, "\"127.0.0.1:8000\"",
                  "Address to listen on: \"host:port\" or \"[ipv6]:port\"."),
      sdk::option("threads", MT5B_OPT_INT, 0, "2",
                  "Worker threads, 1 to 64; each accepts and serves connections in its own "
                  "event loop."),
      sdk::option("max_body_bytes", MT5B_OPT_INT, 0, "1048576",
                  "Largest request body accepted; a larger one is answered 413 "
                  "PAYLOAD_TOO_LARGE without reaching the host."),
      sdk::option("request_timeout_ms", MT5B_OPT_INT, 0, "30000",
                  "How long a request waits for the host's answer before it is answered 504 "
                  "TIMEOUT."),
      sdk::option("cors_origins", MT5B_OPT_STRING_LIST, 0,
                  "[\"http://localhost:5173\",\"http://localhost:3000\"]",
                  "Origins allowed to read the transport's own refusals (413, 400, 408, 503); "
                  "list the same origins as api.cors_origins."),
      sdk::option("max_connections", MT5B_OPT_INT, 0, "4096",
                  "Open connections allowed in total; more are answered 503 and closed. The "
                  "open-files limit is raised to fit when the hard limit allows."),
      sdk::option("max_connections_per_ip", MT5B_OPT_INT, 0, "256",
                  "Open connections allowed from one client IP; more are answered 429 and "
                  "closed. Behind a reverse proxy every client has the proxy's IP: raise it."),
      sdk::option("header_timeout_ms", MT5B_OPT_INT, 0, "10000",
                  "Time from a request's first byte until its headers are complete; then 408 "
                  "and the connection is closed (slow-header clients)."),
      sdk::option("body_timeout_ms", MT5B_OPT_INT, 0, "30000",
                  "Time from the end of a request's headers until its body is complete; then "
                  "408 and the connection is closed."),
      sdk::option("idle_timeout_ms", MT5B_OPT_INT, 0, "60000",
                  "An idle keep-alive connection, or one whose client reads no answer bytes, "
                  "is closed after this long."),
      sdk::option("max_unsent_bytes", MT5B_OPT_INT, 0, "262144",
                  "Answer bytes a connection may hold unsent before its further requests are "
                  "no longer read (a client that pipelines without reading)."),
      sdk::option("max_buffered_request_bytes", MT5B_OPT_INT, 0, "67108864",
                  "Request bytes (partial headers and bodies) held across all connections; a "
                  "request that would pass it is answered 503 and its connection closed. At "
                  "least max_body_bytes."),
  };
  return kOptions;
}

HttpTransport::HttpTransport(sdk::Host host, const sdk::Config& config)
    : host_(host), options_(read_transport_options(config)) {}

HttpTransport::~HttpTransport() {
  try {
    stop();
  } catch (...) {
    // Destruction cannot report; stop() only throws on allocation failure.
  }
}

int HttpTransport::listen_or_throw() const {
  const auto& listen = options_.listen;
  const std::string prefix = "cannot listen on " + listen.text + ": ";

  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(listen.host.c_str(), std::to_string(listen.port).c_str(), &hints, &found);
  if (rc != 0 || found == nullptr) {
    throw sdk::Error(MT5B_UNAVAILABLE, prefix + "the host name does not resolve (" +
                                           ::gai_strerror(rc) +
                                           "); use an IP address or a name this machine "
                                           "resolves.");
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owned(found, &::freeaddrinfo);
  int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw sdk::Error(MT5B_UNAVAILABLE,
                     prefix + std::strerror(errno) + "; raise the open-files limit.");
  }
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
    int error_number = errno;
    ::close(fd);
    throw sdk::Error(MT5B_UNAVAILABLE,
                     prefix + bind_failure_reason(error_number, std::strerror(error_number)));
  }
  return fd;
}

void HttpTransport::fit_open_files_limit() const {
  // Each connection takes a descriptor; storage, plugins and logs need some more.
  constexpr rlim_t kReserve = 256;
  const rlim_t needed = static_cast<rlim_t>(options_.max_connections) + kReserve;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= needed) return;
  rlimit raised = limit;
  raised.rlim_cur = std::min(needed, limit.rlim_max);
  if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  if (limit.rlim_cur < needed) {
    host_.warn("the open-files limit (" + std::to_string(limit.rlim_cur) +
               ") is below max_connections (" + std::to_string(options_.max_connections) +
               ") plus a reserve of " + std::to_string(kReserve) +
               "; connections past it wait in the listen backlog. Raise LimitNOFILE or lower "
               "max_connections.");
  }
}

void HttpTransport::start(const mt5b_dispatcher& dispatcher) {
  std::lock_guard lock(lifecycle_mutex_);
  if (listen_fd_ >= 0) {
    throw sdk::Error(MT5B_FAILED, "transport-http is already listening on " + options_.listen.text +
                                      "; stop it before starting again.");
  }
  if (!sdk::has_slot(&dispatcher, &mt5b_dispatcher::callback_dispatch)) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "The dispatcher has no callback_dispatch; the host must provide it.");
  }
  mt5b_dispatcher copied{};
  sdk::read_struct(&dispatcher, copied);
  auto core = std::make_shared<ServerCore>(options_, host_, copied);
  fit_open_files_limit();
  const int fd = listen_or_throw();
  std::vector<std::unique_ptr<Worker>> workers;
  try {
    for (int i = 0; i < options_.worker_threads; ++i)
      workers.push_back(std::make_unique<Worker>(*core, fd));
    // The workers inherit this mask, so SIGINT/SIGTERM reach the host's signal-waiting thread
    // rather than a worker (PLATFORM.md, clean shutdown).
    BlockedTerminationSignals blocked;
    for (int i = 0; i < options_.worker_threads; ++i) workers[i]->start(i);
  } catch (...) {
    workers.clear();
    ::close(fd);
    throw;
  }
  core_ = std::move(core);
  listen_fd_ = fd;
  workers_ = std::move(workers);
  host_.info("listening on " + options_.listen.text + " with " +
             std::to_string(options_.worker_threads) + " worker threads");
}

void HttpTransport::stop() {
  std::lock_guard lock(lifecycle_mutex_);
  if (listen_fd_ < 0) return;
  core_->stopping.store(true);
  // New connections are refused from here on: a shut listening socket resets those waiting in
  // its backlog and no longer accepts, so no client waits for an answer that will not come.
  ::shutdown(listen_fd_, SHUT_RDWR);
  for (auto& worker : workers_) worker->stop_accepting();
  // Workers waiting for the host give up now and answer 503 instead of waiting for their
  // timeout; answers being prepared or written get a moment to reach their clients.
  core_->pending->cancel_all();
  core_->drain.wait_until_idle(kDrainLimit);
  // Joining the workers closes every connection, so no dispatch callback runs after this.
  const auto undelivered_before = core_->undelivered_answers.load();
  for (auto& worker : workers_) worker->stop_and_join();
  workers_.clear();
  ::close(listen_fd_);
  listen_fd_ = -1;
  // Counted per answer whose last byte had not left when its connection was closed: answers
  // that reached the socket are not reported.
  if (auto cut = core_->undelivered_answers.load() - undelivered_before; cut > 0) {
    host_.warn(std::to_string(cut) +
               " answers were still unsent when stopping (their clients were not reading); "
               "their connections were closed without them");
  }
  finished_runs_.push_back(core_->pending);
  core_.reset();
  host_.info("stopped listening on " + options_.listen.text);
}

}  // namespace mt5b::transport_http
