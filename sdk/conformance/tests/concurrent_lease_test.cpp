// Two host PROCESSES lease from the same store at the same time and never get the same
// account: each child opens its own instance on the store (for a file store, the same path),
// leases, syncs (apply pushes next_sync_at ahead) and releases in a loop until nothing is due,
// and reports every account it leased through a pipe.
#include "conformance_test.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

namespace mt5b::conformance {
namespace {

constexpr int kAccounts = 80;
constexpr int kChildren = 2;
constexpr auto kDeadline = std::chrono::seconds(120);

// Writes all of `text` to `fd`, as one report line.
void report(int fd, const std::string& text) {
  const std::string line = text + "\n";
  size_t written = 0;
  while (written < line.size()) {
    ssize_t n = write(fd, line.data() + written, line.size() - written);
    if (n <= 0) return;
    written += static_cast<size_t>(n);
  }
}

bool is_transient(mt5b_status status) {
  return status == MT5B_RETRY || status == MT5B_UNAVAILABLE || status == MT5B_TIMEOUT;
}

// The child's whole life: no gtest assertions (they would be lost), only report lines —
// "leased <id>" per account, "error <text>" for anything wrong — and _exit.
[[noreturn]] void lease_until_nothing_is_due(const PluginLibrary& plugin, const std::string& config,
                                             int64_t now_ms, const std::string& owner, int go_fd,
                                             int out_fd) {
  int exit_code = 0;
  {
    StoreInstance store(plugin, config, now_ms);
    if (!store.created().ok()) {
      std::ostringstream message;
      message << "error on_create: " << store.created();
      report(out_fd, message.str());
      _exit(1);
    }
    // Opened and ready: start leasing together with the other child, on the parent's go (EOF).
    report(out_fd, "ready");
    char go = 0;
    (void)!read(go_fd, &go, 1);
    int transient_failures = 0;
    for (;;) {
      auto request = sdk::make<mt5b_lease_request>();
      request.owner = sdk::str(owner);
      request.now_ms = now_ms;
      request.lease_ttl_ms = 600'000;
      request.limit = 1;  // one at a time, so the two processes interleave as much as possible
      std::vector<Account> leased;
      CallResult result = store.lease_due(request, leased);
      if (is_transient(result.status) && ++transient_failures < 200) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      if (!result.ok()) {
        std::ostringstream message;
        message << "error on_lease_due: " << result;
        report(out_fd, message.str());
        exit_code = 1;
        break;
      }
      if (leased.empty()) break;
      for (const Account& account : leased) {
        report(out_fd, "leased " + account.id);
        // The sync itself (the broker fetch) happens here, outside any database lock; the
        // pause also lets the other process in, whatever its store's lock waiting policy.
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        SyncBatch batch;
        batch.lease_owner = owner;
        batch.account = account;
        batch.snapshot_valid = false;
        batch.account.last_sync_at_ms = now_ms;
        batch.account.last_successful_sync_at_ms = now_ms;
        batch.account.next_sync_at_ms = now_ms + 3'600'000;  // not due again in this test
        auto applied = sdk::make<mt5b_sync_apply_result>();
        CallResult apply_result = apply(store, batch, applied);
        for (int retry = 0; is_transient(apply_result.status) && retry < 200; ++retry) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
          apply_result = apply(store, batch, applied);
        }
        CallResult release_result = store.lease_release(account.id, owner);
        if (!apply_result.ok() || !release_result.ok()) {
          std::ostringstream message;
          message << "error syncing " << account.id << ": apply " << apply_result << ", release "
                  << release_result;
          report(out_fd, message.str());
          exit_code = 1;
        }
      }
    }
  }  // the instance is destroyed before the child leaves
  _exit(exit_code);
}

struct Child {
  pid_t pid = -1;
  int out_fd = -1;
  std::string owner;
  std::string output;
  bool done = false;
};

bool is_ready(const Child& c) {
  return c.done || c.output.find("ready\n") != std::string::npos;
}

// Reads the children's reports until `enough` holds for every child (all pipes closed, when
// not given) or the deadline passes.
bool collect(std::vector<Child>& children, bool (*enough)(const Child&) = nullptr) {
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  for (;;) {
    if (enough != nullptr && std::all_of(children.begin(), children.end(), enough)) return true;
    std::vector<pollfd> fds;
    std::vector<Child*> open;
    for (Child& c : children) {
      if (c.done) continue;
      fds.push_back(pollfd{c.out_fd, POLLIN, 0});
      open.push_back(&c);
    }
    if (fds.empty()) return true;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    if (poll(fds.data(), fds.size(), static_cast<int>(left.count())) < 0) return false;
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      char buffer[4096];
      ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        open[i]->output.append(buffer, static_cast<size_t>(n));
      } else {
        open[i]->done = true;
      }
    }
  }
}

