// The TTL cache behind the account-info endpoint (seed story 3.3): fresh hits, expiry,
// single-flight misses, stale values on transient failures, and invalidation.
#include "services/cache/ttl_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using Cache = mt5b::host::TtlCache<std::string>;

struct TransientError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct PermanentError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

bool is_transient(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const TransientError&) {
    return true;
  } catch (...) {
    return false;
  }
}

// A fetch that counts its calls and returns "<prefix><call number>".
struct CountingFetch {
  std::string prefix;
  std::atomic<int> calls{0};
  std::string operator()() { return prefix + std::to_string(++calls); }
};

TEST(TtlCache, serves_a_fresh_value_within_its_ttl_without_fetching_again) {
  Cache cache;
  CountingFetch fetch{"v"};
  auto first = cache.get("k", 10s, std::ref(fetch), is_transient);
  EXPECT_EQ(first.value, "v1");
  EXPECT_FALSE(first.cached);
  std::this_thread::sleep_for(20ms);
  auto second = cache.get("k", 10s, std::ref(fetch), is_transient);
  EXPECT_EQ(second.value, "v1");
  EXPECT_TRUE(second.cached);
  EXPECT_FALSE(second.stale);
  EXPECT_GE(second.age_s, 0.02) << "a hit reports how old the value is";
  EXPECT_EQ(fetch.calls, 1);
}

TEST(TtlCache, fetches_again_once_the_ttl_has_passed) {
  Cache cache;
  CountingFetch fetch{"v"};
  cache.get("k", 30ms, std::ref(fetch), is_transient);
  std::this_thread::sleep_for(60ms);
  auto later = cache.get("k", 30ms, std::ref(fetch), is_transient);
  EXPECT_EQ(later.value, "v2");
  EXPECT_FALSE(later.cached);
  EXPECT_EQ(fetch.calls, 2);
}

TEST(TtlCache, keeps_keys_apart) {
  Cache cache;
  CountingFetch fetch{"v"};
  EXPECT_EQ(cache.get("a", 10s, std::ref(fetch), is_transient).value, "v1");
  EXPECT_EQ(cache.get("b", 10s, std::ref(fetch), is_transient).value, "v2");
  EXPECT_EQ(cache.get("a", 10s, std::ref(fetch), is_transient).value, "v1");
}

TEST(TtlCache, concurrent_misses_on_one_key_make_exactly_one_fetch) {
  constexpr int kCallers = 8;
  Cache cache;
  std::atomic<int> fetches{0};
  auto slow_fetch = [&] {
    ++fetches;
    std::this_thread::sleep_for(100ms);
    return std::string("shared");
  };
  std::latch start(kCallers);
  std::vector<Cache::Result> results(kCallers);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i)
    callers.emplace_back([&, i] {
      start.arrive_and_wait();
      results[i] = cache.get("account-1:info", 10s, slow_fetch, is_transient);
    });
  for (auto& c : callers) c.join();

  EXPECT_EQ(fetches, 1);
  int leaders = 0;
  for (const auto& r : results) {
    EXPECT_EQ(r.value, "shared");
    leaders += r.cached ? 0 : 1;
  }
  EXPECT_EQ(leaders, 1) << "one caller fetched; the others waited for its result";
}

TEST(TtlCache, concurrent_waiters_share_the_failure_of_the_one_fetch) {
  constexpr int kCallers = 4;
  Cache cache;
  std::atomic<int> fetches{0};
  auto failing_fetch = [&]() -> std::string {
    ++fetches;
    std::this_thread::sleep_for(100ms);
    throw PermanentError("login refused");
  };
  std::latch start(kCallers);
  std::atomic<int> failures{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i)
    callers.emplace_back([&] {
      start.arrive_and_wait();
      try {
        cache.get("k", 10s, failing_fetch, is_transient);
      } catch (const PermanentError&) {
        ++failures;
      }
    });
  for (auto& c : callers) c.join();
  EXPECT_EQ(fetches, 1);
  EXPECT_EQ(failures, kCallers);
}

TEST(TtlCache, serves_an_expired_value_as_stale_when_the_fetch_fails_transiently) {
  Cache cache;
  cache.get(
      "k", 10s, [] { return std::string("old"); }, is_transient);
  std::this_thread::sleep_for(30ms);
  auto result = cache.get(
      "k", 10ms, []() -> std::string { throw TransientError("terminal busy"); }, is_transient);
  EXPECT_EQ(result.value, "old");
  EXPECT_TRUE(result.cached);
  EXPECT_TRUE(result.stale);
  EXPECT_GE(result.age_s, 0.03);
  EXPECT_LT(result.age_s, 10.0);
}

