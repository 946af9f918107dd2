// The sync engine (seed story 4.2, moved into the host): on every tick of the cron schedule it
// leases due accounts from storage in batches, syncs them with bounded concurrency inside a time
// budget, and reports totals in logs and metrics. Leases make several hosts on one database share
// the work without syncing an account twice; accounts not reached stay due and, being the least
// recently synced, go first next cycle.
#pragma once

#include "services/sync/account_syncer.hpp"
#include "services/sync/worker_pool.hpp"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace mt5b::host {

struct CycleReport {
  std::string cycle_id;
  std::string trigger;
  int64_t started_at_ms = 0;
  int64_t duration_ms = 0;
  int64_t accounts_ok = 0, accounts_failed = 0, accounts_skipped = 0;
  int64_t deals_inserted = 0, trades_inserted = 0;
  bool budget_exhausted = false;
};

class SyncEngine {
 public:
  SyncEngine(AccountAccess& access, AccountSyncer& syncer, const SyncConfig& config,
             MetricsRegistry& metrics, std::string instance_id);
  ~SyncEngine();
  SyncEngine(const SyncEngine&) = delete;
  SyncEngine& operator=(const SyncEngine&) = delete;

  void start_scheduler();
  // Stops the scheduler and waits for running syncs (each bounded by broker timeouts).
  void stop();

  // Runs one cycle now on the calling thread (`cycle_id` empty: a fresh one).
  CycleReport run_cycle(const std::string& trigger, const std::string& cycle_id = {});
  // Starts a cycle in the background; nullopt when one is already running.
  std::optional<CycleReport> trigger_cycle(const std::string& trigger);

  // Leases `account` for a manual sync and runs it in the background. Throws PluginCallError
  // CONFLICT when another sync holds it. Returns the "processing" log.
  SyncLog start_manual(const Account& account, SyncRequest request);

  const std::string& owner() const { return owner_; }
  // Called after each successful account sync (e.g. to drop cached reads of that account).
  void on_account_synced(std::function<void(const std::string&)> callback) {
    on_account_synced_ = std::move(callback);
  }

 private:
  void scheduler_loop();
  void finish_account(const Account& account, const std::string& lease_owner,
                      const SyncOutcome& outcome, CycleReport* report);

  AccountAccess& access_;
  AccountSyncer& syncer_;
  const SyncConfig& config_;
  MetricsRegistry& metrics_;
  std::string owner_;  // this host's lease owner id: instance id + a random part
  std::function<void(const std::string&)> on_account_synced_;

  WorkerPool pool_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool cycle_running_ = false;
  int64_t in_flight_ = 0;  // account syncs queued or running (cycles and manual)
  std::thread scheduler_;
  std::thread background_cycle_;
};

}  // namespace mt5b::host
