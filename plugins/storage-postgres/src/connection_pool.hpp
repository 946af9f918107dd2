// A fixed-size pool of PostgreSQL connections, opened lazily and replaced when they break.
//
// A connection is leased for one call (RAII) and returned afterwards. One that broke (the
// server restarted, the network dropped) is thrown away instead of returned, and one that went
// stale while idle (the server closed it) is noticed before it is handed out, so after an
// outage the next call simply opens a new connection: nothing has to restart the plugin.
#ifndef MT5B_STORAGE_POSTGRES_CONNECTION_POOL_HPP
#define MT5B_STORAGE_POSTGRES_CONNECTION_POOL_HPP

#include <mt5bridge/sdk.hpp>

#include <pqxx/connection>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mt5b::storage_postgres {

// One open connection and the handler that sends its server notices to the host's log instead
// of libpqxx's default, stderr.
struct PooledConnection;

class ConnectionPool {
 public:
  struct Settings {
    std::string conninfo;  // holds the password: never logged
    std::string endpoint;  // host:port, for messages
    std::string schema;
    int size = 4;
    int64_t statement_timeout_ms = 10'000;
    // How long a call waits for a free connection when all `size` are leased.
    std::chrono::milliseconds acquire_timeout{10'000};
  };
  // Registers the prepared statements on a new connection (libpqxx prepares them lazily).
  using Preparer = std::function<void(pqxx::connection&)>;

  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    pqxx::connection& connection();
    // True when the connection sat idle before this lease, so it may have died meanwhile.
    bool reused() const { return reused_; }
    // Throws the connection away on return instead of keeping it.
    void discard() { discard_ = true; }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<PooledConnection> connection, uint64_t generation,
          bool reused);

    ConnectionPool* pool_;
    std::unique_ptr<PooledConnection> connection_;
    uint64_t generation_;
    bool reused_;
    bool discard_ = false;
  };

  ConnectionPool(Settings settings, sdk::Host host, Preparer preparer);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;
  ~ConnectionPool();

  // An idle connection, or a new one while fewer than `size` are open; otherwise waits up to
  // acquire_timeout. Errors: pqxx::broken_connection when a new connection cannot be opened;
  // sdk::Error(RETRY) when every connection stays busy.
  Lease acquire();

  // Closes the idle connections and retires the leased ones when they come back, so every
  // connection opened afterwards prepares its statements against the current schema (after a
  // migration).
  void retire_all();

  const Settings& settings() const { return settings_; }

 private:
  void give_back(std::unique_ptr<PooledConnection> connection, uint64_t generation, bool discard);
  std::unique_ptr<PooledConnection> open_connection();

  Settings settings_;
  sdk::Host host_;
  Preparer preparer_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<PooledConnection>> idle_;
  int open_ = 0;  // idle + leased + being opened
  uint64_t generation_ = 0;
  bool reported_outage_ = false;
};

}  // namespace mt5b::storage_postgres

#endif  // MT5B_STORAGE_POSTGRES_CONNECTION_POOL_HPP
