// How every storage call reaches PostgreSQL: lease a connection, run the body, translate any
// failure into an sdk::Error (pg_errors.hpp), and throw away a connection that broke.
//
// A connection that sat idle may have died since (the server restarted): when the body fails
// because of that before anything could have been committed (a read, or a transaction before its
// COMMIT), the call is repeated once on a new connection, so the first request after a restart
// succeeds instead of failing.
#ifndef MT5B_STORAGE_POSTGRES_DATABASE_CALLS_HPP
#define MT5B_STORAGE_POSTGRES_DATABASE_CALLS_HPP

#include "connection_pool.hpp"

#include <pqxx/pqxx>

#include <functional>
#include <string_view>

namespace mt5b::storage_postgres {

// Runs `body`, which only reads, without BEGIN/COMMIT round trips (each statement is its own
// snapshot).
void run_read(ConnectionPool& pool, std::string_view doing,
              const std::function<void(pqxx::nontransaction&)>& body);

// Runs `body` in one transaction and commits it: all of its statements take effect or none.
// Throwing from the body (an sdk::Error for a refused request) rolls everything back. The body
// may run twice (see above), so it must assign its results rather than accumulate them.
void run_transaction(ConnectionPool& pool, std::string_view doing,
                     const std::function<void(pqxx::work&)>& body);

// Runs `body`, ONE statement that changes something and may safely run twice (a lease taken or
// released again by the same owner), in autocommit: a single statement is atomic by itself, so
// BEGIN and COMMIT would only add two round trips. Repeated once like a read after a lost
// connection, which is why it must be idempotent.
void run_idempotent_statement(ConnectionPool& pool, std::string_view doing,
                              const std::function<void(pqxx::nontransaction&)>& body);

// Runs `body` on a leased connection that it drives itself (the migrator opens its own
// transaction). Not repeated.
void run_on_connection(ConnectionPool& pool, std::string_view doing,
                       const std::function<void(pqxx::connection&)>& body);

}  // namespace mt5b::storage_postgres

#endif  // MT5B_STORAGE_POSTGRES_DATABASE_CALLS_HPP
