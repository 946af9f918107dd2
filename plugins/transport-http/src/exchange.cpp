#include "exchange.hpp"

#include <mt5bridge/sdk.hpp>

namespace mt5b::transport_http {

Exchange::Exchange(std::weak_ptr<PendingExchanges> registry)
    : registry_(std::move(registry)), responder_(sdk::make<mt5b_responder>()) {
  responder_.transport_ctx = this;
  responder_.callback_respond = &Exchange::respond_thunk;
}

Exchange::Outcome Exchange::wait_until(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  answered_or_cancelled_.wait_until(lock, deadline,
                                    [&] { return response_.has_value() || cancelled_; });
  if (response_) return Outcome::kAnswered;
  return cancelled_ ? Outcome::kCancelled : Outcome::kTimedOut;
}

OwnedResponse Exchange::take_response() {
  std::lock_guard lock(mutex_);
  return response_ ? std::move(*response_) : OwnedResponse{};
}

void Exchange::cancel() {
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
  }
  answered_or_cancelled_.notify_all();
}

void Exchange::respond_thunk(void* transport_ctx, const mt5b_http_response* response) noexcept {
  auto* self = static_cast<Exchange*>(transport_ctx);
  if (self == nullptr) return;
  OwnedResponse copied;
  try {
    copied = response != nullptr
                 ? copy_response(*response)
                 : error_response(500, "INTERNAL_ERROR",
                                  "The server answered without a response; report this to the "
                                  "operator.");
  } catch (...) {
    copied = OwnedResponse{};  // status 500, empty body: the best left when memory ran out
  }
  {
    std::lock_guard lock(self->mutex_);
    if (self->response_) return;  // a second answer breaks the ABI's "exactly once": ignore it
    self->response_ = std::move(copied);
  }
  self->answered_or_cancelled_.notify_all();
  // Last: forgetting may destroy the exchange when its worker has already given up on it.
  if (auto registry = self->registry_.lock()) registry->forget(self);
}

std::shared_ptr<Exchange> PendingExchanges::open() {
  auto exchange = std::make_shared<Exchange>(weak_from_this());
  std::lock_guard lock(mutex_);
  if (closed_) return nullptr;
  pending_.emplace(exchange.get(), exchange);
  return exchange;
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
