// Leases, sync applies and sync logs: what the sync engine of several hosts shares.
#include "batch_json.hpp"
#include "postgres_storage.hpp"
#include "row_readers.hpp"
#include "statement_params.hpp"
#include "statements.hpp"
#include "sync_validation.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <exception>
#include <map>
#include <optional>
#include <set>
#include <string_view>
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
  for (const AccountRow& row : leased) emit(row.view());
}

void PostgresStorage::lease_release(std::string_view account_id, std::string_view owner) {
  if (!is_uuid(account_id) || owner.empty()) return;  // nothing of `owner`'s to release
  write_idempotent("release the account's lease", [&](pqxx::nontransaction& txn) {
    txn.exec_prepared(statement::kLeaseRelease, std::string(account_id), std::string(owner));
  });
}

// The most encoded bytes one group carries (a larger apply goes alone).
constexpr std::size_t kMaxGroupBytes = 8u << 20;

// One caller's apply, from sync_apply's queue to its outcome.
struct PostgresStorage::PendingApply {
  std::string account_id;  // lowercase, as PostgreSQL prints uuids
  std::string owner;
  ApplyRows rows;
  std::size_t bytes = 0;  // of rows
  bool taken = false;     // in a group being written
  bool done = false;
  // Its account's row was held by another transaction when its group was written, or the
  // group failed: it goes again, alone (waiting for its row), so that it never holds up or
  // fails a group.
  bool passed_over = false;
  bool alone = false;
  mt5b_sync_apply_result result = sdk::make<mt5b_sync_apply_result>();
  std::exception_ptr error;
};

