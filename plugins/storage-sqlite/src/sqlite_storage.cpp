#include "sqlite_storage.hpp"

#include "account_rows.hpp"
#include "iso_time.hpp"
#include "schema.hpp"
#include "storage_errors.hpp"

#include <chrono>
#include <climits>
#include <filesystem>
#include <optional>
#include <system_error>
#include <vector>

namespace mt5b::storage_sqlite {
namespace {

using sdk::view;

constexpr std::string_view kInMemoryPath = ":memory:";

void create_parent_directories(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return;
  std::error_code error;
  std::filesystem::create_directories(parent, error);
  if (error) {
    throw sdk::Error(MT5B_UNAVAILABLE, "storage-sqlite cannot create the directory '" +
                                           parent.string() + "' for the database (" +
                                           error.message() +
                                           "); set the path option to a file in a directory "
                                           "this process can create or write");
  }
}

// The WHERE clause of a listing. Built only from fixed fragments: values stay bound (?1).
std::string account_filter_sql(const mt5b_account_query& query) {
  std::string where;
  if (query.user_id.size != 0) where += " AND user_id = ?1";
  if (query.active_only != 0) where += " AND is_active = 1";
  return where.empty() ? std::string() : " WHERE" + where.substr(4);
}

// CONFLICT with a sentence naming which uniqueness the new account broke.
sdk::Error insert_error(const SqliteError& error, const mt5b_account_record& account) {
  if (error.primary_code() == SQLITE_CONSTRAINT) {
    std::string_view message = error.what();
    if (message.find("trading_accounts.user_id") != std::string_view::npos) {
      return sdk::Error(MT5B_CONFLICT, "user '" + sdk::copy(account.user_id) +
                                           "' already has an account with login " +
                                           std::to_string(account.login) + " on server '" +
                                           sdk::copy(account.server) +
                                           "'; use that account or delete it first");
    }
    if (message.find("trading_accounts.id") != std::string_view::npos) {
      return sdk::Error(MT5B_CONFLICT, "an account with id '" + sdk::copy(account.id) +
                                           "' already exists; insert it with a new id");
    }
  }
  return to_storage_error(error, "insert the account and its credential");
}

}  // namespace

std::span<const mt5b_option> SqliteStorage::options() {
  static constexpr mt5b_option kOptions[] = {
      sdk::option("path", MT5B_OPT_STRING, 0, "\"./var/mt5bridge.db\"",
                  "The SQLite database file; missing parent directories are created. "
                  "\":memory:\" keeps everything in memory (tests only)."),
      sdk::option("busy_timeout_ms", MT5B_OPT_INT, 0, "5000",
                  "How long a call waits for another process's lock on the file before it "
                  "fails with RETRY."),
  };
  return kOptions;
}

SqliteStorage::SqliteStorage(sdk::Host host, const sdk::Config& config)
    : host_(host), path_(config.string("path", kDefaultPath)) {
  const int64_t busy_timeout_ms = config.integer("busy_timeout_ms", kDefaultBusyTimeoutMs);
  if (path_.empty()) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "path is empty; set it to a database file such as ./var/mt5bridge.db");
  }
  if (busy_timeout_ms < 0 || busy_timeout_ms > INT_MAX) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT, "busy_timeout_ms must be between 0 and " +
                                                std::to_string(INT_MAX) + " milliseconds");
  }
  const bool in_memory = path_ == kInMemoryPath;
  if (!in_memory) create_parent_directories(path_);

  Connection::Settings settings;
  settings.path = path_;
  settings.busy_timeout_ms = static_cast<int>(busy_timeout_ms);
  settings.wal = !in_memory;
  try {
    // Every connection to ":memory:" is a database of its own, so there reads share the writer.
    pool_ = std::make_unique<ConnectionPool>(settings, in_memory ? 0 : kReaderConnections);
  } catch (const SqliteError& error) {
    throw to_open_error(error, path_);
  }
  host_.info("opened the SQLite database '" + path_ + "'" +
             (in_memory ? std::string(" in memory") : std::string(" in WAL mode")));
}

int64_t SqliteStorage::now_ms() const {
  int64_t now = host_.now_unix_ms();
  if (now != 0) return now;
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void SqliteStorage::migrate() {
  migrate_to(-1);
}

int64_t SqliteStorage::migrate_to(int64_t target_version) {
  std::vector<MigrationStep> steps;
  int64_t version = 0;
  try {
    auto writer = pool_->writer();
    if (target_version == -2) return current_schema_version(*writer);  // report, change nothing
    steps = migrate_schema(*writer, target_version, format_iso_utc_ms(now_ms()).value_or(""));
    version = current_schema_version(*writer);
  } catch (const SqliteError& error) {
    throw to_storage_error(error, "migrate the schema");
  }
  for (const MigrationStep& step : steps) {
    host_.info((step.up ? "applied schema migration " : "reverted schema migration ") +
               std::to_string(step.version) + (step.up ? " to '" : " in '") + path_ + "'");
  }
  return version;
}

void SqliteStorage::account_insert(const mt5b_account_record& account,
                                   const mt5b_credential_record& credential) {
  require_text(account.id, "the account's id");
  require_text(account.user_id, "the account's user_id");
  require_text(account.server, "the account's server");
  require_text(credential.key_id, "the credential's key_id (which key sealed it)");
  require_text(credential.ciphertext, "the credential's ciphertext");
  // The credential repeats the account's id and user; an empty field means "the same".
  const std::string_view account_id = view(account.id);
  const std::string_view user_id = view(account.user_id);
  if (credential.account_id.size != 0 && view(credential.account_id) != account_id) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "the credential names account '" + sdk::copy(credential.account_id) +
                         "' but the account being inserted is '" + std::string(account_id) +
                         "'; pass the same id in both");
  }
  if (credential.user_id.size != 0 && view(credential.user_id) != user_id) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "the credential names user '" + sdk::copy(credential.user_id) +
                         "' but the account belongs to '" + std::string(user_id) +
                         "'; pass the same user in both");
  }
  const int64_t now = now_ms();
  const int64_t account_created_ms = account.created_at_ms != 0 ? account.created_at_ms : now;
  try {
    auto writer = pool_->writer();
    Transaction transaction(*writer);
    {
      auto insert = writer->statement(kInsertAccountSql);
      bind_account(insert, account, now);
      insert.run();
    }
    {
      auto insert = writer->statement(kInsertCredentialSql);
      bind_credential(
          insert, credential, account_id, user_id,
          credential.created_at_ms != 0 ? credential.created_at_ms : account_created_ms);
      insert.run();
    }
    transaction.commit();
  } catch (const SqliteError& error) {
    throw insert_error(error, account);
  }
}

