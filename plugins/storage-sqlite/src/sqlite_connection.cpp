#include "sqlite_connection.hpp"

#include <string>

namespace mt5b::storage_sqlite {
namespace {

// sqlite3_bind_* with a NULL pointer binds SQL NULL even for length 0, so an empty value
// points at this instead to stay an empty string or blob.
constexpr char kEmpty[] = "";

[[noreturn]] void throw_error(sqlite3* db, int rc) {
  const char* message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw SqliteError(rc, message != nullptr ? message : sqlite3_errstr(rc));
}

}  // namespace

// ---- Statement ----

Statement::~Statement() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Statement::check_bind(int rc) const {
  if (rc != SQLITE_OK) throw_error(db_, rc);
}

void Statement::bind_text(int index, std::string_view text) {
  const char* data = text.empty() ? kEmpty : text.data();
  check_bind(sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
}

void Statement::bind_optional_text(int index, std::string_view text) {
  if (text.empty()) {
    bind_null(index);
  } else {
    bind_text(index, text);
  }
}

void Statement::bind_blob(int index, std::string_view bytes) {
  const char* data = bytes.empty() ? kEmpty : bytes.data();
  check_bind(sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_TRANSIENT));
}

void Statement::bind_int(int index, int64_t value) {
  check_bind(sqlite3_bind_int64(stmt_, index, value));
}

void Statement::bind_real(int index, double value) {
  check_bind(sqlite3_bind_double(stmt_, index, value));
}

void Statement::bind_null(int index) {
  check_bind(sqlite3_bind_null(stmt_, index));
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw_error(db_, rc);
}

void Statement::run() {
  while (step()) {
  }
}

bool Statement::is_null(int column) const noexcept {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::string_view Statement::text(int column) const noexcept {
  // The pointer first, then the size: that order is what SQLite documents as safe.
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (data == nullptr) return {};
  return {data, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::string_view Statement::blob(int column) const noexcept {
  const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  if (data == nullptr) return {};
  return {data, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))};
}

int64_t Statement::integer(int column) const noexcept {
  return sqlite3_column_int64(stmt_, column);
}

double Statement::real(int column) const noexcept {
  return sqlite3_column_double(stmt_, column);
}

// ---- Connection ----

Connection::Connection(const Settings& settings) {
  sqlite3* raw = nullptr;
  // NOMUTEX: the pool hands a connection to one thread at a time, so SQLite's own per-call
  // mutex would only cost time.
  const int flags =
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  int rc = sqlite3_open_v2(settings.path.c_str(), &raw, flags, nullptr);
  db_.reset(raw);  // SQLite may allocate a handle even when opening fails
  if (rc != SQLITE_OK) throw_error(db_.get(), rc);
  sqlite3_extended_result_codes(db_.get(), 1);
  rc = sqlite3_busy_timeout(db_.get(), settings.busy_timeout_ms);
  if (rc != SQLITE_OK) throw_error(db_.get(), rc);
  execute("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;");
  if (settings.wal) {
    auto pragma = statement("PRAGMA journal_mode = WAL");
    // SQLite answers with the mode now in force instead of failing when it cannot switch.
    std::string mode = pragma.step() ? std::string(pragma.text(0)) : std::string();
    if (mode != "wal") {
      throw SqliteError(SQLITE_ERROR, "the database stayed in journal mode '" + mode +
                                          "' instead of switching to WAL");
    }
  }
  if (settings.query_only) execute("PRAGMA query_only = ON;");
}

Statement Connection::statement(std::string_view sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    std::unique_ptr<sqlite3_stmt, FinalizeStatement> prepared(raw);
    if (rc != SQLITE_OK) throw_error(db_.get(), rc);
    it = statements_.emplace(std::string(sql), std::move(prepared)).first;
  }
  return Statement(db_.get(), it->second.get());
}

void Connection::execute(const char* sql) {
  int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) throw_error(db_.get(), rc);
}

int64_t Connection::changes() const noexcept {
  return sqlite3_changes64(db_.get());
}

// ---- Transaction ----

Transaction::Transaction(Connection& connection) : connection_(connection) {
  connection_.execute("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (!open_) return;
  // Errors here cannot be reported; SQLite may already have rolled back (e.g. after SQLITE_FULL).
  sqlite3_exec(connection_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  connection_.execute("COMMIT");
  open_ = false;
}

}  // namespace mt5b::storage_sqlite
