// Syncs ONE account (seed story 4.2, per account): broker session, account info, positions and
// deals since the last successful sync minus an overlap, through the normaliser, then one atomic
// storage apply. On failure only the account's sync state and a failed sync log are written.
#pragma once

#include "config/pipeline_config.hpp"
#include "metrics/metrics_registry.hpp"
#include "runtime/sync_records.hpp"
#include "services/accounts/account_access.hpp"
#include "services/market/server_clocks.hpp"

#include <functional>
#include <string>

namespace mt5b::host {

struct SyncRequest {
  std::string sync_id;
  std::string sync_type = "scheduled";  // scheduled | manual
  bool full = false;                    // full: history_days back; else since the last success
  int64_t history_days = 0;             // 0: sync.initial_history_days
  bool include_history = true;          // false: account info and positions only
  int64_t leased_at_ms = 0;             // when the lease was taken (0: unknown, always renewed)
};

struct SyncOutcome {
  std::string status;  // success | failed
  std::string error;
  mt5b_status broker_status = MT5B_OK;
  int64_t trades_seen = 0, deals_seen = 0, transactions_seen = 0;
  SyncApplyResult inserted;
  int64_t duration_ms = 0;
};

class AccountSyncer {
 public:
  AccountSyncer(AccountAccess& access, ServerClocks& clocks, const SyncConfig& config,
                const ApiConfig& api, const PipRules& pip_rules, MetricsRegistry& metrics);

  // `account` as leased; `lease_owner` must still hold its lease for the apply to land.
  SyncOutcome sync(const Account& account, const std::string& lease_owner,
                   const SyncRequest& request);

 private:
  SyncApply build_success(const Account& account, BrokerClient& broker, BrokerSession& session,
                          const SyncRequest& request, int64_t now_ms, SyncOutcome& outcome);
  void write_failure(const Account& account, const std::string& lease_owner,
                     const SyncRequest& request, int64_t started_ms, SyncOutcome& outcome);
  // Takes the lease again before an apply unless it is young enough to outlive the apply.
  void renew_lease(const Account& account, const std::string& lease_owner,
                   const SyncRequest& request);
  // Runs a broker call; a transient failure is retried once after the configured backoff.
  template <class F>
  auto with_retry(const char* what, F&& call) -> decltype(call());

  AccountAccess& access_;
  ServerClocks& clocks_;
  const SyncConfig& config_;
  const ApiConfig& api_;
  const PipRules& pip_rules_;
  MetricsRegistry& metrics_;
};

// Authorization failures back off exponentially (5 min, 10, 20, ... up to a day) instead of
// retrying every cycle: brokers lock accounts after repeated failed logins.
int64_t auth_backoff_ms(int64_t failure_count);

}  // namespace mt5b::host
