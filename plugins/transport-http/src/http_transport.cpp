#include "http_transport.hpp"

#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

namespace mt5b::transport_http {
namespace {

// How long stop() lets answers already being prepared reach their clients.
constexpr std::chrono::milliseconds kDrainLimit{1000};

std::string bind_failure_reason(int error_number, const std::string& what) {
  // Pistache reports a failed bind as strerror(errno) text; errno usually survives the throw.
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
                  "Worker threads serving connections, 1 to 64 (Pistache adds one thread that "
                  "accepts connections)."),
      sdk::option("max_body_bytes", MT5B_OPT_INT, 0, "1048576",
                  "Largest request body accepted; a larger one is answered 413 "
                  "PAYLOAD_TOO_LARGE without reaching the host."),
      sdk::option("request_timeout_ms", MT5B_OPT_INT, 0, "30000",
                  "How long a request waits for the host's answer before it is answered 504 "
                  "TIMEOUT."),
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

std::unique_ptr<Pistache::Tcp::Listener> HttpTransport::listen_or_throw(
    const std::shared_ptr<ServerCore>& core) const {
  const auto& listen = options_.listen;
  const std::string prefix = "cannot listen on " + listen.text + ": ";

  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(listen.host.c_str(), nullptr, &hints, &found);
  if (rc != 0 || found == nullptr) {
    throw sdk::Error(MT5B_UNAVAILABLE, prefix + "the host name does not resolve (" +
                                           ::gai_strerror(rc) +
                                           "); use an IP address or a name this machine "
                                           "resolves.");
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owned(found, &::freeaddrinfo);
  Pistache::Address address(Pistache::IP(found->ai_addr), Pistache::Port(listen.port));

  auto listener = std::make_unique<Pistache::Tcp::Listener>(address);
  using Pistache::Tcp::Options;
  listener->init(
      static_cast<size_t>(options_.worker_threads),
      Pistache::Flags<Options>(Options::ReuseAddr | Options::NoDelay | Options::CloseOnExec),
      "mt5b-http");
  listener->setHandler(std::make_shared<ConnectionHandler>(core));
  try {
    listener->bind();
  } catch (const std::exception& e) {
    int error_number = errno;
    throw sdk::Error(MT5B_UNAVAILABLE, prefix + bind_failure_reason(error_number, e.what()));
  }
  return listener;
}

void HttpTransport::start(const mt5b_dispatcher& dispatcher) {
  std::lock_guard lock(lifecycle_mutex_);
  if (listener_) {
    throw sdk::Error(MT5B_FAILED, "transport-http is already listening on " + options_.listen.text +
                                      "; stop it before starting again.");
  }
  if (!sdk::has_slot(&dispatcher, &mt5b_dispatcher::callback_dispatch)) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "The dispatcher has no callback_dispatch; the host must provide it.");
  }
  auto core = std::make_shared<ServerCore>();
  sdk::read_struct(&dispatcher, core->dispatcher);
  core->options = options_;
  core->host = host_;

  auto listener = listen_or_throw(core);
  {
    // Pistache's threads inherit this mask, so SIGINT/SIGTERM reach the host's signal-waiting
    // thread rather than a worker (PLATFORM.md, clean shutdown).
    BlockedTerminationSignals blocked;
    listener->runThreaded();
  }
  core_ = std::move(core);
  listener_ = std::move(listener);
  host_.info("listening on " + options_.listen.text + " with " +
             std::to_string(options_.worker_threads) + " worker threads");
}

void HttpTransport::stop() {
  std::lock_guard lock(lifecycle_mutex_);
  if (!listener_) return;
  core_->stopping.store(true);
  // Workers waiting for the host give up now and answer 503 instead of waiting for their
  // timeout; answers being prepared get a moment to reach the wire before connections close.
  core_->pending->cancel_all();
  if (!core_->drain.wait_until_idle(kDrainLimit)) {
    host_.warn(
        "some answers were still unsent when stopping; their connections are closed "
        "without them");
  }
  listener_->shutdown();
  // Destroying the listener joins the accept thread and every worker, so no dispatch
  // callback is running once it returns.
  listener_.reset();
  core_->connections.close_all();
  finished_runs_.push_back(core_->pending);
  core_.reset();
  host_.info("stopped listening on " + options_.listen.text);
}

}  // namespace mt5b::transport_http
