// Shared pieces of the storage-sqlite tests: a fresh temp directory per test, a raw SQLite
// connection for looking behind the plugin's back, and account/credential fixtures that own
// their text.
#ifndef MT5B_STORAGE_SQLITE_TEST_SUPPORT_HPP
#define MT5B_STORAGE_SQLITE_TEST_SUPPORT_HPP

#include "account_rows.hpp"
#include "sqlite_storage.hpp"

#include <mt5bridge/testing.hpp>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mt5b::storage_sqlite::testing {

// A directory of its own under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "storage-sqlite-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A plain connection to the same file, as another tool or process would have.
class RawDatabase {
 public:
  explicit RawDatabase(const std::string& path) {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
    db_.reset(db);
    if (rc != SQLITE_OK) throw std::runtime_error("cannot open " + path);
    sqlite3_busy_timeout(db, 5000);
  }
  void exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message != nullptr ? message : "?";
      sqlite3_free(message);
      throw std::runtime_error("SQL failed: " + text + " in: " + sql);
    }
  }
  // The first column of the first row as text; nullopt for no row or NULL.
  std::optional<std::string> text(const std::string& sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("prepare failed: ") + sqlite3_errmsg(db_.get()));
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(raw, &sqlite3_finalize);
    if (sqlite3_step(raw) != SQLITE_ROW || sqlite3_column_type(raw, 0) == SQLITE_NULL)
      return std::nullopt;
    return std::string(reinterpret_cast<const char*>(sqlite3_column_text(raw, 0)),
                       static_cast<size_t>(sqlite3_column_bytes(raw, 0)));
  }
  int64_t integer(const std::string& sql) { return std::stoll(text(sql).value_or("0")); }
  // Every row, its columns joined with '|' (NULL as "NULL").
  std::vector<std::string> rows(const std::string& sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("prepare failed: ") + sqlite3_errmsg(db_.get()));
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(raw, &sqlite3_finalize);
    std::vector<std::string> out;
    while (sqlite3_step(raw) == SQLITE_ROW) {
      std::string row;
      for (int c = 0; c < sqlite3_column_count(raw); ++c) {
        if (c > 0) row += '|';
        const auto* value = reinterpret_cast<const char*>(sqlite3_column_text(raw, c));
        row += value != nullptr ? value : "NULL";
      }
      out.push_back(row);
    }
    return out;
  }

 private:
  std::unique_ptr<sqlite3, decltype(&sqlite3_close_v2)> db_{nullptr, &sqlite3_close_v2};
};

inline std::string config_json(const std::string& path, int64_t busy_timeout_ms = 5000) {
  return R"({"path": ")" + path + R"(", "busy_timeout_ms": )" + std::to_string(busy_timeout_ms) +
         "}";
}

inline std::unique_ptr<SqliteStorage> open_store(const sdk::testing::FakeHost& host,
                                                 const std::string& path,
                                                 int64_t busy_timeout_ms = 5000) {
  return std::make_unique<SqliteStorage>(host.host(),
                                         sdk::Config(config_json(path, busy_timeout_ms)));
}

// An account with every field set to something distinct; AccountRow owns the text.
inline AccountRow sample_account(const std::string& id, const std::string& user_id, int64_t login) {
  AccountRow a;
  a.id = id;
  a.user_id = user_id;
  a.login = login;
  a.server = "MetaQuotes-Demo";
  a.broker_name = "MetaQuotes Ltd.";
  a.broker_instance = "mock-1";
  a.is_active = true;
  a.connection_status = "active";
  a.last_connection_error = "";
  a.sync_failure_count = 0;
  a.broker_server_time_offset_s = 7200;
  a.currency = "USD";
  a.leverage = 100;
  a.balance = 10000.5;
  a.equity = 10100.25;
  a.margin = 250.0;
  a.free_margin = 9850.25;
  a.margin_level = 4040.1;
  a.credit = 0.0;
  a.profit = 99.75;
  a.created_at_ms = 1'762'943'400'000;  // 2025-11-12T10:30:00.000Z
  a.updated_at_ms = 1'762'943'400'000;
  a.last_sync_at_ms = 0;
  a.last_successful_sync_at_ms = 0;
  return a;
}

// The account's credential with a sealed blob holding a NUL and a 0xff byte.
inline CredentialRow credential_for(const AccountRow& account) {
  CredentialRow c;
  c.account_id = account.id;
  c.user_id = account.user_id;
  c.key_id = "key-2025";
  c.ciphertext = std::string("\x01\x02sealed\0bytes\xff", 15);
  return c;
}

inline void insert(SqliteStorage& store, const AccountRow& account) {
  store.account_insert(account.view(), credential_for(account).view());
}

inline std::optional<AccountRow> find_account(SqliteStorage& store, const std::string& id) {
  std::optional<AccountRow> found;
  store.account_get(id, [&](const mt5b_account_record& r) { found = AccountRow::from(r); });
  return found;
}

// Runs `call` and returns the status of the sdk::Error it throws (OK when it throws nothing),
// keeping the message in `message`.
template <class Call>
mt5b_status status_of(Call&& call, std::string* message = nullptr) {
  try {
    call();
    return MT5B_OK;
  } catch (const sdk::Error& e) {
    if (message != nullptr) *message = e.what();
    return e.status();
  }
}

}  // namespace mt5b::storage_sqlite::testing

#endif  // MT5B_STORAGE_SQLITE_TEST_SUPPORT_HPP
