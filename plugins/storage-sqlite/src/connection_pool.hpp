// The connections of one storage instance: a single writer guarded by a mutex, plus a few
// reader connections. Writes are serialised in-process (SQLite allows one writer anyway, and
// waiting on our mutex is cheaper than spinning in SQLite's busy handler); under WAL the readers
// see the last committed state without waiting for the writer.
#ifndef MT5B_STORAGE_SQLITE_CONNECTION_POOL_HPP
#define MT5B_STORAGE_SQLITE_CONNECTION_POOL_HPP

#include "sqlite_connection.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

namespace mt5b::storage_sqlite {

class ConnectionPool {
 public:
  // An exclusive hold on one connection, released by the destructor.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    Connection& operator*() const noexcept { return *connection_; }
    Connection* operator->() const noexcept { return connection_; }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, Connection* reader) noexcept;
    Lease(Connection* writer, std::unique_lock<std::mutex> writer_lock) noexcept;

    ConnectionPool* pool_ = nullptr;            // set when this lease is a reader to give back
    std::unique_lock<std::mutex> writer_lock_;  // held when this lease is the writer
    Connection* connection_ = nullptr;
  };

  // Opens the writer and `reader_count` readers. With reader_count 0 (an in-memory database,
  // where every connection would see its own empty database) reads use the writer.
  ConnectionPool(const Connection::Settings& settings, int reader_count);

  Lease writer();
  // Waits while every reader is busy.
  Lease reader();

 private:
  void give_back(Connection* reader);

  std::unique_ptr<Connection> writer_;
  std::mutex writer_mutex_;

  std::vector<std::unique_ptr<Connection>> readers_;
  std::mutex readers_mutex_;
  std::condition_variable reader_returned_;
  std::vector<Connection*> idle_readers_;
};

}  // namespace mt5b::storage_sqlite

#endif  // MT5B_STORAGE_SQLITE_CONNECTION_POOL_HPP
