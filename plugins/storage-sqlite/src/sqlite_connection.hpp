// A thin RAII layer over the SQLite C API: one connection with its cache of prepared
// statements, a statement lease that always resets, and a transaction guard that rolls back
// unless committed. Errors are thrown as SqliteError (the SQLite code plus its message); the
// storage layer turns them into mt5b statuses with a sentence about what it was doing.
#ifndef MT5B_STORAGE_SQLITE_SQLITE_CONNECTION_HPP
#define MT5B_STORAGE_SQLITE_SQLITE_CONNECTION_HPP

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mt5b::storage_sqlite {

// A failed SQLite call. `code` is the extended result code.
class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const noexcept { return code_; }
  int primary_code() const noexcept { return code_ & 0xff; }

 private:
  int code_;
};

// A lease on one cached prepared statement. Values are bound by 1-based index; columns are
// read by 0-based index. The destructor resets the statement and clears its bindings, so the
// next user of the cache starts clean even after an exception.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) noexcept : db_(db), stmt_(stmt) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  void bind_text(int index, std::string_view text);
  // Binds NULL for an empty string: optional text columns hold NULL rather than ''.
  void bind_optional_text(int index, std::string_view text);
  void bind_blob(int index, std::string_view bytes);
  void bind_int(int index, int64_t value);
  void bind_real(int index, double value);
  void bind_null(int index);

  // Advances to the next row: true when a row is ready, false when the statement is done.
  bool step();
  // Runs a statement that returns no rows.
  void run();

  bool is_null(int column) const noexcept;
  // Text and blob views stay valid until the next step() or the end of the lease.
  std::string_view text(int column) const noexcept;
  std::string_view blob(int column) const noexcept;
  int64_t integer(int column) const noexcept;
  double real(int column) const noexcept;

 private:
  void check_bind(int rc) const;

  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// One open database connection. Not thread-safe: the pool gives it to one thread at a time.
class Connection {
 public:
  struct Settings {
    std::string path;  // a file name or ":memory:"
    int busy_timeout_ms = 5000;
    bool query_only = false;  // readers refuse writes, so a slip cannot bypass the writer lock
    bool wal = false;         // switch the file to WAL (persistent; needs the write lock once)
  };

  // Opens (creating when missing) and configures the connection: extended result codes, busy
  // timeout, foreign keys, synchronous=NORMAL and, when asked, WAL. Throws SqliteError.
  explicit Connection(const Settings& settings);

  // The prepared statement for `sql`, prepared once per connection and reused afterwards.
  // `sql` must be constant text: values are always bound, never spliced in.
  Statement statement(std::string_view sql);

  // Runs constant SQL (possibly several statements) with no values, e.g. DDL and PRAGMAs.
  void execute(const char* sql);

  int64_t changes() const noexcept;
  sqlite3* handle() const noexcept { return db_.get(); }

 private:
  struct CloseDatabase {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
  };
  struct FinalizeStatement {
    void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
  };
  // Lets the cache be searched with a string_view, without building a std::string per call.
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view sql) const noexcept {
      return std::hash<std::string_view>{}(sql);
    }
  };

  // Declared before the cache, so every statement is finalised before the database closes.
  std::unique_ptr<sqlite3, CloseDatabase> db_;
  std::unordered_map<std::string, std::unique_ptr<sqlite3_stmt, FinalizeStatement>, SqlHash,
                     std::equal_to<>>
      statements_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back by the destructor unless commit() succeeded.
// IMMEDIATE takes the write lock up front, so a transaction never fails half-way with an
// unresolvable read-to-write upgrade (SQLITE_BUSY without waiting) under WAL.
class Transaction {
 public:
  explicit Transaction(Connection& connection);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  void commit();

 private:
  Connection& connection_;
  bool open_ = true;
};

}  // namespace mt5b::storage_sqlite

#endif  // MT5B_STORAGE_SQLITE_SQLITE_CONNECTION_HPP
