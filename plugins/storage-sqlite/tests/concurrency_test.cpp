// Calls arrive from many host threads at once.
#include "test_support.hpp"

#include <atomic>
#include <thread>
#include <vector>

namespace mt5b::storage_sqlite::testing {
namespace {

constexpr int kThreads = 8;
constexpr int kAccountsPerThread = 25;

TEST(Concurrency, inserts_from_several_threads_all_land) {
  TempDir dir;
  sdk::testing::FakeHost host;
  auto store = open_store(host, dir.file("concurrent.db"));
  store->migrate();

  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAccountsPerThread; ++i) {
        const std::string id = "acc-" + std::to_string(t) + "-" + std::to_string(i);
        if (status_of([&] { insert(*store, sample_account(id, "user-1", t * 1000 + i)); }) !=
            MT5B_OK)
          ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(0, failures.load());
  EXPECT_EQ(kThreads * kAccountsPerThread, store->account_count(sdk::make<mt5b_account_query>()));
  RawDatabase raw(dir.file("concurrent.db"));
  EXPECT_EQ(kThreads * kAccountsPerThread,
            raw.integer("SELECT count(*) FROM account_integrations"));
}

TEST(Concurrency, readers_see_committed_accounts_while_writers_insert) {
  TempDir dir;
  sdk::testing::FakeHost host;
  auto store = open_store(host, dir.file("concurrent.db"));
  store->migrate();
  insert(*store, sample_account("seed", "user-1", 1));

  std::atomic<bool> writing{true};
  std::atomic<int> read_failures{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < kThreads; ++r) {
    readers.emplace_back([&] {
      int64_t last_count = 0;
      while (writing.load()) {
        int64_t count = 0;
        bool seed_found = false;
        if (status_of([&] {
              count = store->account_count(sdk::make<mt5b_account_query>());
              seed_found = find_account(*store, "seed").has_value();
            }) != MT5B_OK ||
            !seed_found || count < last_count)
          ++read_failures;
        last_count = count;
      }
    });
  }
  for (int i = 0; i < 100; ++i) insert(*store, sample_account("w-" + std::to_string(i), "u", i));
  writing = false;
  for (auto& reader : readers) reader.join();

  EXPECT_EQ(0, read_failures.load());
  EXPECT_EQ(101, store->account_count(sdk::make<mt5b_account_query>()));
}

}  // namespace
}  // namespace mt5b::storage_sqlite::testing
