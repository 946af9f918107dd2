// What the workers of one start()..stop() run share with the plugin instance.
#ifndef MT5BRIDGE_TRANSPORT_HTTP_SERVER_CORE_HPP
#define MT5BRIDGE_TRANSPORT_HTTP_SERVER_CORE_HPP

#include "exchange.hpp"
#include "transport_options.hpp"

#include <mt5bridge/sdk.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <unordered_set>

namespace mt5b::transport_http {

// Counts answers that are being prepared or that Pistache has not written yet, so stop() can
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

// The sockets of live connections. Pistache 0.0.5 closes a socket only when the client hangs
// up; shutting the listener down leaks the others, so stop() closes what is left here.
class OpenConnections {
 public:
  void add(int fd);
  void remove(int fd);
  // Call only once every worker thread has ended.
  void close_all();

 private:
  std::mutex mutex_;
  std::unordered_set<int> fds_;
};

struct ServerCore {
  mt5b_dispatcher dispatcher{};
  TransportOptions options;
  sdk::Host host;
  std::shared_ptr<PendingExchanges> pending = std::make_shared<PendingExchanges>();
  std::atomic<bool> stopping{false};
  AnswerDrain drain;
  OpenConnections connections;
};

}  // namespace mt5b::transport_http

#endif  // MT5BRIDGE_TRANSPORT_HTTP_SERVER_CORE_HPP
