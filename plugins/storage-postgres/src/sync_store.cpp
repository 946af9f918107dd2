// Leases, sync applies and sync logs: what the sync engine of several hosts shares.
#include "batch_json.hpp"
#include "postgres_storage.hpp"
#include "row_readers.hpp"
#include "statement_params.hpp"
#include "statements.hpp"
#include "sync_validation.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace mt5b::storage_postgres {
namespace {

using sdk::view;

// The sync log's parameters, account defaulting to the one it is written for.
struct SyncLogParams {
  std::string id, account_id, sync_type, status;
  std::optional<std::string> started_at, completed_at, error_message;
  int64_t trades_synced = 0, deals_synced = 0, duration_ms = 0;
};

SyncLogParams sync_log_params(const mt5b_sync_log_record& log, std::string account_id,
                              int64_t now_ms) {
  SyncLogParams p;
  p.id = sdk::copy(log.id);
  p.account_id = std::move(account_id);
  p.sync_type = sdk::copy(log.sync_type);
  p.status = sdk::copy(log.status);
  // A log always has a start; none given means "now".
  p.started_at = time_param(log.started_at_ms != 0 ? log.started_at_ms : now_ms, "started_at_ms");
  p.completed_at = time_param(log.completed_at_ms, "completed_at_ms");
  p.error_message = optional_text(log.error_message);
  p.trades_synced = log.trades_synced;
  p.deals_synced = log.deals_synced;
  p.duration_ms = log.duration_ms;
  return p;
}

void upsert_sync_log(pqxx::transaction_base& txn, const SyncLogParams& p) {
  txn.exec_prepared(statement::kSyncLogUpsert, p.id, p.account_id, p.sync_type, p.status,
                    p.started_at, p.completed_at, p.trades_synced, p.deals_synced, p.duration_ms,
                    p.error_message);
}

}  // namespace

void PostgresStorage::lease_due(const mt5b_lease_request& request, const sdk::AccountSink& emit) {
  const std::string owner = sdk::copy(request.owner);
  if (owner.empty()) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "the lease owner is empty; name the host instance taking the lease");
  }
  if (request.lease_ttl_ms <= 0) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "lease_ttl_ms must be positive; it is how long the lease lasts");
  }
  const int64_t now = request.now_ms != 0 ? request.now_ms : now_ms();
  const auto now_text = time_param(now, "now_ms");
  int64_t expires_ms = 0;
  if (__builtin_add_overflow(now, request.lease_ttl_ms, &expires_ms)) expires_ms = INT64_MAX;
  const auto expires_text = time_param(expires_ms, "now_ms + lease_ttl_ms");
  const std::string account_id = sdk::copy(request.account_id);
  std::vector<AccountRow> leased;

  if (account_id.empty()) {
    const std::optional<int64_t> limit =
        request.limit > 0 ? std::optional<int64_t>(request.limit) : std::nullopt;
    // One statement: SELECT ... FOR UPDATE SKIP LOCKED and the UPDATE commit together.
    write("lease the due accounts", [&](pqxx::work& txn) {
      pqxx::result rows =
          txn.exec_prepared(statement::kLeaseDue, owner, now_text, expires_text, limit);
      leased.clear();
      for (const pqxx::row& row : rows) leased.push_back(read_account_row(row));
    });
  } else {
    if (!is_uuid(account_id)) {
      throw sdk::Error(MT5B_NOT_FOUND, "no account with id '" + account_id + "' exists to lease");
    }
    // A manual sync: this account, due or not, active or not, unless another owner holds it.
    // One statement, and taking one's own lease again changes nothing: no BEGIN/COMMIT.
    write_idempotent("lease the account", [&](pqxx::nontransaction& txn) {
      pqxx::result rows =
          txn.exec_prepared(statement::kLeaseOne, account_id, owner, now_text, expires_text);
      if (rows.empty()) {
        throw sdk::Error(MT5B_NOT_FOUND, "no account with id '" + account_id + "' exists to lease");
      }
      // The account's columns, then the owner found under the lock and whether it was taken.
      const pqxx::row row = rows[0];
      const auto holder = row[row.size() - 2];
      if (!row[row.size() - 1].as<bool>()) {
        throw sdk::Error(MT5B_CONFLICT, "account '" + account_id + "' is being synced by '" +
                                            holder.as<std::string>() +
                                            "' right now; try again when its lease ends");
      }
      leased.clear();
      leased.push_back(read_account_row(row));
    });
  }
  for (const AccountRow& row : leased) emit(row.record());
}

void PostgresStorage::lease_release(std::string_view account_id, std::string_view owner) {
  if (!is_uuid(account_id) || owner.empty()) return;  // nothing of `owner`'s to release
  write_idempotent("release the account's lease", [&](pqxx::nontransaction& txn) {
    txn.exec_prepared(statement::kLeaseRelease, std::string(account_id), std::string(owner));
  });
}

