// A TTL cache with single-flight misses: concurrent misses for one key make one fetch, and the
// others wait for its result. When a fetch fails with a transient error and an expired value is
// still held, that value is served with its age instead of the error (seed story 3.3).
// A value fetched while an invalidation happened is handed to the callers that waited for it
// but not kept: it may predate the change the invalidation announced.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>

namespace mt5b::host {

template <class T>
class TtlCache {
 public:
  using Clock = std::chrono::steady_clock;

  // At most `max_entries` values are kept: past that, the oldest go first. Keys come partly from
  // clients (history ranges), so the bound keeps memory flat whatever they send.
  explicit TtlCache(size_t max_entries = 10'000) : max_entries_(max_entries) {}

  struct Result {
    T value;
    bool cached = false;  // served from the cache (fresh or stale)
    bool stale = false;   // served past its TTL because the fetch failed
    double age_s = 0;     // age of the value
  };

  // `is_transient(exception_ptr)` decides whether a failed fetch may fall back to a stale value.
  Result get(const std::string& key, std::chrono::milliseconds ttl, const std::function<T()>& fetch,
             const std::function<bool(std::exception_ptr)>& is_transient) {
    // A hit only reads: under a shared lock, threads serving hits never wait for one another
    // (nor sleep behind one that was preempted while holding the lock).
    if (auto hit = fresh(key, ttl)) return std::move(*hit);
    std::shared_future<T> flight;
    std::shared_ptr<std::promise<T>> promise;  // set when this call leads the fetch
    uint64_t generation = 0;                   // invalidations seen when the fetch began
    {
      std::unique_lock lock(mu_);
      auto it = entries_.find(key);
      auto now = Clock::now();
      if (it != entries_.end() && now - it->second.stored_at < ttl)
        return Result{it->second.value, true, false, age(it->second.stored_at, now)};
      auto f = flights_.find(key);
      if (f != flights_.end()) {
        flight = f->second;
      } else {
        promise = std::make_shared<std::promise<T>>();
        flight = promise->get_future().share();
        flights_[key] = flight;
        generation = generation_;
      }
    }
    if (promise) {
      try {
        T value = fetch();
        {
          std::lock_guard lock(mu_);
          if (generation == generation_) {
            entries_[key] = Entry{value, Clock::now()};
            evict_oldest();
          }
          flights_.erase(key);
        }
        promise->set_value(value);
        return Result{std::move(value), false, false, 0};
      } catch (...) {
        auto error = std::current_exception();
        {
          std::lock_guard lock(mu_);
          flights_.erase(key);
        }
        promise->set_exception(error);
        if (auto stale = stale_value(key, error, is_transient)) return *stale;
        throw;
      }
    }
    try {
      T value = flight.get();
      return Result{std::move(value), true, false, 0};
    } catch (...) {
      if (auto stale = stale_value(key, std::current_exception(), is_transient)) return *stale;
      throw;
    }
  }

  size_t size() {
    std::shared_lock lock(mu_);
    return entries_.size();
  }

  void invalidate(const std::string& key) {
    std::lock_guard lock(mu_);
    ++generation_;
    entries_.erase(key);
  }
  // Drops every key that starts with `prefix` (e.g. everything of one account).
  void invalidate_prefix(const std::string& prefix) {
    std::lock_guard lock(mu_);
    ++generation_;
    for (auto it = entries_.lower_bound(prefix);
         it != entries_.end() && it->first.compare(0, prefix.size(), prefix) == 0;)
      it = entries_.erase(it);
  }

 private:
  struct Entry {
    T value;
    Clock::time_point stored_at;
  };
  static double age(Clock::time_point then, Clock::time_point now) {
    return std::chrono::duration<double>(now - then).count();
  }
  std::optional<Result> fresh(const std::string& key, std::chrono::milliseconds ttl) {
    std::shared_lock lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    auto now = Clock::now();
    if (now - it->second.stored_at >= ttl) return std::nullopt;
    return Result{it->second.value, true, false, age(it->second.stored_at, now)};
  }
  std::optional<Result> stale_value(const std::string& key, std::exception_ptr error,
                                    const std::function<bool(std::exception_ptr)>& is_transient) {
    if (!is_transient || !is_transient(error)) return std::nullopt;
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    return Result{it->second.value, true, true, age(it->second.stored_at, Clock::now())};
  }

  // Drops the oldest values until the cache fits. Called with mu_ held; O(n) only on overflow.
  void evict_oldest() {
    while (entries_.size() > max_entries_) {
      auto oldest = entries_.begin();
      for (auto it = entries_.begin(); it != entries_.end(); ++it)
        if (it->second.stored_at < oldest->second.stored_at) oldest = it;
      entries_.erase(oldest);
    }
  }

  size_t max_entries_;
  std::shared_mutex mu_;
  std::map<std::string, Entry> entries_;
  std::map<std::string, std::shared_future<T>> flights_;
  // Counts invalidations; one cache-wide count is coarse (an unrelated invalidation also stops
  // a fetch from being kept) but cheap, and invalidations are rare.
  uint64_t generation_ = 0;
};

}  // namespace mt5b::host
