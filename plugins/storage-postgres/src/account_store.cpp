// Accounts and their sealed credentials.
#include "postgres_storage.hpp"
#include "row_readers.hpp"
#include "statement_params.hpp"
#include "statements.hpp"
#include "sync_validation.hpp"

#include <pqxx/binarystring>
#include <pqxx/except>

#include <optional>
#include <vector>

namespace mt5b::storage_postgres {
namespace {

using sdk::view;

constexpr std::string_view kDefaultConnectionStatus = "active";

void require_uuid(mt5b_str value, const char* what) {
  if (!is_uuid(view(value))) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT, std::string(what) + " '" + sdk::copy(value) +
                                                "' is not a UUID; ids and user ids are UUIDs");
  }
}

void require_text(mt5b_str value, const char* what) {
  if (value.size == 0) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT, std::string(what) + " is empty; fill it in");
  }
}

void require_page(int64_t limit, int64_t offset) {
  if (limit < 0 || offset < 0) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "limit and offset must not be negative; use limit 0 for no limit");
  }
}

[[noreturn]] void no_account(std::string_view account_id) {
  throw sdk::Error(MT5B_NOT_FOUND, "no account with id '" + std::string(account_id) +
                                       "' exists; list the accounts to find the right id");
}

// CONFLICT naming which uniqueness a new account broke.
[[noreturn]] void account_exists(const pqxx::unique_violation& error,
                                 const mt5b_account_record& account) {
  const std::string_view message = error.what();
  if (message.find("trading_accounts_user_login_server_key") != std::string_view::npos) {
    throw sdk::Error(MT5B_CONFLICT, "user '" + sdk::copy(account.user_id) +
                                        "' already has an account with login " +
                                        std::to_string(account.login) + " on server '" +
                                        sdk::copy(account.server) +
                                        "'; use that account or delete it first");
  }
  if (message.find("trading_accounts_pkey") != std::string_view::npos) {
    throw sdk::Error(MT5B_CONFLICT, "an account with id '" + sdk::copy(account.id) +
                                        "' already exists; insert it with a new id");
  }
  throw error;
}

}  // namespace

void PostgresStorage::account_insert(const mt5b_account_record& account,
                                     const mt5b_credential_record& credential) {
  require_uuid(account.id, "the account's id");
  require_uuid(account.user_id, "the account's user_id");
  require_text(account.server, "the account's server");
  require_text(credential.key_id, "the credential's key_id (which key sealed it)");
  require_text(credential.ciphertext, "the credential's ciphertext");
  // The credential repeats the account's id and user; an empty field means "the same".
  if (credential.account_id.size != 0 && view(credential.account_id) != view(account.id)) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "the credential names account '" + sdk::copy(credential.account_id) +
                         "' but the account being inserted is '" + sdk::copy(account.id) +
                         "'; pass the same id in both");
  }
  if (credential.user_id.size != 0 && view(credential.user_id) != view(account.user_id)) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "the credential names user '" + sdk::copy(credential.user_id) +
                         "' but the account belongs to '" + sdk::copy(account.user_id) +
                         "'; pass the same user in both");
  }
  const int64_t now = now_ms();
  const int64_t created_ms = account.created_at_ms != 0 ? account.created_at_ms : now;
  const std::string id = sdk::copy(account.id);
  const std::string user_id = sdk::copy(account.user_id);
  const std::string_view status = view(account.connection_status);
  // Checked (and formatted) before the transaction: a bad time writes nothing.
  const auto created_at = time_param(created_ms, "created_at_ms");
  const auto updated_at =
      time_param(account.updated_at_ms != 0 ? account.updated_at_ms : now, "updated_at_ms");
  const auto last_sync_at = time_param(account.last_sync_at_ms, "last_sync_at_ms");
  const auto last_success_at =
      time_param(account.last_successful_sync_at_ms, "last_successful_sync_at_ms");
  const auto next_sync_at = time_param(account.next_sync_at_ms, "next_sync_at_ms");
  const auto credential_created_at = time_param(
      credential.created_at_ms != 0 ? credential.created_at_ms : created_ms, "created_at_ms");
  const pqxx::binarystring ciphertext(credential.ciphertext.data,
                                      static_cast<size_t>(credential.ciphertext.size));

  write("insert the account and its credential", [&](pqxx::work& txn) {
    try {
      txn.exec_prepared(statement::kAccountInsert, id, user_id, account.login,
                        sdk::copy(account.server), optional_text(account.broker_name),
                        optional_text(account.broker_instance), account.is_active != 0,
                        std::string(status.empty() ? kDefaultConnectionStatus : status),
                        optional_text(account.last_connection_error), account.sync_failure_count,
                        account.broker_server_time_offset_s, optional_text(account.currency),
                        account.leverage, account.balance, account.equity, account.margin,
                        account.free_margin, account.margin_level, account.credit, account.profit,
                        created_at, updated_at, last_sync_at, last_success_at, next_sync_at);
    } catch (const pqxx::unique_violation& error) {
      account_exists(error, account);
    }
    txn.exec_prepared(statement::kCredentialInsert, id, user_id, sdk::copy(credential.key_id),
                      ciphertext, credential_created_at);
  });
}

