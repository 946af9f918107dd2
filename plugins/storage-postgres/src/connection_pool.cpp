#include "connection_pool.hpp"

#include "pg_errors.hpp"

#include <pqxx/errorhandler>
#include <pqxx/except>
#include <pqxx/nontransaction>

#include <poll.h>

#include <utility>

namespace mt5b::storage_postgres {
namespace {

// Server WARNINGs (client_min_messages keeps NOTICEs away) go to the host's log.
class NoticeForwarder : public pqxx::errorhandler {
 public:
  NoticeForwarder(pqxx::connection_base& connection, sdk::Host host)
      : pqxx::errorhandler(connection), host_(host) {}
  bool operator()(const char message[]) noexcept override {
    try {
      std::string text(message);
      while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
      host_.warn("PostgreSQL says: " + text);
    } catch (...) {
    }
    return false;  // not also to stderr
  }

 private:
  sdk::Host host_;
};

// An idle connection has nothing to read. If its socket is readable, the server has sent
// something unasked (the notice before it terminates the session) or closed it: either way the
// connection is dead or about to be, and handing it out would fail the next call for nothing.
bool went_stale(const pqxx::connection& connection) {
  const int socket = connection.sock();
  if (socket < 0) return true;
  pollfd probe{socket, POLLIN, 0};
  return ::poll(&probe, 1, 0) != 0;
}

}  // namespace

struct PooledConnection {
  std::unique_ptr<pqxx::connection> connection;
  // Declared last: unregistered before the connection closes.
  std::unique_ptr<NoticeForwarder> notices;
};

ConnectionPool::Lease::Lease(ConnectionPool* pool, std::unique_ptr<PooledConnection> connection,
                             uint64_t generation, bool reused)
    : pool_(pool), connection_(std::move(connection)), generation_(generation), reused_(reused) {}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      connection_(std::move(other.connection_)),
      generation_(other.generation_),
      reused_(other.reused_),
      discard_(other.discard_) {}

pqxx::connection& ConnectionPool::Lease::connection() {
  return *connection_->connection;
}

ConnectionPool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->give_back(std::move(connection_), generation_, discard_);
}

ConnectionPool::ConnectionPool(Settings settings, sdk::Host host, Preparer preparer)
    : settings_(std::move(settings)), host_(host), preparer_(std::move(preparer)) {}

ConnectionPool::~ConnectionPool() = default;

ConnectionPool::Lease ConnectionPool::acquire() {
  std::unique_lock lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + settings_.acquire_timeout;
  while (true) {
    while (!idle_.empty()) {
      std::unique_ptr<PooledConnection> connection = std::move(idle_.back());
      idle_.pop_back();
      if (!went_stale(*connection->connection)) {
        return Lease(this, std::move(connection), generation_, true);
      }
      --open_;  // closed by the unique_ptr; a new one may take its place
    }
    if (open_ < settings_.size) break;
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= settings_.size) {
      throw sdk::Error(MT5B_RETRY, "all " + std::to_string(settings_.size) +
                                       " connections to PostgreSQL at " + settings_.endpoint +
                                       " stayed busy; try again, or raise pool_size");
    }
  }
  ++open_;  // reserve the slot, then connect without holding the lock
  const uint64_t generation = generation_;
  lock.unlock();
  try {
    return Lease(this, open_connection(), generation, false);
  } catch (...) {
    lock.lock();
    --open_;
    returned_.notify_one();
    throw;
  }
}

std::unique_ptr<PooledConnection> ConnectionPool::open_connection() {
  auto pooled = std::make_unique<PooledConnection>();
  try {
    pooled->connection = std::make_unique<pqxx::connection>(settings_.conninfo);
    pqxx::connection* connection = pooled->connection.get();
    pooled->notices = std::make_unique<NoticeForwarder>(*connection, host_);
    pqxx::nontransaction setup(*connection);
    // Per session, so every statement on this connection runs in the configured schema and
    // none runs longer than statement_timeout_ms. Notices ("... already exists, skipping")
    // would go to stderr through libpqxx: only warnings and errors are wanted. No JIT: these
    // are short statements, but the planner guesses 100 rows for each json_to_recordset, so a
    // group's sync apply can look costly enough to be compiled, which took 30-40 ms each time.
    setup.exec_params(
        "SELECT set_config('search_path', $1, false), set_config('statement_timeout', $2, false),"
        " set_config('client_min_messages', 'warning', false), set_config('jit', 'off', false)",
        connection->quote_name(settings_.schema), std::to_string(settings_.statement_timeout_ms));
    setup.commit();
    preparer_(*connection);
  } catch (const pqxx::broken_connection& error) {
    std::lock_guard lock(mutex_);
    if (!reported_outage_) {
      reported_outage_ = true;
      host_.warn(unreachable_error(settings_.endpoint, error.what()).what());
    }
    throw;
  }
  std::lock_guard lock(mutex_);
  if (reported_outage_) {
    reported_outage_ = false;
    host_.info("reconnected to PostgreSQL at " + settings_.endpoint);
  }
  return pooled;
}

void ConnectionPool::give_back(std::unique_ptr<PooledConnection> connection, uint64_t generation,
                               bool discard) {
  std::lock_guard lock(mutex_);
  if (connection && !discard && generation == generation_ && connection->connection->is_open()) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;
    connection.reset();
  }
  returned_.notify_one();
}

void ConnectionPool::retire_all() {
  std::lock_guard lock(mutex_);
  ++generation_;
  open_ -= static_cast<int>(idle_.size());
  idle_.clear();
  returned_.notify_all();
}

}  // namespace mt5b::storage_postgres