using ConcurrentLeases = StorageConformance;

TEST_F(ConcurrentLeases, two_processes_never_lease_the_same_account) {
  MT5B_REQUIRE_SLOTS(MT5B_SLOT(on_lease_due), MT5B_SLOT(on_sync_apply),
                     MT5B_SLOT(on_lease_release));
  std::set<std::string> due;
  for (int n = 1; n <= kAccounts; ++n) {
    Account account = sample_account(n, 1 + n % 3);
    add(account);
    due.insert(account.id);
  }
  Account not_due = sample_account(kAccounts + 1, 1);
  not_due.next_sync_at_ms = now() + 86'400'000;
  add(not_due);
  Account inactive = sample_account(kAccounts + 2, 1);
  inactive.is_active = false;
  add(inactive);
  // Close this process's instance first: a child must not inherit open connections or locks.
  std::optional<Account> unused;
  ASSERT_OK(store().get_account(not_due.id, unused));
  destroy_main_instance();

  int go[2];
  ASSERT_EQ(0, pipe(go));
  std::vector<Child> children(kChildren);
  for (int i = 0; i < kChildren; ++i) {
    int out[2];
    ASSERT_EQ(0, pipe(out));
    children[i].owner = "host-" + std::to_string(i) + ":" + std::to_string(getpid());
    const pid_t pid = fork();
    ASSERT_NE(-1, pid);
    if (pid == 0) {
      close(go[1]);
      close(out[0]);
      for (int j = 0; j < i; ++j) close(children[j].out_fd);
      lease_until_nothing_is_due(plugin(), config(), now(), children[i].owner, go[0], out[1]);
    }
    close(out[1]);
    children[i].pid = pid;
    children[i].out_fd = out[0];
  }
  close(go[0]);
  const bool ready = collect(children, &is_ready);
  close(go[1]);  // EOF on the go pipe: every child starts now
  const bool finished = ready && collect(children);
  for (Child& c : children) {
    if (!finished) kill(c.pid, SIGKILL);  // a plugin that hangs must not hang the suite
    int status = 0;
    waitpid(c.pid, &status, 0);
    close(c.out_fd);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << c.owner << " failed:\n"
                                                               << c.output;
  }
  ASSERT_TRUE(finished) << "the children did not finish within " << kDeadline.count() << " s";

  std::vector<std::set<std::string>> leased(kChildren);
  std::set<std::string> all;
  for (int i = 0; i < kChildren; ++i) {
    std::istringstream lines(children[i].output);
    const std::string prefix = "leased ";
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(prefix, 0) != 0) continue;
      const std::string id = line.substr(prefix.size());
      EXPECT_TRUE(leased[i].insert(id).second) << children[i].owner << " leased " << id << " twice";
      EXPECT_TRUE(all.insert(id).second) << id << " was leased by both processes";
    }
  }
  EXPECT_EQ(due, all) << "every due account is leased by exactly one process, and nothing else";
  for (int i = 0; i < kChildren; ++i) {
    // Not a requirement, but a sign the processes really overlapped.
    if (leased[i].empty()) std::cout << "note: " << children[i].owner << " leased nothing\n";
  }
}

}  // namespace
}  // namespace mt5b::conformance
