// Turns SQLite failures into the statuses the storage ABI documents, with a sentence that says
// what the plugin was doing and what the caller can do about it. SQLite's own messages name
// tables and columns, never bound values, so no secret reaches a message.
#ifndef MT5B_STORAGE_SQLITE_STORAGE_ERRORS_HPP
#define MT5B_STORAGE_SQLITE_STORAGE_ERRORS_HPP

#include "sqlite_connection.hpp"

#include <mt5bridge/sdk.hpp>

#include <string_view>

namespace mt5b::storage_sqlite {

// BUSY/LOCKED -> RETRY; CANTOPEN/IOERR/FULL -> UNAVAILABLE; NOT NULL/CHECK -> INVALID_ARGUMENT;
// other constraints -> CONFLICT; anything else -> FAILED. `doing` reads "insert the account".
sdk::Error to_storage_error(const SqliteError& error, std::string_view doing);

// Throws INVALID_ARGUMENT "<what> is empty; fill it in" for an empty value.
void require_text(mt5b_str value, std::string_view what);

// NOT_FOUND for an account id that names no account.
sdk::Error account_not_found(std::string_view account_id);

// The failure to open the database at `path` when the instance is created.
sdk::Error to_open_error(const SqliteError& error, std::string_view path);

}  // namespace mt5b::storage_sqlite

#endif  // MT5B_STORAGE_SQLITE_STORAGE_ERRORS_HPP
