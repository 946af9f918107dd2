// One request handed to the host, waiting for the host's answer.
//
// The host calls the responder exactly once, before callback_dispatch returns or later from any
// thread. The worker that dispatched waits for it with the request timeout as an upper bound.
// If the worker gives up first (timeout, shutdown), the responder must stay callable anyway:
// the ABI says it is valid until called. So an exchange the host has not answered by the time
// callback_dispatch returns is handed to a registry of pending exchanges, which owns it until
// the host answers or the transport instance is destroyed. The usual answer, given during
// callback_dispatch, needs no registry: the worker still owns the exchange then.
#ifndef MT5BRIDGE_TRANSPORT_HTTP_EXCHANGE_HPP
#define MT5BRIDGE_TRANSPORT_HTTP_EXCHANGE_HPP

#include "response_encoder.hpp"

#include <mt5bridge/abi.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace mt5b::transport_http {

class PendingExchanges;

// How the answer is framed on the wire, known before the host answers, so the answer is
// encoded to bytes when it arrives rather than copied first.
struct Framing {
  bool head_request = false;
  bool keep_alive = true;
};

class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  enum class Outcome { kAnswered, kTimedOut, kCancelled };

  Exchange(std::weak_ptr<PendingExchanges> registry, Framing framing);
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  // What the host receives; its transport_ctx is this exchange.
  const mt5b_responder* responder() const noexcept { return &responder_; }

  // For the worker, once callback_dispatch has returned: true when the host has answered
  // already. Otherwise hands the exchange to its registry, so the responder stays valid however
  // long the host takes, and returns false; the worker then waits with wait_until().
  bool answered_or_registered();

  // Blocks until the host answered, `deadline` passed or cancel() was called. An answer that
  // is already there wins over an expired deadline. A registry closed before this exchange
  // joined it counts as cancelled.
  Outcome wait_until(std::chrono::steady_clock::time_point deadline);

  // The answer's HTTP bytes; valid once answered.
  std::string take_bytes();

  // Wakes the waiting worker without an answer (the transport is stopping).
  void cancel();

 private:
  static void respond_thunk(void* transport_ctx, const mt5b_http_response* response) noexcept;

  std::weak_ptr<PendingExchanges> registry_;
  Framing framing_;
  mt5b_responder responder_;
  std::mutex mutex_;
  std::condition_variable answered_or_cancelled_;
  bool answered_ = false;
  bool encoded_ = false;  // false with answered_: encoding failed (out of memory)
  std::string bytes_;
  bool registered_ = false;
  bool cancelled_ = false;
};

// The exchanges the host did not answer during callback_dispatch and has not answered since.
class PendingExchanges : public std::enable_shared_from_this<PendingExchanges> {
 public:
  // Cancels every pending exchange; exchanges that join later count as cancelled.
  void cancel_all();
  std::size_t size() const;

 private:
  friend class Exchange;
  // Takes ownership of an unanswered exchange; false when the registry is closed (it is kept
  // all the same: the host may still answer).
  bool adopt(std::shared_ptr<Exchange> exchange);
  // Drops the registry's ownership of an answered exchange.
  void forget(const Exchange* exchange);

  mutable std::mutex mutex_;
  bool closed_ = false;
  std::unordered_map<const Exchange*, std::shared_ptr<Exchange>> pending_;
};

}  // namespace mt5b::transport_http

#endif  // MT5BRIDGE_TRANSPORT_HTTP_EXCHANGE_HPP