mt5b_sync_apply_result PostgresStorage::sync_apply(const mt5b_sync_apply& apply) {
  // Everything is checked and encoded before the apply is queued: a bad record anywhere fails
  // this apply alone, before anything is written.
  PendingApply mine;
  {
    const CheckedApply checked = check_apply(apply);
    mine.account_id = checked.account_id;
    std::transform(mine.account_id.begin(), mine.account_id.end(), mine.account_id.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    mine.owner = sdk::copy(apply.lease_owner);
    mine.rows =
        apply_rows(checked, apply.snapshot_valid != 0, apply.replace_positions != 0, now_ms());
    mine.bytes = mine.rows.account.size() + mine.rows.deals.size() + mine.rows.transactions.size() +
                 mine.rows.trades.size() + mine.rows.positions.size();
  }
  // Group commit: at most apply_connections groups are written at once. A caller that finds
  // a free slot writes its own apply together with every waiting one (up to apply_group_max,
  // one per account); the others wait until a group carried theirs or a slot frees. Under load
  // the applies of many workers share each transaction's fixed cost; alone, an apply is
  // written at once.
  std::unique_lock lock(apply_mu_);
  apply_queue_.push_back(&mine);
  while (!mine.done) {
    if (mine.taken || applying_groups_ >= settings_.apply_connections) {
      apply_cv_.wait(lock);
      continue;
    }
    // Everything that may throw comes before any apply is marked taken.
    std::vector<PendingApply*> group;
    std::set<std::string_view> accounts;
    try {
      group.reserve(static_cast<std::size_t>(settings_.apply_group_max));
      group.push_back(&mine);
      accounts.insert(mine.account_id);
      std::size_t bytes = mine.bytes;
      for (PendingApply* p : apply_queue_) {
        if (mine.alone || static_cast<int>(group.size()) >= settings_.apply_group_max) break;
        // One apply per account per group: a second one waits for the next.
        if (p == &mine || p->taken || p->alone || accounts.count(p->account_id)) continue;
        // A group stays a few megabytes: a wave of first syncs must not become one huge
        // statement (an apply larger than that goes alone).
        if (bytes + p->bytes > kMaxGroupBytes) break;
        accounts.insert(p->account_id);
        group.push_back(p);
        bytes += p->bytes;
      }
    } catch (...) {
      std::erase(apply_queue_, &mine);
      throw;
    }
    for (PendingApply* p : group) p->taken = true;
    std::erase_if(apply_queue_, [](const PendingApply* p) { return p->taken; });
    ++applying_groups_;
    lock.unlock();
    // Their ratio is the mean group size.
    host_.counter_add("mt5bridge_storage_sync_apply_groups_total", "", 1);
    host_.counter_add("mt5bridge_storage_sync_applies_total", "",
                      static_cast<double>(group.size()));
    write_group(group);
    lock.lock();
    --applying_groups_;
    for (PendingApply* p : group) {
      if (p->passed_over) {
        p->passed_over = false;
        p->taken = false;
        p->alone = true;
        apply_queue_.insert(apply_queue_.begin(), p);
      } else {
        p->done = true;
      }
    }
    apply_cv_.notify_all();
  }
  if (mine.error) std::rethrow_exception(mine.error);
  return mine.result;
}

void PostgresStorage::write_group(const std::vector<PendingApply*>& group) noexcept {
  // Accounts whose rows another transaction holds (a manual sync's lease, a deletion) are
  // passed over by a group and go again alone (sync_apply), so they never hold up the others.
  try {
    const auto now_text = time_param(now_ms(), "now");
    std::string ids = "{";
    for (const PendingApply* p : group) {
      if (ids.size() > 1) ids += ',';
      ids += p->account_id;
    }
    ids += '}';
    const bool alone = group.size() == 1;
    write("apply the sync", [&](pqxx::work& txn) {
      // The account rows stay locked until commit: one apply per account at a time. The body
      // may run twice (database_calls.hpp), so every outcome is assigned afresh.
      for (PendingApply* p : group) p->passed_over = false;
      std::map<std::string, std::string, std::less<>> user_of;  // the accounts locked
      std::map<std::string, std::string, std::less<>> holder;   // their live leases' owners
      for (const pqxx::row& row : txn.exec_prepared(
               alone ? statement::kSyncLockAccounts : statement::kSyncLockAccountsSkip, ids,
               now_text)) {
        user_of[row[0].as<std::string>()] = row[1].as<std::string>();
        if (!row[2].is_null() && !row[3].is_null() && row[3].as<bool>())
          holder[row[0].as<std::string>()] = row[2].as<std::string>();
      }
      std::string accounts = "[", deals = "[", transactions = "[", trades = "[", positions = "[";
      std::map<std::string_view, PendingApply*> writing;
      for (PendingApply* p : group) {
        p->error = nullptr;
        p->result = sdk::make<mt5b_sync_apply_result>();
        auto user = user_of.find(p->account_id);
        if (user == user_of.end() && !alone) {
          p->passed_over = true;  // locked elsewhere, or deleted: decided alone
          continue;
        }
        if (user == user_of.end()) {
          p->error = std::make_exception_ptr(sdk::Error(
              MT5B_NOT_FOUND,
              "account '" + p->account_id + "' was deleted while it synced; nothing was written"));
          continue;
        }
        auto live = holder.find(p->account_id);
        if (live == holder.end() || live->second != p->owner) {
          p->error = std::make_exception_ptr(
              sdk::Error(MT5B_CONFLICT, "the lease on account '" + p->account_id +
                                            "' is no longer held by '" + p->owner +
                                            "' (it expired or another host took it); nothing was "
                                            "written, lease the account again"));
          continue;
        }
        append_account(accounts, p->rows.account, user->second);
        append_rows(deals, p->rows.deals);
        append_rows(transactions, p->rows.transactions);
        append_rows(trades, p->rows.trades);
        append_rows(positions, p->rows.positions);
        writing[p->account_id] = p;
      }
      if (writing.empty()) return;
      for (std::string* array : {&accounts, &deals, &transactions, &trades, &positions})
        *array += ']';
      // Two statements write the whole group (statements.cpp): everything but the open
      // positions, then the positions, which must see the closed trades just written.
      for (const pqxx::row& row : txn.exec_prepared(statement::kSyncWrite, accounts, deals,
                                                    transactions, trades, now_text, ids)) {
        auto it = writing.find(row[0].as<std::string>());
        if (it == writing.end()) continue;
        mt5b_sync_apply_result& r = it->second->result;
        r.deals_inserted = row[1].as<int64_t>();
        r.transactions_inserted = row[2].as<int64_t>();
        r.trades_inserted = row[3].as<int64_t>();
      }
      txn.exec_prepared(statement::kSyncPositions, accounts, positions, ids);
    });
  } catch (const sdk::Error& e) {
    return fail_group(group, e.status(), e.what());
  } catch (const std::exception& e) {
    return fail_group(group, MT5B_FAILED, e.what());
  } catch (...) {
    return fail_group(group, MT5B_FAILED, "an unknown error");
  }
}

void PostgresStorage::fail_group(const std::vector<PendingApply*>& group, mt5b_status status,
                                 std::string_view what) noexcept {
  // Alone, the error is the apply's own. With no connection to be had (the database down, the
  // pool busy) or a deadlock, it says nothing about any one apply and would only repeat: every
  // apply of the group gets it, and the sync engine tries again. Anything else (a constraint,
  // a statement timeout) may come from one account's data or size, which must not fail the
  // others: each apply goes again alone, written by its own caller (sync_apply), so no caller
  // waits for more than its own apply and one other group.
  if (group.size() == 1 || status == MT5B_UNAVAILABLE || status == MT5B_RETRY) {
    const std::exception_ptr error = std::current_exception();
    for (PendingApply* p : group) {
      p->passed_over = false;
      p->error = error;
    }
    return;
  }
  host_.counter_add("mt5bridge_storage_sync_apply_group_failures_total", "", 1);
  host_.warn("a group of " + std::to_string(group.size()) + " sync applies failed (" +
             sdk::status_name(status) + ": " + std::string(what) + "); writing each of them alone");
  for (PendingApply* p : group) {
    p->error = nullptr;
    p->passed_over = true;
  }
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
  emit(found->view());
}

}  // namespace mt5b::storage_postgres
