// Leasing accounts for sync, so several hosts (processes) share the work and none syncs an
// account twice. BEGIN IMMEDIATE takes the file's write lock before the due accounts are read,
// so the read and the marking are one step for every process on the file.
#include "sqlite_storage.hpp"

#include "account_rows.hpp"
#include "storage_errors.hpp"
#include "time_columns.hpp"

#include <optional>
#include <vector>

namespace mt5b::storage_sqlite {
namespace {

using sdk::view;

// Never synced first (NULL last_sync_at sorts as "oldest"), then the oldest sync, then id.
const std::string& due_accounts_sql() {
  static const std::string sql =
      std::string("SELECT ") + kAccountColumns +
      " FROM trading_accounts WHERE is_active = 1 AND (next_sync_at IS NULL OR next_sync_at <= "
      "?1) AND (lease_expires_at IS NULL OR lease_expires_at < ?1 OR lease_owner = ?2) "
      "ORDER BY last_sync_at IS NOT NULL, last_sync_at, id LIMIT ?3";
  return sql;
}

const std::string& one_account_sql() {
  static const std::string sql = std::string("SELECT ") + kAccountColumns +
                                 ", lease_owner, lease_expires_at FROM trading_accounts "
                                 "WHERE id = ?1";
  return sql;
}

constexpr const char* kTakeLeaseSql =
    "UPDATE trading_accounts SET lease_owner = ?2, lease_expires_at = ?3 WHERE id = ?1";

void validate(const mt5b_lease_request& request) {
  require_text(request.owner, "the lease owner");
  if (request.lease_ttl_ms <= 0) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "lease_ttl_ms is " + std::to_string(request.lease_ttl_ms) +
                         "; pass how long the lease lasts in milliseconds, more than 0");
  }
  if (request.limit < 0) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "limit must not be negative; pass the most accounts to lease, or 0 for all");
  }
}

// The one account a manual sync names, whether due or not; CONFLICT while another owner's
// lease on it is live.
AccountRow lease_one(Connection& writer, const mt5b_lease_request& request, int64_t now) {
  auto select = writer.statement(one_account_sql());
  select.bind_text(1, view(request.account_id));
  if (!select.step()) throw account_not_found(view(request.account_id));
  AccountRow row = read_account_row(select);
  const std::string owner = select.is_null(25) ? std::string() : std::string(select.text(25));
  const int64_t expires = read_utc_time(select, 26, "lease_expires_at", "account '" + row.id + "'");
  if (!owner.empty() && owner != view(request.owner) && expires != 0 && expires >= now) {
    throw sdk::Error(MT5B_CONFLICT, "account '" + row.id +
                                        "' is leased by another sync owner until " +
                                        iso_utc_or_throw(expires, "lease_expires_at") +
                                        "; try again after that or once it is released");
  }
  return row;
}

}  // namespace

void SqliteStorage::lease_due(const mt5b_lease_request& request, const sdk::AccountSink& emit) {
  validate(request);
  const int64_t now = request.now_ms != 0 ? request.now_ms : now_ms();
  const std::string now_text = iso_utc_or_throw(now, "the lease request's now_ms");
  const std::string expires_text =
      iso_utc_or_throw(now + request.lease_ttl_ms, "now_ms + lease_ttl_ms");
  std::vector<AccountRow> leased;
  try {
    auto writer = pool_->writer();
    Transaction transaction(*writer);
    if (request.account_id.size != 0) {
      leased.push_back(lease_one(*writer, request, now));
    } else {
      auto select = writer->statement(due_accounts_sql());
      select.bind_text(1, now_text);
      select.bind_text(2, view(request.owner));
      select.bind_int(3, request.limit == 0 ? -1 : request.limit);  // SQLite: -1 = no limit
      while (select.step()) leased.push_back(read_account_row(select));
    }
    for (const AccountRow& row : leased) {
      auto take = writer->statement(kTakeLeaseSql);
      take.bind_text(1, row.id);
      take.bind_text(2, view(request.owner));
      take.bind_text(3, expires_text);
      take.run();
    }
    transaction.commit();
  } catch (const SqliteError& error) {
    throw to_storage_error(error, "lease accounts for sync");
  }
  for (const AccountRow& row : leased) emit(row.view());
}

void SqliteStorage::lease_release(std::string_view account_id, std::string_view owner) {
  if (account_id.empty() || owner.empty()) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "releasing a lease needs the account id and the owner that took it");
  }
  try {
    auto writer = pool_->writer();
    auto release = writer->statement(
        "UPDATE trading_accounts SET lease_owner = NULL, lease_expires_at = NULL "
        "WHERE id = ?1 AND lease_owner = ?2");
    release.bind_text(1, account_id);
    release.bind_text(2, owner);
    release.run();
  } catch (const SqliteError& error) {
    throw to_storage_error(error, "release the account's lease");
  }
}

}  // namespace mt5b::storage_sqlite
