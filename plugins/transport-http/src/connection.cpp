#include "connection.hpp"

#include "response_encoder.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <exception>

namespace mt5b::transport_http {
namespace {

// How long a connection that was answered and shut for sending may still drain the client's
// input, so the close does not reset the answer before the client has read it.
constexpr std::chrono::milliseconds kLingerLimit{5000};
// Written-out bytes kept at the front of the output buffer before it is compacted.
constexpr std::size_t kCompactOutputAt = 64 * 1024;

class DrainCount {
 public:
  explicit DrainCount(AnswerDrain& drain) : drain_(drain) { drain_.begin(); }
  ~DrainCount() { drain_.end(); }
  DrainCount(const DrainCount&) = delete;
  DrainCount& operator=(const DrainCount&) = delete;

 private:
  AnswerDrain& drain_;
};

ParserLimits parser_limits(const TransportOptions& options) {
  ParserLimits limits;
  limits.max_body_bytes = options.max_body_bytes;
  return limits;
}

}  // namespace

Connection::Connection(ServerCore& core, int fd, std::string ip, uint16_t port,
                       Clock::time_point now)
    : core_(core),
      fd_(fd),
      ip_(std::move(ip)),
      port_(port),
      parser_(parser_limits(core.options)),
      wait_since_(now) {}

Connection::~Connection() {
  core_.buffered.give_back(budget_held_);
  for (std::size_t i = 0; i < answer_ends_.size(); ++i) {
    core_.undelivered_answers.fetch_add(1, std::memory_order_relaxed);
    core_.drain.end();
  }
  core_.connections.release(ip_);
  ::close(fd_);
}

uint32_t Connection::wanted_events() const noexcept {
  uint32_t events = 0;
  switch (state_) {
    case State::kOpen:
      // Past the output bound the client is not reading its answers: stop reading its
      // requests until it does, so they wait in the socket rather than in memory.
      if (!input_ended_ && unsent() < core_.options.max_unsent_bytes) events |= EPOLLIN;
      break;
    case State::kLingering: events |= EPOLLIN; break;
    case State::kClosingAfterFlush:
    case State::kFinished: break;
  }
  if (unsent() > 0) events |= EPOLLOUT;
  return events;
}

std::chrono::milliseconds Connection::wait_limit() const noexcept {
  switch (wait_) {
    case Wait::kHead: return core_.options.header_timeout;
    case Wait::kBody: return core_.options.body_timeout;
    case Wait::kLinger: return std::min(kLingerLimit, core_.options.idle_timeout);
    case Wait::kIdle:
    case Wait::kOutput: break;
  }
  return core_.options.idle_timeout;
}

void Connection::note_wait(Clock::time_point now) {
  Wait wait;
  if (state_ == State::kLingering) {
    wait = Wait::kLinger;
  } else if (unsent() > 0) {
    wait = Wait::kOutput;
  } else {
    switch (parser_.phase()) {
      case RequestParser::Phase::kIdle: wait = Wait::kIdle; break;
      case RequestParser::Phase::kHead: wait = Wait::kHead; break;
      default: wait = Wait::kBody; break;
    }
  }
  // A new request restarts the clock even when the kind of wait stays the same.
  if (wait != wait_ || requests_seen_ != requests_started_) {
    wait_ = wait;
    wait_since_ = now;
    requests_seen_ = requests_started_;
  }
}

void Connection::on_readable(char* scratch, std::size_t scratch_size, Clock::time_point now) {
  ssize_t n;
  do {
    n = ::recv(fd_, scratch, scratch_size, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    state_ = State::kFinished;  // reset by the client: nothing can be delivered
    return;
  }
  if (n == 0) {
    // The client may half-close after its requests and still read the answers.
    input_ended_ = true;
    state_ = unsent() == 0 ? State::kFinished : State::kClosingAfterFlush;
    return;
  }
  if (state_ != State::kOpen) return;  // lingering: the rest of a refused request is dropped
  const auto bytes = static_cast<std::size_t>(n);
  if (!core_.buffered.try_take(bytes)) {
    refuse(503, "SERVER_BUSY",
           "The server holds as many unfinished requests as it may; retry in a moment.");
    after_output(now);
    return;
  }
  budget_held_ += bytes;
  try {
    parser_.append(std::string_view(scratch, bytes));
  } catch (const std::exception&) {
    refuse(503, "SERVER_BUSY", "The server is out of memory for this request; retry later.");
    after_output(now);
    return;
  }
  serve_buffered(now);
}

void Connection::serve_buffered(Clock::time_point now) {
  // Several requests may already be buffered (pipelining): answer them in order, until the
  // client falls behind reading the answers.
  try {
    while (state_ == State::kOpen && unsent() < core_.options.max_unsent_bytes) {
      const auto progress = parser_.advance();
      if (progress == RequestParser::Progress::kNeedMore) {
        if (parser_.take_continue_due()) send(continue_response(), false);
        break;
      }
      if (progress == RequestParser::Progress::kFailed) {
        const auto& error = parser_.error();
        refuse(error.status, error.error_code, error.message);
        break;
      }
      ++requests_started_;
      // The answer counts for stop()'s drain while the host prepares it; send() counts it
      // again for as long as the socket has not taken all of it.
      DrainCount preparing(core_.drain);
      ParsedRequest request = parser_.take_request();
      bool keep_alive = request.keep_alive;
      std::string answer = dispatch_request(core_, request, ip_, port_, keep_alive);
      send(answer, true);
      if (!keep_alive) state_ = State::kClosingAfterFlush;
    }
  } catch (const std::exception& e) {
    core_.host.error(std::string("closing a connection after an internal error: ") + e.what());
    refuse(500, "INTERNAL_ERROR",
           "The server failed while reading the request; retry it and report this to the "
           "operator if it persists.");
  }
  if (!account_buffered()) {
    refuse(503, "SERVER_BUSY",
           "The server holds as many unfinished requests as it may; retry in a moment.");
  }
  after_output(now);
}

bool Connection::account_buffered() {
  const std::size_t held = parser_.buffered_bytes();
  if (held <= budget_held_) {
    core_.buffered.give_back(budget_held_ - held);
    budget_held_ = held;
    return true;
  }
  if (!core_.buffered.try_take(held - budget_held_)) return false;
  budget_held_ = held;
  return true;
}

void Connection::refuse(uint16_t status, std::string_view code, std::string_view message) {
  if (state_ != State::kOpen) return;
  auto response = error_response(status, code, message);
  allow_origin(response, parser_.origin(), core_.options.cors_origins);
  send(encode_response(response, false, false), true);
  state_ = State::kClosingAfterFlush;
}

void Connection::send(std::string_view bytes, bool answer) {
  if (unsent() == 0) {
    out_.clear();
    out_pos_ = 0;
    std::size_t written = 0;
    while (written < bytes.size()) {
      ssize_t n =
          ::send(fd_, bytes.data() + written, bytes.size() - written, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        written += static_cast<std::size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        break;
      } else {
        // The client is gone: what it asked for cannot be delivered.
        state_ = State::kFinished;
        if (answer) core_.undelivered_answers.fetch_add(1, std::memory_order_relaxed);
        return;
      }
    }
    queued_total_ += bytes.size();
    written_total_ += written;
    if (written == bytes.size()) return;  // the usual case: out at once, nothing kept
    bytes.remove_prefix(written);
  } else {
    queued_total_ += bytes.size();
  }
  if (answer) {
    core_.drain.begin();
    answer_ends_.push_back(queued_total_);
  }
  out_.append(bytes);
}

void Connection::flush(Clock::time_point now) {
  const std::size_t before = unsent();
  while (unsent() > 0) {
    ssize_t n = ::send(fd_, out_.data() + out_pos_, unsent(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      out_pos_ += static_cast<std::size_t>(n);
      written_total_ += static_cast<uint64_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      state_ = State::kFinished;
      return;
    }
  }
  settle_written_answers();
  if (unsent() == 0) {
    out_.clear();
    out_pos_ = 0;
  } else if (out_pos_ > kCompactOutputAt && out_pos_ > out_.size() / 2) {
    out_.erase(0, out_pos_);
    out_pos_ = 0;
  }
  if (unsent() != before) wait_since_ = now;  // progress: the client is reading
}

void Connection::settle_written_answers() {
  while (!answer_ends_.empty() && answer_ends_.front() <= written_total_) {
    answer_ends_.pop_front();
    core_.drain.end();
  }
}

void Connection::after_output(Clock::time_point now) {
  if (state_ == State::kClosingAfterFlush && unsent() == 0) {
    if (input_ended_) {
      state_ = State::kFinished;
      return;
    }
    // Only the sending side is shut: unread input (e.g. the rest of an oversized body) would
    // otherwise turn the close into a reset that can destroy the answer before the client
    // reads it. The client's end-of-stream, or the linger limit, then closes the socket.
    ::shutdown(fd_, SHUT_WR);
    state_ = State::kLingering;
  }
  note_wait(now);
}

void Connection::on_writable(Clock::time_point now) {
  flush(now);
  if (state_ == State::kFinished) return;
  // Answers went out: requests held back while the client was not reading go on now.
  if (state_ == State::kOpen && unsent() < core_.options.max_unsent_bytes) {
    serve_buffered(now);
    return;
  }
  after_output(now);
}

void Connection::on_tick(Clock::time_point now) {
  if (state_ == State::kFinished || now < deadline()) return;
  if (wait_ == Wait::kHead || wait_ == Wait::kBody) {
    // One try to tell the client, without waiting for it to read.
    refuse(408, "REQUEST_TIMEOUT",
           wait_ == Wait::kHead
               ? "The request headers did not arrive in time; send the whole request at once."
               : "The request body did not arrive in time; send it without pauses.");
  }
  state_ = State::kFinished;
}

}  // namespace mt5b::transport_http