mt5b_sync_apply_result PostgresStorage::sync_apply(const mt5b_sync_apply& apply) {
  // Everything is checked and encoded before the transaction starts: a bad record anywhere
  // fails the apply before anything is written.
  const CheckedApply checked = check_apply(apply);
  const mt5b_account_record& a = checked.account;
  const int64_t now = now_ms();
  const auto now_text = time_param(now, "now");
  const std::string owner = sdk::copy(apply.lease_owner);
  const std::string deals = deals_json(checked.deals);
  const std::string transactions = transactions_json(checked.transactions);
  const std::string trades = trades_json(checked.trades);
  const std::string positions = positions_json(checked.positions, now);
  const std::string position_tickets = tickets_array(checked.positions);
  const auto next_sync_at = time_param(a.next_sync_at_ms, "next_sync_at_ms");
  const auto last_sync_at = time_param(a.last_sync_at_ms, "last_sync_at_ms");
  const auto last_success_at =
      time_param(a.last_successful_sync_at_ms, "last_successful_sync_at_ms");
  std::optional<SyncLogParams> log;
  if (checked.sync_log) log = sync_log_params(*checked.sync_log, checked.account_id, now);

  auto result = sdk::make<mt5b_sync_apply_result>();
  write("apply the sync", [&](pqxx::work& txn) {
    // The account row stays locked until commit: one apply per account at a time.
    pqxx::result lease =
        txn.exec_prepared(statement::kSyncLockAccount, checked.account_id, now_text);
    if (lease.empty()) {
      throw sdk::Error(MT5B_NOT_FOUND, "account '" + checked.account_id +
                                           "' was deleted while it synced; nothing was written");
    }
    const std::string user_id = lease[0][0].as<std::string>();
    const bool holds = !lease[0][1].is_null() && lease[0][1].as<std::string>() == owner &&
                       !lease[0][2].is_null() && lease[0][2].as<bool>();
    if (!holds) {
      throw sdk::Error(MT5B_CONFLICT, "the lease on account '" + checked.account_id +
                                          "' is no longer held by '" + owner +
                                          "' (it expired or another host took it); nothing was "
                                          "written, lease the account again");
    }
    // Two statements write the whole sync (statements.cpp): everything but the open
    // positions, then the positions, which must see the closed trades just written.
    const bool snapshot = apply.snapshot_valid != 0;
    const SyncLogParams no_log;
    const SyncLogParams& l = log ? *log : no_log;
    const pqxx::row counts = txn.exec_prepared1(
        statement::kSyncWrite, checked.account_id, user_id, deals, transactions, trades, now_text,
        optional_text(a.connection_status), optional_text(a.last_connection_error),
        a.sync_failure_count, next_sync_at, last_sync_at, last_success_at,
        a.broker_server_time_offset_s, snapshot, optional_text(a.currency), a.leverage, a.balance,
        a.equity, a.margin, a.free_margin, a.margin_level, a.credit, a.profit,
        log ? std::optional<std::string>(l.id) : std::nullopt, l.sync_type, l.status, l.started_at,
        l.completed_at, l.trades_synced, l.deals_synced, l.duration_ms, l.error_message);
    result.deals_inserted = counts[0].as<int64_t>();
    result.transactions_inserted = counts[1].as<int64_t>();
    result.trades_inserted = counts[2].as<int64_t>();
    const bool replace = apply.replace_positions != 0;
    if (!checked.positions.empty() || replace) {
      txn.exec_prepared(statement::kSyncPositions, checked.account_id, user_id, positions, replace,
                        position_tickets);
    }
  });
  return result;
}

void PostgresStorage::sync_log_put(const mt5b_sync_log_record& log) {
  const std::string account_id = sdk::copy(log.account_id);
  if (!is_uuid(view(log.id))) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "the sync log's id '" + sdk::copy(log.id) + "' is not a UUID");
  }
  if (!is_uuid(account_id)) {
    throw sdk::Error(MT5B_NOT_FOUND, "no account with id '" + account_id + "' exists to log for");
  }
  if (log.sync_type.size == 0 || log.status.size == 0) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "the sync log needs a sync_type (scheduled, manual, realtime) and a status");
  }
  const SyncLogParams params = sync_log_params(log, account_id, now_ms());
  write("write the sync log", [&](pqxx::work& txn) { upsert_sync_log(txn, params); });
}

void PostgresStorage::sync_log_get(std::string_view sync_id,
                                   const std::function<void(const mt5b_sync_log_record&)>& emit) {
  std::optional<SyncLogRow> found;
  if (is_uuid(sync_id)) {
    read("read the sync log", [&](pqxx::nontransaction& txn) {
      pqxx::result rows = txn.exec_prepared(statement::kSyncLogGet, std::string(sync_id));
      found.reset();
      if (!rows.empty()) found = read_sync_log_row(rows[0]);
    });
  }
  if (!found) {
    throw sdk::Error(MT5B_NOT_FOUND, "no sync log with id '" + std::string(sync_id) + "' exists");
  }
  emit(found->record());
}

}  // namespace mt5b::storage_postgres