void SqliteStorage::account_get(std::string_view account_id, const sdk::AccountSink& emit) {
  static const std::string sql =
      std::string("SELECT ") + kAccountColumns + " FROM trading_accounts WHERE id = ?1";
  std::optional<AccountRow> found;
  try {
    auto reader = pool_->reader();
    auto select = reader->statement(sql);
    select.bind_text(1, account_id);
    if (select.step()) found = read_account_row(select);
  } catch (const SqliteError& error) {
    throw to_storage_error(error, "read the account");
  }
  if (!found) throw account_not_found(account_id);
  emit(found->view());
}

void SqliteStorage::account_list(const mt5b_account_query& query, const sdk::AccountSink& emit) {
  if (query.limit < 0 || query.offset < 0) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "limit and offset must not be negative; use limit 0 for no limit");
  }
  const std::string sql = std::string("SELECT ") + kAccountColumns + " FROM trading_accounts" +
                          account_filter_sql(query) + " ORDER BY created_at, id LIMIT ?2 OFFSET ?3";
  std::vector<AccountRow> rows;
  try {
    auto reader = pool_->reader();
    auto select = reader->statement(sql);
    if (query.user_id.size != 0) select.bind_text(1, view(query.user_id));
    select.bind_int(2, query.limit == 0 ? -1 : query.limit);  // SQLite: negative = no limit
    select.bind_int(3, query.offset);
    while (select.step()) rows.push_back(read_account_row(select));
  } catch (const SqliteError& error) {
    throw to_storage_error(error, "list the accounts");
  }
  for (const AccountRow& row : rows) emit(row.view());
}

int64_t SqliteStorage::account_count(const mt5b_account_query& query) {
  const std::string sql = "SELECT count(*) FROM trading_accounts" + account_filter_sql(query);
  try {
    auto reader = pool_->reader();
    auto select = reader->statement(sql);
    if (query.user_id.size != 0) select.bind_text(1, view(query.user_id));
    return select.step() ? select.integer(0) : 0;
  } catch (const SqliteError& error) {
    throw to_storage_error(error, "count the accounts");
  }
}

void SqliteStorage::account_delete(std::string_view account_id) {
  int64_t deleted = 0;
  try {
    auto writer = pool_->writer();
    // One statement is one transaction: the foreign keys' ON DELETE CASCADE removes the
    // credential, trades, deals, transactions and sync logs with the account, or nothing.
    auto remove = writer->statement("DELETE FROM trading_accounts WHERE id = ?1");
    remove.bind_text(1, account_id);
    remove.run();
    deleted = writer->changes();
  } catch (const SqliteError& error) {
    throw to_storage_error(error, "delete the account");
  }
  if (deleted == 0) {
    throw sdk::Error(MT5B_NOT_FOUND, "no account with id '" + std::string(account_id) +
                                         "' exists, so nothing was deleted");
  }
}

void SqliteStorage::credential_get(std::string_view account_id, const sdk::CredentialSink& emit) {
  static const std::string sql = std::string("SELECT ") + kCredentialColumns +
                                 " FROM account_integrations WHERE account_id = ?1";
  std::optional<CredentialRow> found;
  try {
    auto reader = pool_->reader();
    auto select = reader->statement(sql);
    select.bind_text(1, account_id);
    if (select.step()) found = read_credential_row(select);
  } catch (const SqliteError& error) {
    throw to_storage_error(error, "read the account's credential");
  }
  if (!found) {
    throw sdk::Error(MT5B_NOT_FOUND, "no credential is stored for account '" +
                                         std::string(account_id) +
                                         "'; the account does not exist or was deleted");
  }
  emit(found->view());
}

void SqliteStorage::ping() {
  try {
    auto reader = pool_->reader();
    // Reads the file header, so a vanished or unreadable file shows up here.
    auto probe = reader->statement("PRAGMA schema_version");
    probe.step();
  } catch (const SqliteError& error) {
    throw sdk::Error(MT5B_UNAVAILABLE, to_storage_error(error, "reach the database").what());
  }
}

}  // namespace mt5b::storage_sqlite
