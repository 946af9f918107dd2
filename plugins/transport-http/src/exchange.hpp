// One request handed to the host, waiting for the host's answer.
//
// The host calls the responder exactly once, before callback_dispatch returns or later from any
// thread. The worker that dispatched waits for it with the request timeout as an upper bound.
// If the worker gives up first (timeout, shutdown), the responder must stay callable anyway:
// the ABI says it is valid until called. So every exchange is owned by a registry of pending
// exchanges until the host answers, or until the transport instance is destroyed.
#ifndef MT5BRIDGE_TRANSPORT_HTTP_EXCHANGE_HPP
#define MT5BRIDGE_TRANSPORT_HTTP_EXCHANGE_HPP

#include "response_encoder.hpp"

#include <mt5bridge/abi.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace mt5b::transport_http {

class PendingExchanges;

class Exchange {
 public:
  enum class Outcome { kAnswered, kTimedOut, kCancelled };

  explicit Exchange(std::weak_ptr<PendingExchanges> registry);
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  // What the host receives; its transport_ctx is this exchange.
  const mt5b_responder* responder() const noexcept { return &responder_; }

  // Blocks until the host answered, `deadline` passed or cancel() was called. An answer that
  // is already there wins over an expired deadline.
  Outcome wait_until(std::chrono::steady_clock::time_point deadline);

  // The host's answer; valid after wait_until returned kAnswered.
  OwnedResponse take_response();

  // Wakes the waiting worker without an answer (the transport is stopping).
  void cancel();

 private:
  static void respond_thunk(void* transport_ctx, const mt5b_http_response* response) noexcept;

  std::weak_ptr<PendingExchanges> registry_;
  mt5b_responder responder_;
  std::mutex mutex_;
  std::condition_variable answered_or_cancelled_;
  std::optional<OwnedResponse> response_;
  bool cancelled_ = false;
};

// The exchanges the host has not answered yet.
class PendingExchanges : public std::enable_shared_from_this<PendingExchanges> {
 public:
  // A new registered exchange, or nullptr once cancel_all() has been called.
  std::shared_ptr<Exchange> open();

  // Cancels every pending exchange and refuses new ones.
  void cancel_all();

  std::size_t size() const;

 private:
  friend class Exchange;
  // Drops the registry's ownership of an answered exchange.
  void forget(const Exchange* exchange);

  mutable std::mutex mutex_;
  bool closed_ = false;
  std::unordered_map<const Exchange*, std::shared_ptr<Exchange>> pending_;
};

}  // namespace mt5b::transport_http

#endif  // MT5BRIDGE_TRANSPORT_HTTP_EXCHANGE_HPP
