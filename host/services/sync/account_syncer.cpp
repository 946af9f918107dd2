#include "services/sync/account_syncer.hpp"

#include "log/logger.hpp"
#include "normaliser/time_format.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>

namespace mt5b::host {

namespace {
constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kFirstAuthBackoffMs = 5 * 60'000;
}  // namespace

int64_t auth_backoff_ms(int64_t failure_count) {
  int64_t backoff = kFirstAuthBackoffMs;
  for (int64_t i = 1; i < failure_count && backoff < kDayMs; ++i) backoff *= 2;
  return std::min(backoff, kDayMs);
}

AccountSyncer::AccountSyncer(AccountAccess& access, ServerClocks& clocks, const SyncConfig& config,
                             const ApiConfig& api, const PipRules& pip_rules,
                             MetricsRegistry& metrics)
    : access_(access),
      clocks_(clocks),
      config_(config),
      api_(api),
      pip_rules_(pip_rules),
      metrics_(metrics) {}

template <class F>
auto AccountSyncer::with_retry(const char* what, F&& call) -> decltype(call()) {
  try {
    return call();
  } catch (const PluginCallError& e) {
    if (!is_transient(e.status())) throw;
    metrics_.counter_add("mt5bridge_sync_retries_total", std::string("call=\"") + what + "\"", 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(config_.retry_backoff_ms));
    return call();
  }
}

void AccountSyncer::renew_lease(const Account& account, const std::string& lease_owner,
                                const SyncRequest& request) {
  // A slow sync may outlast its lease; taking it again just before the apply keeps the result
  // unless another host took the account meanwhile (then CONFLICT, and nothing is written).
  // A lease with more than half its time left outlives the apply (the apply itself refuses an
  // expired lease), so the usual sync, seconds into a lease of minutes, skips the round trip.
  const int64_t now = now_unix_ms();
  const int64_t ttl_ms = config_.lease_ttl_s * 1000;
  if (request.leased_at_ms > 0 && now - request.leased_at_ms < ttl_ms / 2) return;
  access_.storage().lease_due(lease_owner, account.id, now, ttl_ms, 1);
}

SyncOutcome AccountSyncer::sync(const Account& account, const std::string& lease_owner,
                                const SyncRequest& request) {
  SyncOutcome outcome;
  const int64_t started_ms = now_unix_ms();
  try {
    BrokerClient& broker = access_.broker_of(account);
    std::unique_ptr<BrokerSession> session = with_retry("login", [&] {
      const sdk::SecretString password = access_.open_password(account, "sync");
      return broker.open(account.login, password.view(), account.server,
                         static_cast<uint32_t>(api_.broker_timeout_ms));
    });
    SyncApply apply = build_success(account, broker, *session, request, started_ms, outcome);
    apply.lease_owner = lease_owner;
    outcome.duration_ms = now_unix_ms() - started_ms;
    apply.sync_log->duration_ms = outcome.duration_ms;
    apply.sync_log->completed_at_ms = started_ms + outcome.duration_ms;
    renew_lease(account, lease_owner, request);
    outcome.inserted = access_.storage().sync_apply(apply);
    outcome.status = "success";
  } catch (const PluginCallError& e) {
    outcome.status = "failed";
    outcome.broker_status = e.status();
    outcome.error = e.what();
  } catch (const ApiError& e) {  // credentials unreadable, broker gone from config, ...
    outcome.status = "failed";
    outcome.broker_status = MT5B_FAILED;
    outcome.error = std::string(e.code()) + ": " + e.what();
  } catch (const std::exception& e) {
    outcome.status = "failed";
    outcome.broker_status = MT5B_FAILED;
    outcome.error = e.what();
  }
  outcome.duration_ms = now_unix_ms() - started_ms;
  if (outcome.status == "failed") write_failure(account, lease_owner, request, started_ms, outcome);
  return outcome;
}

SyncApply AccountSyncer::build_success(const Account& account, BrokerClient& broker,
                                       BrokerSession& session, const SyncRequest& request,
                                       int64_t now_ms, SyncOutcome& outcome) {
  AccountInfo info = with_retry("account_info", [&] { return session.account_info(); });
  std::vector<TradePosition> raw_positions =
      with_retry("positions", [&] { return session.positions(); });
  std::vector<std::string> symbols;
  for (const auto& p : raw_positions) symbols.push_back(p.symbol);
  ServerClock clock = clocks_.clock_for(broker.name(), account.server, session, symbols);

  // Deals since the last success minus the overlap (incremental), or history_days back (full or
  // first sync). history_deals_get filters on the broker clock: pad a day each side (MT5.md).
  int64_t days = request.history_days > 0 ? request.history_days : config_.initial_history_days;
  int64_t from_ms = now_ms - days * kDayMs;
  if (!request.full && account.last_successful_sync_at_ms > 0)
    from_ms = account.last_successful_sync_at_ms - config_.overlap_s * 1000;
  std::vector<TradeDeal> deals;
  if (request.include_history)
    deals = with_retry("history_deals", [&] {
      return session.deals_between(clock.utc_to_broker_ms(from_ms) / 1000 - 86400,
                                   clock.utc_to_broker_ms(now_ms) / 1000 + 86400);
    });

  std::map<std::string, std::optional<SymbolInfo>> symbol_cache;
  NormaliseContext ctx;
  ctx.clock = &clock;
  ctx.pip_rules = &pip_rules_;
  ctx.symbol_info = [&](const std::string& name) {
    auto it = symbol_cache.find(name);
    if (it == symbol_cache.end())
      it = symbol_cache
               .emplace(name, with_retry("symbol_info", [&] { return session.symbol_info(name); }))
               .first;
    return it->second;
  };
  ctx.fetch_position_deals = [&](int64_t position_id) {
    return with_retry("position_deals", [&] { return session.deals_of_position(position_id); });
  };
  NormalisedHistory history = normalise_deals(deals, ctx);

  // Open positions' commission so far sits on their IN deals (MT5.md rule 8).
  std::map<int64_t, double> commission(history.open_position_commission.begin(),
                                       history.open_position_commission.end());
  SyncApply apply;
  for (const auto& p : raw_positions) {
    int64_t id = p.identifier ? p.identifier : p.ticket;
    if (!commission.count(id)) {
      double c = 0;
      for (const auto& d : ctx.fetch_position_deals(id))
        if (d.entry == deal_entry::kIn) c += d.commission;
      commission[id] = c;
    }
    Position& position = apply.positions.emplace_back(normalise_position(p, clock, commission[id]));
    position.account_id = account.id;
    position.updated_at_ms = now_ms;
  }
  apply.replace_positions = true;

  std::set<int64_t> seen;
  for (const auto& d : deals)
    if (seen.insert(d.ticket).second)
      apply.deals.push_back(
          Deal::of(account.id, d, clock.broker_to_utc_ms(d.time_msc ? d.time_msc : d.time * 1000)));
  for (auto& t : history.closed_trades) {
    Trade& trade = apply.trades.emplace_back(std::move(t));  // without its deal tickets
    trade.account_id = account.id;
  }
  apply.transactions = std::move(history.transactions);
  for (auto& t : apply.transactions) t.account_id = account.id;

  Account& a = apply.account;
  a = account;
  a.connection_status = "active";
  a.last_connection_error.clear();
  a.sync_failure_count = 0;
  // Due again at the schedule's next tick, so a cycle syncs each account once.
  a.next_sync_at_ms = config_.schedule.next_after_ms(now_ms);
  a.last_sync_at_ms = now_ms;
  a.last_successful_sync_at_ms = now_ms;
  a.updated_at_ms = now_ms;
  a.broker_server_time_offset_s = clock.offset_at_utc_s(now_ms / 1000);
  a.currency = info.currency;
  a.leverage = info.leverage;
  a.balance = info.balance;
  a.equity = info.equity;
  a.margin = info.margin;
  a.free_margin = info.margin_free;
  a.margin_level = info.margin_level;
  a.credit = info.credit;
  a.profit = info.profit;
  apply.snapshot_valid = true;

  outcome.trades_seen = static_cast<int64_t>(apply.trades.size());
  outcome.deals_seen = static_cast<int64_t>(apply.deals.size());
  outcome.transactions_seen = static_cast<int64_t>(apply.transactions.size());
  SyncLog log;
  log.id = request.sync_id;
  log.account_id = account.id;
  log.sync_type = request.sync_type;
  log.status = "success";
  log.started_at_ms = now_ms;
  log.trades_synced = outcome.trades_seen;
  log.deals_synced = outcome.deals_seen;
  apply.sync_log = log;
  return apply;
}

void AccountSyncer::write_failure(const Account& account, const std::string& lease_owner,
                                  const SyncRequest& request, int64_t started_ms,
                                  SyncOutcome& outcome) {
  const int64_t now_ms = now_unix_ms();
  SyncApply apply;
  apply.lease_owner = lease_owner;
  Account& a = apply.account;
  a = account;
  a.sync_failure_count = account.sync_failure_count + 1;
  a.last_sync_at_ms = now_ms;
  a.updated_at_ms = now_ms;
  a.last_connection_error = outcome.error.substr(0, 1000);
  if (outcome.broker_status == MT5B_UNAUTHENTICATED) {
    // The back-off grows with consecutive authorization failures only.
    int64_t auth_failures = account.connection_status == "auth_failed" ? a.sync_failure_count : 1;
    a.connection_status = "auth_failed";
    a.next_sync_at_ms = now_ms + auth_backoff_ms(auth_failures);
  } else {
    a.connection_status = "error";
    a.next_sync_at_ms = config_.schedule.next_after_ms(now_ms);
  }
  SyncLog log;
  log.id = request.sync_id;
  log.account_id = account.id;
  log.sync_type = request.sync_type;
  log.status = "failed";
  log.started_at_ms = started_ms;
  log.completed_at_ms = now_ms;
  log.duration_ms = outcome.duration_ms;
  log.error_message = a.last_connection_error;
  apply.sync_log = log;
  try {
    renew_lease(account, lease_owner, request);
    access_.storage().sync_apply(apply);
  } catch (const PluginCallError& e) {
    log_warn("could not record a failed sync", {{"account_id", account.id}, {"error", e.what()}});
  }
}

}  // namespace mt5b::host
