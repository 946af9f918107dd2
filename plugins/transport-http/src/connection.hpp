// One client connection, driven by the worker that accepted it: reads, parses and answers its
// requests in order, queues what the socket does not take, and keeps its own deadlines.
//
// Every member runs on that worker's thread only. Limits (docs/configuration.md):
// - reading pauses while more than max_unsent_bytes of answers wait for the client, so a client
//   that pipelines requests and never reads the answers holds one answer's worth of memory;
// - request bytes held across all connections are capped (BufferBudget): past it the request is
//   answered 503 and the connection closed;
// - a request head must arrive within header_timeout, its body within body_timeout (else 408),
//   an idle keep-alive connection and a client that stops reading its answers are closed after
//   idle_timeout.
#ifndef MT5BRIDGE_TRANSPORT_HTTP_CONNECTION_HPP
#define MT5BRIDGE_TRANSPORT_HTTP_CONNECTION_HPP

#include "request_parser.hpp"
#include "server_core.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace mt5b::transport_http {

class Connection {
 public:
  using Clock = std::chrono::steady_clock;

  Connection(ServerCore& core, int fd, std::string ip, uint16_t port, Clock::time_point now);
  // Closes the socket; answers not fully written count as undelivered.
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd() const noexcept { return fd_; }

  // The socket is readable: reads once (so a worker's connections take turns) and answers.
  void on_readable(char* scratch, std::size_t scratch_size, Clock::time_point now);
  // The socket takes output again.
  void on_writable(Clock::time_point now);
  // Acts on a passed deadline.
  void on_tick(Clock::time_point now);

  bool finished() const noexcept { return state_ == State::kFinished; }
  // EPOLLIN / EPOLLOUT as the connection needs them now.
  uint32_t wanted_events() const noexcept;
  Clock::time_point deadline() const noexcept { return wait_since_ + wait_limit(); }

 private:
  enum class State {
    kOpen,               // reading and answering
    kClosingAfterFlush,  // an answer that ends the connection is queued; input is ignored
    kLingering,          // answer out and sending side shut; input is read and dropped
    kFinished,           // the worker closes it
  };
  // What the connection waits for, which decides its deadline.
  enum class Wait { kIdle, kHead, kBody, kOutput, kLinger };

  void serve_buffered(Clock::time_point now);
  // Queues `bytes` after what is queued already and writes what the socket takes now.
  // `answer` counts it for the server's AnswerDrain until its last byte is written.
  void send(std::string_view bytes, bool answer);
  void flush(Clock::time_point now);
  // Queues a final error answer and closes the connection once it is written.
  void refuse(uint16_t status, std::string_view code, std::string_view message);
  void after_output(Clock::time_point now);
  void settle_written_answers();
  // Keeps the BufferBudget in step with what the parser holds; false when it is exhausted.
  bool account_buffered();
  void note_wait(Clock::time_point now);
  std::chrono::milliseconds wait_limit() const noexcept;
  std::size_t unsent() const noexcept { return out_.size() - out_pos_; }

  ServerCore& core_;
  const int fd_;
  const std::string ip_;
  const uint16_t port_;
  RequestParser parser_;
  State state_ = State::kOpen;
  bool input_ended_ = false;  // the client shut its sending side

  std::string out_;  // bytes not yet written start at out_pos_
  std::size_t out_pos_ = 0;
  uint64_t queued_total_ = 0;         // bytes ever queued on this connection
  uint64_t written_total_ = 0;        // bytes ever written
  std::deque<uint64_t> answer_ends_;  // queued_total_ after each answer not fully written yet

  std::size_t budget_held_ = 0;    // bytes of the BufferBudget this connection holds
  uint64_t requests_started_ = 0;  // requests completed, so a new one restarts its clock
  uint64_t requests_seen_ = 0;     // requests_started_ at the last note_wait
  Wait wait_ = Wait::kIdle;
  Clock::time_point wait_since_;
};

}  // namespace mt5b::transport_http

#endif  // MT5BRIDGE_TRANSPORT_HTTP_CONNECTION_HPP
