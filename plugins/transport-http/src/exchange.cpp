#include "exchange.hpp"

#include <mt5bridge/sdk.hpp>

namespace mt5b::transport_http {

Exchange::Exchange(std::weak_ptr<PendingExchanges> registry, Framing framing)
    : registry_(std::move(registry)), framing_(framing), responder_(sdk::make<mt5b_responder>()) {
  responder_.transport_ctx = this;
  responder_.callback_respond = &Exchange::respond_thunk;
}

bool Exchange::answered_or_registered() {
  // Lock order: this exchange, then the registry. The responder never holds both.
  std::lock_guard lock(mutex_);
  if (answered_) return true;
  auto registry = registry_.lock();
  registered_ = true;
  if (!registry || !registry->adopt(shared_from_this())) cancelled_ = true;
  return false;
}

Exchange::Outcome Exchange::wait_until(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  answered_or_cancelled_.wait_until(lock, deadline, [&] { return answered_ || cancelled_; });
  if (answered_) return Outcome::kAnswered;
  return cancelled_ ? Outcome::kCancelled : Outcome::kTimedOut;
}

std::string Exchange::take_bytes() {
  std::lock_guard lock(mutex_);
  if (encoded_) return std::move(bytes_);
  // Encoding failed when the answer came (out of memory): what was sent before in that case.
  return encode_response(OwnedResponse{}, framing_.head_request, framing_.keep_alive);
}

void Exchange::cancel() {
  std::lock_guard lock(mutex_);
  cancelled_ = true;
  answered_or_cancelled_.notify_all();
}

void Exchange::respond_thunk(void* transport_ctx, const mt5b_http_response* response) noexcept {
  auto* self = static_cast<Exchange*>(transport_ctx);
  if (self == nullptr) return;
  std::string bytes;
  bool encoded = false;
  try {
    bytes = response != nullptr
                ? encode_response(*response, self->framing_.head_request, self->framing_.keep_alive)
                : encode_response(error_response(500, "INTERNAL_ERROR",
                                                 "The server answered without a response; "
                                                 "report this to the operator."),
                                  self->framing_.head_request, self->framing_.keep_alive);
    encoded = true;
  } catch (...) {
    // Out of memory: take_bytes() answers a bare 500.
  }
  std::weak_ptr<PendingExchanges> registry;
  {
    std::lock_guard lock(self->mutex_);
    if (self->answered_) return;  // a second answer breaks the ABI's "exactly once": ignore it
    self->answered_ = true;
    self->encoded_ = encoded;
    self->bytes_ = std::move(bytes);
    // Notified under the lock: once it is released, an unregistered exchange may be destroyed
    // by its worker at any moment, so nothing below touches it.
    self->answered_or_cancelled_.notify_all();
    if (self->registered_) registry = self->registry_;
  }
  // A registered exchange lives until the registry lets it go, here.
  if (auto owner = registry.lock()) owner->forget(self);
}

bool PendingExchanges::adopt(std::shared_ptr<Exchange> exchange) {
  std::lock_guard lock(mutex_);
  const Exchange* key = exchange.get();
  pending_.emplace(key, std::move(exchange));
  return !closed_;
}

void PendingExchanges::cancel_all() {
  std::unordered_map<const Exchange*, std::shared_ptr<Exchange>> snapshot;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    snapshot = pending_;  // copies: cancelled exchanges stay registered until answered
  }
  for (auto& [key, exchange] : snapshot) exchange->cancel();
}

std::size_t PendingExchanges::size() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

void PendingExchanges::forget(const Exchange* exchange) {
  std::shared_ptr<Exchange> released;
  {
    std::lock_guard lock(mutex_);
    auto it = pending_.find(exchange);
    if (it == pending_.end()) return;
    released = std::move(it->second);
    pending_.erase(it);
  }
  // `released` may be the last owner; it is destroyed here, outside the lock.
}

}  // namespace mt5b::transport_http