void PostgresStorage::account_get(std::string_view account_id, const sdk::AccountSink& emit) {
  if (!is_uuid(account_id)) no_account(account_id);
  std::optional<AccountRow> found;
  read("read the account", [&](pqxx::nontransaction& txn) {
    pqxx::result rows = txn.exec_prepared(statement::kAccountGet, std::string(account_id));
    found.reset();
    if (!rows.empty()) found = read_account_row(rows[0]);
  });
  if (!found) no_account(account_id);
  emit(found->view());
}

void PostgresStorage::account_list(const mt5b_account_query& query, const sdk::AccountSink& emit) {
  require_page(query.limit, query.offset);
  const std::string user_id = sdk::copy(query.user_id);
  if (!user_id.empty() && !is_uuid(user_id)) return;  // no account can belong to it
  const bool active_only = query.active_only != 0;
  std::vector<AccountRow> rows;
  read("list the accounts", [&](pqxx::nontransaction& txn) {
    pqxx::result result = user_id.empty()
                              ? txn.exec_prepared(statement::kAccountListAll, active_only,
                                                  limit_param(query.limit), query.offset)
                              : txn.exec_prepared(statement::kAccountListUser, user_id, active_only,
                                                  limit_param(query.limit), query.offset);
    rows.clear();
    for (const pqxx::row& row : result) rows.push_back(read_account_row(row));
  });
  for (const AccountRow& row : rows) emit(row.view());
}

int64_t PostgresStorage::account_count(const mt5b_account_query& query) {
  const std::string user_id = sdk::copy(query.user_id);
  if (!user_id.empty() && !is_uuid(user_id)) return 0;
  const bool active_only = query.active_only != 0;
  int64_t count = 0;
  read("count the accounts", [&](pqxx::nontransaction& txn) {
    pqxx::result result =
        user_id.empty() ? txn.exec_prepared(statement::kAccountCountAll, active_only)
                        : txn.exec_prepared(statement::kAccountCountUser, user_id, active_only);
    count = result[0][0].as<int64_t>();
  });
  return count;
}

void PostgresStorage::account_delete(std::string_view account_id) {
  if (!is_uuid(account_id)) no_account(account_id);
  int64_t deleted = 0;
  // One statement is one transaction: ON DELETE CASCADE removes the credential, trades, deals,
  // transactions and sync logs with the account, or nothing.
  write("delete the account", [&](pqxx::work& txn) {
    deleted = txn.exec_prepared(statement::kAccountDelete, std::string(account_id)).affected_rows();
  });
  if (deleted == 0) {
    throw sdk::Error(MT5B_NOT_FOUND, "no account with id '" + std::string(account_id) +
                                         "' exists, so nothing was deleted");
  }
}

void PostgresStorage::credential_get(std::string_view account_id, const sdk::CredentialSink& emit) {
  std::optional<CredentialRow> found;
  if (is_uuid(account_id)) {
    read("read the account's credential", [&](pqxx::nontransaction& txn) {
      pqxx::result rows = txn.exec_prepared(statement::kCredentialGet, std::string(account_id));
      found.reset();
      if (!rows.empty()) found = read_credential_row(rows[0]);
    });
  }
  if (!found) {
    throw sdk::Error(MT5B_NOT_FOUND, "no credential is stored for account '" +
                                         std::string(account_id) +
                                         "'; the account does not exist or was deleted");
  }
  emit(found->view());
}

void PostgresStorage::credential_list(const sdk::CredentialSink& emit) {
  std::vector<CredentialRow> rows;
  read("list the credentials", [&](pqxx::nontransaction& txn) {
    pqxx::result result = txn.exec_prepared(statement::kCredentialList);
    rows.clear();
    for (const pqxx::row& row : result) rows.push_back(read_credential_row(row));
  });
  // Emitted with the connection back in the pool: key rotation updates from inside emit.
  for (const CredentialRow& row : rows) emit(row.view());
}

void PostgresStorage::credential_update(const mt5b_credential_record& credential) {
  const std::string account_id = sdk::copy(credential.account_id);
  require_text(credential.key_id, "the credential's key_id (which key sealed it)");
  require_text(credential.ciphertext, "the credential's ciphertext");
  const auto created_at = time_param(credential.created_at_ms, "created_at_ms");
  const pqxx::binarystring ciphertext(credential.ciphertext.data,
                                      static_cast<size_t>(credential.ciphertext.size));
  int64_t updated = 0;
  if (is_uuid(account_id)) {
    write("replace the account's credential", [&](pqxx::work& txn) {
      updated = txn.exec_prepared(statement::kCredentialUpdate, account_id,
                                  sdk::copy(credential.key_id), ciphertext, created_at)
                    .affected_rows();
    });
  }
  if (updated == 0) {
    throw sdk::Error(MT5B_NOT_FOUND, "no credential is stored for account '" + account_id +
                                         "', so none was replaced; insert the account first");
  }
}

}  // namespace mt5b::storage_postgres
