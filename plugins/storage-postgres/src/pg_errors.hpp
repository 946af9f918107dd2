// What a libpqxx exception means for the caller: a status and a sentence that says what to do.
// Messages name the server as host:port and never carry the url, user or password.
#ifndef MT5B_STORAGE_POSTGRES_PG_ERRORS_HPP
#define MT5B_STORAGE_POSTGRES_PG_ERRORS_HPP

#include <mt5bridge/sdk.hpp>

#include <exception>
#include <string_view>

namespace mt5b::storage_postgres {

// The error to report for `error`, raised while the plugin tried to `doing` (e.g. "read the
// account") against PostgreSQL at `endpoint`:
//   cannot connect / connection lost / server shutting down   -> UNAVAILABLE
//   connection lost during COMMIT (outcome unknown)            -> UNAVAILABLE, says so
//   serialization failure, deadlock, lock timeout              -> RETRY
//   statement_timeout                                          -> TIMEOUT
//   unique violation                                           -> CONFLICT
//   check / not-null violation, malformed value (class 22)     -> INVALID_ARGUMENT
//   foreign key violation (the account is gone)                -> NOT_FOUND
//   anything else                                              -> FAILED
// An sdk::Error passes through unchanged.
sdk::Error to_storage_error(const std::exception& error, std::string_view endpoint,
                            std::string_view doing);

// True when the connection that raised `error` cannot be used again.
bool loses_connection(const std::exception& error);

// "PostgreSQL at <endpoint> is unreachable: <reason>; the request changed nothing ..."
sdk::Error unreachable_error(std::string_view endpoint, std::string_view reason);

}  // namespace mt5b::storage_postgres

#endif  // MT5B_STORAGE_POSTGRES_PG_ERRORS_HPP
