// What the workers of one start()..stop() run share with the plugin instance.
#ifndef MT5BRIDGE_TRANSPORT_HTTP_SERVER_CORE_HPP
#define MT5BRIDGE_TRANSPORT_HTTP_SERVER_CORE_HPP

#include "connection_limits.hpp"
#include "exchange.hpp"
#include "request_parser.hpp"
#include "transport_options.hpp"

#include <mt5bridge/sdk.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

namespace mt5b::transport_http {

// Counts answers that are being prepared or that the socket has not taken yet, so stop() can
// let them out before it closes connections. begin() and end() run for every answer on every
// worker, so they touch one atomic only; the mutex is for stop()'s wait.
class AnswerDrain {
 public:
  void begin();
  void end();
  // True when nothing is outstanding before `limit` passes.
  bool wait_until_idle(std::chrono::milliseconds limit);

 private:
  std::atomic<int> outstanding_{0};
  std::atomic<bool> waiting_{false};
  std::mutex mutex_;
  std::condition_variable idle_;
};

struct ServerCore {
  ServerCore(const TransportOptions& options_in, sdk::Host host_in,
             const mt5b_dispatcher& dispatcher_in)
      : dispatcher(dispatcher_in),
        options(options_in),
        host(host_in),
        connections(options_in.max_connections, options_in.max_connections_per_ip),
        buffered(options_in.max_buffered_request_bytes) {}

  mt5b_dispatcher dispatcher{};
  TransportOptions options;
  sdk::Host host;
  std::shared_ptr<PendingExchanges> pending = std::make_shared<PendingExchanges>();
  std::atomic<bool> stopping{false};
  AnswerDrain drain;
  ConnectionCounter connections;
  BufferBudget buffered;
  // Answers whose connection closed before their last byte was written.
  std::atomic<uint64_t> undelivered_answers{0};
};

// Hands one complete request to the host and returns the bytes of its answer, or of the
// transport's own error answer (503 while stopping, 504 after request_timeout). Clears
// `keep_alive` when the connection must close after this answer.
std::string dispatch_request(ServerCore& core, const ParsedRequest& request,
                             const std::string& client_ip, uint16_t client_port, bool& keep_alive);

}  // namespace mt5b::transport_http

#endif  // MT5BRIDGE_TRANSPORT_HTTP_SERVER_CORE_HPP
