#include "services/sync/sync_engine.hpp"

#include "api/json_body.hpp"
#include "log/logger.hpp"
#include "normaliser/time_format.hpp"

#include <chrono>

namespace mt5b::host {

SyncEngine::SyncEngine(AccountAccess& access, AccountSyncer& syncer, const SyncConfig& config,
                       MetricsRegistry& metrics, std::string instance_id)
    : access_(access),
      syncer_(syncer),
      config_(config),
      metrics_(metrics),
      owner_((instance_id.empty() ? std::string("mt5bridge") : instance_id) + "/" +
             new_uuid_v4().substr(0, 8)),
      pool_(static_cast<size_t>(config.concurrency)) {}

SyncEngine::~SyncEngine() {
  stop();
}

void SyncEngine::start_scheduler() {
  if (!config_.enabled || scheduler_.joinable()) return;
  scheduler_ = std::thread([this] { scheduler_loop(); });
  metrics_.gauge_set("mt5bridge_sync_scheduled", "", 1);
  log_info("sync scheduler started", {{"schedule", config_.schedule.expression()},
                                      {"owner", owner_},
                                      {"batch_size", std::to_string(config_.batch_size)},
                                      {"concurrency", std::to_string(config_.concurrency)}});
}

void SyncEngine::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !scheduler_.joinable() && !background_cycle_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (scheduler_.joinable()) scheduler_.join();
  if (background_cycle_.joinable()) background_cycle_.join();
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return in_flight_ == 0; });
}

void SyncEngine::scheduler_loop() {
  for (;;) {
    int64_t next = config_.schedule.next_after_ms(now_unix_ms());
    {
      std::unique_lock lock(mu_);
      auto wait = std::chrono::milliseconds(std::max<int64_t>(0, next - now_unix_ms()));
      if (cv_.wait_for(lock, wait, [&] { return stopping_; })) return;
    }
    trigger_cycle("scheduled");
  }
}

std::optional<CycleReport> SyncEngine::trigger_cycle(const std::string& trigger) {
  std::lock_guard lock(mu_);
  if (cycle_running_ || stopping_) return std::nullopt;
  cycle_running_ = true;                                       // run_cycle sees it set and keeps it
  if (background_cycle_.joinable()) background_cycle_.join();  // the previous one has finished
  CycleReport started;
  started.cycle_id = new_uuid_v4();
  started.trigger = trigger;
  started.started_at_ms = now_unix_ms();
  background_cycle_ =
      std::thread([this, trigger, id = started.cycle_id] { run_cycle(trigger, id); });
  return started;
}

void SyncEngine::finish_account(const Account& account, const std::string& lease_owner,
                                const SyncOutcome& outcome, CycleReport* report) {
  try {
    access_.storage().lease_release(account.id, lease_owner);
  } catch (const PluginCallError& e) {
    // The lease expires by itself; the next cycle may simply wait for it.
    log_warn("could not release a sync lease", {{"account_id", account.id}, {"error", e.what()}});
  }
  bool ok = outcome.status == "success";
  metrics_.counter_add("mt5bridge_sync_accounts_total",
                       std::string("outcome=\"") + (ok ? "success" : "failed") + "\"", 1);
  metrics_.observe("mt5bridge_sync_account_seconds", "",
                   static_cast<double>(outcome.duration_ms) / 1000.0);
  if (ok) {
    if (on_account_synced_) on_account_synced_(account.id);
    metrics_.counter_add("mt5bridge_sync_deals_inserted_total", "",
                         static_cast<double>(outcome.inserted.deals_inserted));
    metrics_.counter_add("mt5bridge_sync_trades_inserted_total", "",
                         static_cast<double>(outcome.inserted.trades_inserted));
  } else {
    log_warn("account sync failed", {{"account_id", account.id},
                                     {"status", sdk::status_name(outcome.broker_status)},
                                     {"error", outcome.error},
                                     {"duration_ms", std::to_string(outcome.duration_ms)}});
  }
  std::lock_guard lock(mu_);
  if (report) {
    (ok ? report->accounts_ok : report->accounts_failed) += 1;
    report->deals_inserted += outcome.inserted.deals_inserted;
    report->trades_inserted += outcome.inserted.trades_inserted;
  }
}