TEST(TtlCache, rethrows_a_non_transient_failure_even_when_an_expired_value_is_held) {
  Cache cache;
  cache.get(
      "k", 10s, [] { return std::string("old"); }, is_transient);
  std::this_thread::sleep_for(20ms);
  EXPECT_THROW(
      cache.get(
          "k", 10ms, []() -> std::string { throw PermanentError("wrong password"); }, is_transient),
      PermanentError);
}

TEST(TtlCache, rethrows_a_transient_failure_when_no_value_is_held) {
  Cache cache;
  EXPECT_THROW(
      cache.get(
          "k", 10s, []() -> std::string { throw TransientError("terminal busy"); }, is_transient),
      TransientError);
}

TEST(TtlCache, a_failed_fetch_does_not_block_the_next_one) {
  Cache cache;
  EXPECT_THROW(cache.get(
                   "k", 10s, []() -> std::string { throw PermanentError("down"); }, is_transient),
               PermanentError);
  EXPECT_EQ(cache
                .get(
                    "k", 10s, [] { return std::string("up"); }, is_transient)
                .value,
            "up");
}

TEST(TtlCache, invalidate_prefix_drops_only_the_keys_that_start_with_it) {
  Cache cache;
  CountingFetch fetch{"v"};
  cache.get("acct-1:info", 10s, std::ref(fetch), is_transient);       // v1
  cache.get("acct-1:positions", 10s, std::ref(fetch), is_transient);  // v2
  cache.get("acct-10:info", 10s, std::ref(fetch), is_transient);      // v3
  cache.get("acct-2:info", 10s, std::ref(fetch), is_transient);       // v4

  cache.invalidate_prefix("acct-1:");
  EXPECT_FALSE(cache.get("acct-1:info", 10s, std::ref(fetch), is_transient).cached);
  EXPECT_FALSE(cache.get("acct-1:positions", 10s, std::ref(fetch), is_transient).cached);
  EXPECT_EQ(cache.get("acct-10:info", 10s, std::ref(fetch), is_transient).value, "v3");
  EXPECT_EQ(cache.get("acct-2:info", 10s, std::ref(fetch), is_transient).value, "v4");
  EXPECT_EQ(fetch.calls, 6);
}

TEST(TtlCache, invalidate_drops_one_key) {
  Cache cache;
  CountingFetch fetch{"v"};
  cache.get("a", 10s, std::ref(fetch), is_transient);
  cache.get("b", 10s, std::ref(fetch), is_transient);
  cache.invalidate("a");
  EXPECT_EQ(cache.get("a", 10s, std::ref(fetch), is_transient).value, "v3");
  EXPECT_EQ(cache.get("b", 10s, std::ref(fetch), is_transient).value, "v2");
}

// An account deleted while its data was being read: the read may predate the deletion, so the
// next request must read again instead of being served what was fetched.
TEST(TtlCache, a_value_fetched_across_an_invalidation_is_returned_but_not_kept) {
  Cache cache;
  int calls = 0;
  auto fetch_then_invalidate = [&] {
    ++calls;
    cache.invalidate_prefix("acct-1:");
    return std::string("read before the deletion");
  };
  auto first = cache.get("acct-1:info", 10s, fetch_then_invalidate, is_transient);
  EXPECT_EQ(first.value, "read before the deletion");
  EXPECT_FALSE(first.cached);
  CountingFetch fetch{"after"};
  auto second = cache.get("acct-1:info", 10s, std::ref(fetch), is_transient);
  EXPECT_FALSE(second.cached);
  EXPECT_EQ(second.value, "after1");
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(cache.get("acct-1:info", 10s, std::ref(fetch), is_transient).cached)
      << "a fetch with no invalidation in between is kept again";
}

}  // namespace

namespace {
TEST(TtlCacheBound, keeps_at_most_max_entries_dropping_the_oldest) {
  mt5b::host::TtlCache<int> cache(3);
  auto never = [](std::exception_ptr) { return false; };
  for (int i = 0; i < 5; ++i)
    cache.get(
        "k" + std::to_string(i), std::chrono::seconds(60), [i] { return i; }, never);
  EXPECT_EQ(cache.size(), 3u);
  int fetched = 0;
  cache.get(
      "k4", std::chrono::seconds(60), [&] { return ++fetched; }, never);
  EXPECT_EQ(fetched, 0) << "the newest key must still be cached";
  cache.get(
      "k0", std::chrono::seconds(60), [&] { return ++fetched; }, never);
  EXPECT_EQ(fetched, 1) << "the oldest key must have been dropped";
}
}  // namespace
