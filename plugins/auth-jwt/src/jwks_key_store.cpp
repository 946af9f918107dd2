#include "jwks_key_store.hpp"

#include <mt5bridge/sdk.hpp>

#include <exception>

namespace mt5b::auth_jwt {
namespace {

std::string kid_list(const JwkSet& set) {
  std::string out;
  for (const std::string& kid : set.kids()) out += (out.empty() ? "" : ", ") + kid;
  return out.empty() ? "none" : out;
}

}  // namespace

JwksKeyStore::JwksKeyStore(Loader loader, JwksRefreshPolicy policy, Log log,
                           bool first_load_must_succeed)
    : loader_(std::move(loader)), policy_(std::move(policy)), log_(std::move(log)) {
  {
    std::lock_guard lock(mutex_);
    in_flight_ = true;
    ++attempts_;
    last_attempt_ = Clock::now();
  }
  try {
    auto set = JwkSet::parse(loader_(), policy_.algorithms);
    for (const std::string& skipped : set->skipped()) log_(false, "JWKS: skipped " + skipped);
    log_(false, "JWKS loaded: keys " + kid_list(*set));
    std::lock_guard lock(mutex_);
    keys_ = std::move(set);
  } catch (const std::exception& e) {
    if (first_load_must_succeed) throw;
    log_(true, std::string("JWKS not loaded yet, tokens signed with its keys are refused until "
                           "it is: ") +
                   e.what());
  }
  {
    std::lock_guard lock(mutex_);
    in_flight_ = false;
    ++finished_;
  }
  thread_ = std::thread([this] { run(); });
}

JwksKeyStore::~JwksKeyStore() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::shared_ptr<const JwkSet> JwksKeyStore::current() const {
  std::lock_guard lock(mutex_);
  return keys_;
}

uint64_t JwksKeyStore::attempts() const {
  std::lock_guard lock(mutex_);
  return attempts_;
}

std::shared_ptr<const VerificationKey> JwksKeyStore::find(std::string_view kid) {
  auto lookup = [&]() -> std::shared_ptr<const VerificationKey> {
    if (!keys_) return nullptr;
    const VerificationKey* key = keys_->find(kid);
    // Shares ownership of the whole set, so the key outlives a concurrent refresh.
    return key == nullptr ? nullptr : std::shared_ptr<const VerificationKey>(keys_, key);
  };
  std::unique_lock lock(mutex_);
  const auto deadline = Clock::now() + policy_.unknown_kid_wait;
  // A refresh already under way may have fetched before the key was published: after waiting
  // for it, a second round asks for a fetch of its own (when the interval allows), within the
  // same deadline.
  for (int round = 0; round < 2; ++round) {
    if (auto key = lookup()) return key;
    if (!requested_ && !in_flight_ &&
        Clock::now() - last_attempt_ >= policy_.min_refresh_interval) {
      requested_ = true;
      wake_.notify_one();
    }
    if (!requested_ && !in_flight_) break;
    const uint64_t finished_before = finished_;
    if (!refreshed_.wait_until(lock, deadline,
                               [&] { return finished_ != finished_before || stop_; }) ||
        stop_)
      break;
  }
  return lookup();
}

bool JwksKeyStore::load_once() {
  try {
    auto set = JwkSet::parse(loader_(), policy_.algorithms);
    std::shared_ptr<const JwkSet> old = current();
    const bool changed = !old || old->kids() != set->kids();
    if (changed) {
      for (const std::string& skipped : set->skipped()) log_(false, "JWKS: skipped " + skipped);
      log_(false, "JWKS refreshed: keys " + kid_list(*set));
    }
    std::lock_guard lock(mutex_);
    keys_ = std::move(set);
    return changed;
  } catch (const std::exception& e) {
    log_(true, std::string("JWKS refresh failed, keeping the keys held: ") + e.what());
    return false;
  }
}

void JwksKeyStore::run() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    // An empty store retries at the on-demand pace; a loaded one at the scheduled pace.
    const auto pause = keys_ ? policy_.refresh_interval : policy_.min_refresh_interval;
    wake_.wait_until(lock, last_attempt_ + pause,
                     [&] { return stop_ || requested_ || Clock::now() >= last_attempt_ + pause; });
    if (stop_) break;
    requested_ = false;
    in_flight_ = true;
    ++attempts_;
    last_attempt_ = Clock::now();
    lock.unlock();
    load_once();
    lock.lock();
    in_flight_ = false;
    ++finished_;
    refreshed_.notify_all();
  }
  refreshed_.notify_all();
}

}  // namespace mt5b::auth_jwt