CycleReport SyncEngine::run_cycle(const std::string& trigger, const std::string& cycle_id) {
  {
    std::lock_guard lock(mu_);
    cycle_running_ = true;
  }
  CycleReport report;
  report.cycle_id = cycle_id.empty() ? new_uuid_v4() : cycle_id;
  report.trigger = trigger;
  report.started_at_ms = now_unix_ms();
  const int64_t deadline_ms = report.started_at_ms + config_.cycle_budget_s * 1000;
  int64_t active = 0;
  try {
    active = access_.storage().count(AccountQuery{"", true, 0, 0});
  } catch (const PluginCallError&) {
  }

  bool lease_failed = false;  // storage refused to lease: the cycle did not succeed
  int64_t running = 0;        // accounts of this cycle queued or running; guarded by mu_
  int batch_number = 0;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || running < config_.concurrency; });
      if (stopping_) break;
    }
    if (now_unix_ms() >= deadline_ms) {
      report.budget_exhausted = true;
      break;
    }
    int64_t free_slots = 0;
    {
      std::lock_guard lock(mu_);
      free_slots = config_.concurrency - running;
    }
    std::vector<Account> batch;
    const int64_t leased_at_ms = now_unix_ms();
    // Each batch leases under its own owner token, so an account still in progress (whose
    // lease this host holds) is never leased a second time by the next batch.
    const std::string lease_owner = owner_ + "#" + std::to_string(batch_number + 1);
    try {
      batch = access_.storage().lease_due(lease_owner, "", leased_at_ms, config_.lease_ttl_s * 1000,
                                          std::min(config_.batch_size, free_slots));
    } catch (const PluginCallError& e) {
      log_error("cannot lease accounts for sync; the cycle ends", {{"error", e.what()}});
      lease_failed = true;
      break;
    }
    if (batch.empty()) break;
    ++batch_number;
    auto batch_started = std::chrono::steady_clock::now();
    auto remaining = std::make_shared<std::atomic<int64_t>>(static_cast<int64_t>(batch.size()));
    {
      std::lock_guard lock(mu_);
      running += static_cast<int64_t>(batch.size());
      in_flight_ += static_cast<int64_t>(batch.size());
    }
    for (const auto& account : batch) {
      pool_.submit([this, account, lease_owner, &report, &running, remaining, batch_started,
                    batch_number, leased_at_ms, size = batch.size()] {
        SyncRequest request;
        request.leased_at_ms = leased_at_ms;
        request.sync_id = new_uuid_v4();
        request.sync_type = "scheduled";
        SyncOutcome outcome = syncer_.sync(account, lease_owner, request);
        finish_account(account, lease_owner, outcome, &report);
        if (--*remaining == 0) {
          log_info(
              "sync batch done",
              {{"batch", std::to_string(batch_number)},
               {"accounts", std::to_string(size)},
               {"duration_ms", std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  std::chrono::steady_clock::now() - batch_started)
                                                  .count())}});
        }
        {
          std::lock_guard lock(mu_);
          --running;
          --in_flight_;
        }
        cv_.notify_all();
      });
    }
  }
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return running == 0; });
  }
  report.duration_ms = now_unix_ms() - report.started_at_ms;
  report.accounts_skipped =
      std::max<int64_t>(0, active - report.accounts_ok - report.accounts_failed);
  metrics_.counter_add("mt5bridge_sync_cycles_total",
                       "trigger=\"" + prometheus_label_value(trigger) + "\"", 1);
  metrics_.observe("mt5bridge_sync_cycle_seconds", "",
                   static_cast<double>(report.duration_ms) / 1000.0);
  metrics_.gauge_set("mt5bridge_sync_last_cycle_accounts", "outcome=\"success\"",
                     static_cast<double>(report.accounts_ok));
  metrics_.gauge_set("mt5bridge_sync_last_cycle_accounts", "outcome=\"failed\"",
                     static_cast<double>(report.accounts_failed));
  metrics_.gauge_set("mt5bridge_sync_last_cycle_accounts", "outcome=\"skipped\"",
                     static_cast<double>(report.accounts_skipped));
  const double finished_s = static_cast<double>(now_unix_ms()) / 1000.0;
  metrics_.gauge_set("mt5bridge_sync_last_cycle_timestamp_seconds", "", finished_s);
  if (report.accounts_failed == 0 && !lease_failed)
    metrics_.gauge_set("mt5bridge_sync_last_success_timestamp_seconds", "", finished_s);
  log_info("sync cycle done", {{"cycle_id", report.cycle_id},
                               {"trigger", trigger},
                               {"accounts_ok", std::to_string(report.accounts_ok)},
                               {"accounts_failed", std::to_string(report.accounts_failed)},
                               {"accounts_skipped", std::to_string(report.accounts_skipped)},
                               {"deals_inserted", std::to_string(report.deals_inserted)},
                               {"trades_inserted", std::to_string(report.trades_inserted)},
                               {"budget_exhausted", report.budget_exhausted ? "true" : "false"},
                               {"duration_ms", std::to_string(report.duration_ms)}});
  {
    std::lock_guard lock(mu_);
    cycle_running_ = false;
  }
  cv_.notify_all();
  return report;
}

SyncLog SyncEngine::start_manual(const Account& account, SyncRequest request) {
  const std::string lease_owner = owner_ + "#manual-" + request.sync_id.substr(0, 8);
  request.leased_at_ms = now_unix_ms();
  auto leased = access_.storage().lease_due(lease_owner, account.id, request.leased_at_ms,
                                            config_.lease_ttl_s * 1000, 1);
  if (leased.empty()) throw PluginCallError(MT5B_CONFLICT, "the account is being synced right now");
  SyncLog log;
  log.id = request.sync_id;
  log.account_id = account.id;
  log.sync_type = request.sync_type;
  log.status = "processing";
  log.started_at_ms = now_unix_ms();
  access_.storage().sync_log_put(log);
  {
    std::lock_guard lock(mu_);
    ++in_flight_;
  }
  pool_.submit([this, leased = leased.front(), lease_owner, request] {
    SyncOutcome outcome = syncer_.sync(leased, lease_owner, request);
    finish_account(leased, lease_owner, outcome, nullptr);
    {
      std::lock_guard lock(mu_);
      --in_flight_;
    }
    cv_.notify_all();
  });
  return log;
}

}  // namespace mt5b::host
