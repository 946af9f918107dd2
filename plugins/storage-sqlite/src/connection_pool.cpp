#include "connection_pool.hpp"

#include <utility>

namespace mt5b::storage_sqlite {

ConnectionPool::Lease::Lease(ConnectionPool* pool, Connection* reader) noexcept
    : pool_(pool), connection_(reader) {}

ConnectionPool::Lease::Lease(Connection* writer, std::unique_lock<std::mutex> writer_lock) noexcept
    : writer_lock_(std::move(writer_lock)), connection_(writer) {}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      writer_lock_(std::move(other.writer_lock_)),
      connection_(std::exchange(other.connection_, nullptr)) {}

ConnectionPool::Lease::~Lease() {
  if (pool_ != nullptr && connection_ != nullptr) pool_->give_back(connection_);
}

ConnectionPool::ConnectionPool(const Connection::Settings& settings, int reader_count)
    : writer_(std::make_unique<Connection>(settings)) {
  Connection::Settings reader_settings = settings;
  reader_settings.query_only = true;
  reader_settings.wal = false;  // the writer already switched the file
  // give_back then never reallocates, so it cannot throw from a lease's destructor.
  idle_readers_.reserve(static_cast<size_t>(reader_count));
  for (int i = 0; i < reader_count; ++i) {
    readers_.push_back(std::make_unique<Connection>(reader_settings));
    idle_readers_.push_back(readers_.back().get());
  }
}

ConnectionPool::Lease ConnectionPool::writer() {
  return Lease(writer_.get(), std::unique_lock(writer_mutex_));
}

ConnectionPool::Lease ConnectionPool::reader() {
  if (readers_.empty()) return writer();
  std::unique_lock lock(readers_mutex_);
  reader_returned_.wait(lock, [this] { return !idle_readers_.empty(); });
  Connection* reader = idle_readers_.back();
  idle_readers_.pop_back();
  return Lease(this, reader);
}

void ConnectionPool::give_back(Connection* reader) {
  {
    std::lock_guard lock(readers_mutex_);
    idle_readers_.push_back(reader);
  }
  reader_returned_.notify_one();
}

}  // namespace mt5b::storage_sqlite
