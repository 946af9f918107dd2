#include "database_calls.hpp"

#include "pg_errors.hpp"

#include <pqxx/except>

namespace mt5b::storage_postgres {
namespace {

// Runs one attempt; returns true when it failed only because a reused connection had died
// before anything was committed, so a second attempt on a new connection is safe.
template <class Transaction>
bool attempt(ConnectionPool& pool, std::string_view doing, bool may_repeat,
             const std::function<void(Transaction&)>& body) {
  try {
    ConnectionPool::Lease lease = pool.acquire();
    try {
      Transaction transaction(lease.connection());
      body(transaction);
      transaction.commit();
      return false;
    } catch (const pqxx::in_doubt_error&) {
      lease.discard();
      throw;
    } catch (const std::exception& error) {
      if (!loses_connection(error)) throw;
      lease.discard();
      if (may_repeat && lease.reused()) return true;
      throw;
    }
  } catch (const std::exception& error) {
    throw to_storage_error(error, pool.settings().endpoint, doing);
  }
}

template <class Transaction>
void run(ConnectionPool& pool, std::string_view doing,
         const std::function<void(Transaction&)>& body) {
  if (attempt(pool, doing, /*may_repeat=*/true, body)) attempt(pool, doing, false, body);
}

}  // namespace

void run_on_connection(ConnectionPool& pool, std::string_view doing,
                       const std::function<void(pqxx::connection&)>& body) {
  try {
    ConnectionPool::Lease lease = pool.acquire();
    try {
      body(lease.connection());
    } catch (const std::exception& error) {
      if (loses_connection(error)) lease.discard();
      throw;
    }
  } catch (const std::exception& error) {
    throw to_storage_error(error, pool.settings().endpoint, doing);
  }
}

void run_read(ConnectionPool& pool, std::string_view doing,
              const std::function<void(pqxx::nontransaction&)>& body) {
  run(pool, doing, body);
}

void run_idempotent_statement(ConnectionPool& pool, std::string_view doing,
                              const std::function<void(pqxx::nontransaction&)>& body) {
  run(pool, doing, body);
}

void run_transaction(ConnectionPool& pool, std::string_view doing,
                     const std::function<void(pqxx::work&)>& body) {
  // Without a COMMIT having been sent, a lost connection means the server rolled back; a loss
  // during COMMIT is pqxx::in_doubt_error, never repeated.
  run(pool, doing, body);
}

}  // namespace mt5b::storage_postgres
