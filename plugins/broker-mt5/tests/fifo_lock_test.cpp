// The per-terminal queue: one holder, arrival order, and waiters that give up at their deadline.
#include "fifo_lock.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace mt5b::broker_mt5 {
namespace {

using namespace std::chrono_literals;

TEST(FifoLock, waiters_get_the_lock_in_arrival_order) {
  FifoLock lock;
  lock.lock();
  std::mutex mu;
  std::vector<int> order;
  std::vector<std::thread> threads;
  std::atomic<int> queued{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      ++queued;
      ASSERT_TRUE(lock.try_lock_until(FifoLock::Clock::now() + 5s));
      {
        std::lock_guard g(mu);
        order.push_back(i);
      }
      lock.unlock();
    });
    // Let thread i queue before thread i + 1 arrives.
    while (queued.load() <= i) std::this_thread::yield();
    std::this_thread::sleep_for(20ms);
  }
  lock.unlock();
  for (auto& t : threads) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
}

TEST(FifoLock, a_waiter_gives_up_at_its_deadline_and_does_not_block_the_next) {
  FifoLock lock;
  lock.lock();
  auto start = FifoLock::Clock::now();
  EXPECT_FALSE(lock.try_lock_until(start + 50ms));
  EXPECT_GE(FifoLock::Clock::now() - start, 50ms);
  lock.unlock();
  EXPECT_TRUE(lock.try_lock());  // the abandoned ticket left the queue
  lock.unlock();
}

TEST(FifoLock, try_lock_does_not_jump_the_queue) {
  FifoLock lock;
  lock.lock();
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    got = lock.try_lock_until(FifoLock::Clock::now() + 5s);
    lock.unlock();
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(lock.try_lock());  // held, and someone is waiting
  lock.unlock();
  waiter.join();
  EXPECT_TRUE(got.load());
}

}  // namespace
}  // namespace mt5b::broker_mt5
