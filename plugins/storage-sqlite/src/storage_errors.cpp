#include "storage_errors.hpp"

#include <string>

namespace mt5b::storage_sqlite {

sdk::Error to_storage_error(const SqliteError& error, std::string_view doing) {
  const std::string prefix =
      "storage-sqlite could not " + std::string(doing) + " (SQLite: " + error.what() + ")";
  switch (error.primary_code()) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return sdk::Error(MT5B_RETRY, prefix +
                                        "; another connection holds the database lock, "
                                        "try again shortly");
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
      return sdk::Error(MT5B_UNAVAILABLE,
                        prefix +
                            "; check that the database file and its directory are still "
                            "there, writable, and that the disk has space");
    case SQLITE_CONSTRAINT:
      switch (error.code()) {
        case SQLITE_CONSTRAINT_NOTNULL:
        case SQLITE_CONSTRAINT_CHECK:
          return sdk::Error(MT5B_INVALID_ARGUMENT,
                            prefix + "; fill in the field the message names with a valid value");
        default:
          return sdk::Error(MT5B_CONFLICT, prefix + "; the row conflicts with one already stored");
      }
    default: return sdk::Error(MT5B_FAILED, prefix + "; see the SQLite message for the cause");
  }
}

void require_text(mt5b_str value, std::string_view what) {
  if (value.size == 0) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT, std::string(what) + " is empty; fill it in");
  }
}

sdk::Error account_not_found(std::string_view account_id) {
  return sdk::Error(MT5B_NOT_FOUND, "no account with id '" + std::string(account_id) +
                                        "' exists; list the accounts to find the right id");
}

sdk::Error to_open_error(const SqliteError& error, std::string_view path) {
  const std::string where = "storage-sqlite cannot open the SQLite database '" + std::string(path) +
                            "' (SQLite: " + error.what() + ")";
  switch (error.primary_code()) {
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_PERM:
    case SQLITE_READONLY:
      return sdk::Error(MT5B_UNAVAILABLE,
                        where +
                            "; set the path option to a file in a directory this process "
                            "can write");
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return sdk::Error(MT5B_FAILED, where +
                                         "; the file is not a usable SQLite database, point "
                                         "the path option at another file");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return sdk::Error(MT5B_UNAVAILABLE,
                        where +
                            "; another process holds the database lock, stop it or raise "
                            "busy_timeout_ms");
    default: return sdk::Error(MT5B_FAILED, where + "; check the path option");
  }
}

}  // namespace mt5b::storage_sqlite
