#include "connection_handler.hpp"

#include <pistache/async.h>
#include <pistache/stream.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <utility>
#include <vector>

namespace mt5b::transport_http {
namespace {

constexpr const char* kConnectionKey = "mt5b.transport-http.connection";

struct PeerAddress {
  std::string ip;
  uint16_t port = 0;
};

PeerAddress peer_address(int fd) {
  PeerAddress out;
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return out;
  char text[INET6_ADDRSTRLEN] = {};
  if (storage.ss_family == AF_INET) {
    const auto& in4 = reinterpret_cast<const sockaddr_in&>(storage);
    ::inet_ntop(AF_INET, &in4.sin_addr, text, sizeof(text));
    out.port = ntohs(in4.sin_port);
  } else if (storage.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(storage);
    // An IPv4 client of a dual-stack socket is reported as plain IPv4, as the host expects.
    if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) {
      ::inet_ntop(AF_INET, &in6.sin6_addr.s6_addr[12], text, sizeof(text));
    } else {
      ::inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof(text));
    }
    out.port = ntohs(in6.sin6_port);
  }
  out.ip = text;
  return out;
}

OwnedResponse shutting_down() {
  return error_response(503, "UNAVAILABLE",
                        "The server is shutting down; retry the request in a moment.");
}

}  // namespace

struct ConnectionHandler::Connection {
  explicit Connection(ParserLimits limits) : parser(limits) {}

  RequestParser parser;
  PeerAddress client;
  // Set once an answer that ends the connection is queued: later input is dropped.
  bool closing = false;
  // Answers queued but not written yet, each holding one count of the server's AnswerDrain.
  // Pistache never completes a write whose client has gone, so the counts of a connection are
  // settled when it disconnects.
  int answers_unwritten = 0;
  // Writes (answers and interim answers) handed to Pistache's queue and not completed. While
  // any is, later bytes must queue behind it rather than be written directly.
  int writes_queued = 0;
  // Answers go through Pistache's queue for this turn (see onInput).
  bool yield_turn = false;
  // Final answers handed out so far, so a turn can tell whether it answered anything.
  int answers_sent = 0;
};

// One answer counted by the server's AnswerDrain from the moment its request is complete until
// Pistache has written it; ends by itself if the answer is never queued.
class ConnectionHandler::DrainTicket {
 public:
  explicit DrainTicket(AnswerDrain& drain) : drain_(&drain) { drain.begin(); }
  DrainTicket(DrainTicket&& other) noexcept : drain_(std::exchange(other.drain_, nullptr)) {}
  DrainTicket& operator=(DrainTicket&&) = delete;
  ~DrainTicket() {
    if (drain_ != nullptr) drain_->end();
  }
  void hand_over() noexcept { drain_ = nullptr; }

 private:
  AnswerDrain* drain_;
};

ConnectionHandler::ConnectionHandler(std::shared_ptr<ServerCore> core) : core_(std::move(core)) {}

void ConnectionHandler::onConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  ParserLimits limits;
  limits.max_body_bytes = core_->options.max_body_bytes;
  auto connection = std::make_shared<Connection>(limits);
  connection->client = peer_address(peer->fd());
  // Each answer leaves in one write; Nagle's algorithm could only hold it back behind the
  // previous one's ACK. (Linux copies the listener's TCP_NODELAY, but this does not rely on it.)
  const int on = 1;
  ::setsockopt(peer->fd(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  peer->putData(kConnectionKey, connection);
  core_->connections.add(peer->fd());
  ++open_connections_;
}

void ConnectionHandler::onDisconnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  if (auto connection = std::static_pointer_cast<Connection>(peer->tryGetData(kConnectionKey))) {
    for (; connection->answers_unwritten > 0; --connection->answers_unwritten) core_->drain.end();
  }
  // Pistache closes the socket right after this call.
  core_->connections.remove(peer->fd());
  --open_connections_;
}

void ConnectionHandler::onInput(const char* buffer, size_t length,
                                const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  auto connection = std::static_pointer_cast<Connection>(peer->tryGetData(kConnectionKey));
  if (!connection || connection->closing) return;
  try {
    connection->parser.append(std::string_view(buffer, length));
  } catch (const std::exception& e) {
    fail_connection(connection, peer, e);
    return;
  }
  // Pistache reads a connection until the socket runs dry, and answers leave at once: a client
  // that replies to its answer within that time (wrk does) would be served again and again
  // while this worker's other ready connections wait, which shows as a long latency tail. So
  // input that follows straight on this connection's own answer is answered through Pistache's
  // write queue, which sends on the next turn of the event loop: the socket then runs dry, and
  // the worker moves on to the other connections first.
  // With no other connection on this worker there is nobody to yield to.
  connection->yield_turn = open_connections_ > 1 && connection.get() == last_answered_;
  serve_input(connection, peer);
  connection->yield_turn = false;
}

void ConnectionHandler::serve_input(const std::shared_ptr<Connection>& connection,
                                    const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  const int answered_before = connection->answers_sent;
  // Nothing may escape into Pistache's reactor loop: it would end the worker thread.
  try {
    handle_input(connection, peer);
  } catch (const std::exception& e) {
    fail_connection(connection, peer, e);
  }
  last_answered_ = connection->answers_sent != answered_before ? connection.get() : nullptr;
}

void ConnectionHandler::fail_connection(const std::shared_ptr<Connection>& connection,
                                        const std::shared_ptr<Pistache::Tcp::Peer>& peer,
                                        const std::exception& e) {
  core_->host.error(std::string("dropped a connection after an internal error: ") + e.what());
  connection->closing = true;
  send_answer(peer, connection,
              encode_response(error_response(500, "INTERNAL_ERROR",
                                             "The server failed while reading the request; "
                                             "retry it and report this to the operator if it "
                                             "persists."),
                              false, false),
              true, DrainTicket(core_->drain));
}

void ConnectionHandler::handle_input(const std::shared_ptr<Connection>& connection,
                                     const std::shared_ptr<Pistache::Tcp::Peer>& peer) {
  // Several requests may already be buffered (pipelining): answer them in order.
  for (;;) {
    switch (connection->parser.advance()) {
      case RequestParser::Progress::kNeedMore:
        if (connection->parser.take_continue_due())
          send_interim(peer, connection, continue_response());
        return;
      case RequestParser::Progress::kFailed: {
        DrainTicket ticket(core_->drain);
        const auto& error = connection->parser.error();
        connection->closing = true;
        send_answer(peer, connection,
                    encode_response(error_response(error.status, error.error_code, error.message),
                                    false, false),
                    true, std::move(ticket));
        return;
      }
      case RequestParser::Progress::kRequestReady: {
        DrainTicket ticket(core_->drain);
        ParsedRequest request = connection->parser.take_request();
        bool keep_alive = request.keep_alive;
        std::string answer = serve(request, *connection, keep_alive);
        send_answer(peer, connection, std::move(answer), !keep_alive, std::move(ticket));
        if (!keep_alive) {
          connection->closing = true;
          return;
        }
        break;
      }
    }
  }
}

std::string ConnectionHandler::serve(const ParsedRequest& request, const Connection& connection,
                                     bool& keep_alive) {
  const bool head_request = request.method == "HEAD";
  // Once stopping is set the registry closes too; a request that slips past this check is
  // answered if the host answers during dispatch, and is cancelled otherwise.
  if (core_->stopping.load()) {
    keep_alive = false;
    return encode_response(shutting_down(), head_request, keep_alive);
  }
  auto exchange =
      std::make_shared<Exchange>(core_->pending, Framing{head_request, request.keep_alive});

  // Requests carry a handful of headers: their views live on the stack, not the heap.
  std::array<mt5b_header, 32> few;
  std::vector<mt5b_header> many;
  mt5b_header* headers = few.data();
  if (request.headers.size() > few.size()) {
    many.resize(request.headers.size());
    headers = many.data();
  }
  for (std::size_t i = 0; i < request.headers.size(); ++i)
    headers[i] = mt5b_header{sdk::str(request.headers[i].name), sdk::str(request.headers[i].value)};
  auto abi_request = sdk::make<mt5b_http_request>();
  abi_request.client_port = connection.client.port;
  abi_request.method = sdk::str(request.method);
  abi_request.path = sdk::str(request.path);
  abi_request.query = sdk::str(request.query);
  abi_request.headers = headers;
  abi_request.header_count = static_cast<uint32_t>(request.headers.size());
  abi_request.body = sdk::str(request.body);
  abi_request.client_ip = sdk::str(connection.client.ip);

  const auto timeout = core_->options.request_timeout;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  core_->dispatcher.callback_dispatch(core_->dispatcher.host_ctx, &abi_request,
                                      exchange->responder());
  // The host usually answers during callback_dispatch: then nothing waits or registers.
  if (!exchange->answered_or_registered()) {
    switch (exchange->wait_until(deadline)) {
      case Exchange::Outcome::kAnswered: break;
      case Exchange::Outcome::kCancelled:
        keep_alive = false;
        return encode_response(shutting_down(), head_request, keep_alive);
      case Exchange::Outcome::kTimedOut:
        core_->host.warn(request.method + " " + request.path + " got no answer within " +
                         std::to_string(timeout.count()) + " ms; answered 504");
        return encode_response(
            error_response(504, "TIMEOUT",
                           "The server did not answer within " + std::to_string(timeout.count()) +
                               " ms; try again later."),
            head_request, keep_alive);
    }
  }
  return exchange->take_bytes();
}

std::size_t ConnectionHandler::write_now(const std::shared_ptr<Pistache::Tcp::Peer>& peer,
                                         const Connection& connection, std::string_view bytes) {
  // Pistache queues every write for its event loop: an eventfd wake-up and three epoll_ctl
  // calls per answer. Answers are small and the socket is almost always writable, so they are
  // written here at once; only what the socket does not take goes through Pistache's queue, and
  // once anything is queued, later bytes queue behind it so the order on the wire holds. This
  // runs on the connection's worker, the thread that also completes Pistache's writes.
  if (connection.writes_queued > 0 || connection.yield_turn) return 0;
  std::size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::send(peer->fd(), bytes.data() + written, bytes.size() - written,
                       MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      written += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;  // the rest goes through Pistache, which waits for the socket to drain
    } else {
      return kConnectionBroken;
    }
  }
  return written;
}

void ConnectionHandler::send_answer(const std::shared_ptr<Pistache::Tcp::Peer>& peer,
                                    const std::shared_ptr<Connection>& connection,
                                    std::string bytes, bool close_after, DrainTicket ticket) {
  ++connection->answers_sent;
  const std::size_t written = write_now(peer, *connection, bytes);
  if (written == kConnectionBroken) return;  // the client is gone; Pistache reaps it on read
  if (written == bytes.size()) {
    // Only the sending side is shut: unread input (e.g. the rest of an oversized body) would
    // otherwise turn the close into a reset that can destroy the answer before the client reads
    // it. Pistache closes the socket when the client then hangs up.
    if (close_after) ::shutdown(peer->fd(), SHUT_WR);
    return;  // the ticket ends here: the answer is out
  }
  bytes.erase(0, written);
  const auto size = bytes.size();
  // A std::string buffer: Pistache's char-array overloads would send the terminating NUL too.
  auto queued = peer->send(Pistache::RawBuffer(std::move(bytes), size));
  ticket.hand_over();
  ++connection->answers_unwritten;
  ++connection->writes_queued;
  // The continuations run on this worker once the bytes are out (or failed), while the peer is
  // still registered, so its fd is still this connection's.
  auto settle = [core = core_, connection] {
    --connection->writes_queued;
    if (connection->answers_unwritten == 0) return;  // already settled by onDisconnection
    --connection->answers_unwritten;
    core->drain.end();
  };
  std::weak_ptr<Pistache::Tcp::Peer> weak_peer = peer;
  queued.then(
      [weak_peer, close_after, settle](ssize_t) {
        if (auto alive = weak_peer.lock(); alive && close_after) ::shutdown(alive->fd(), SHUT_WR);
        settle();
      },
      [settle](std::exception_ptr) { settle(); });
}

void ConnectionHandler::send_interim(const std::shared_ptr<Pistache::Tcp::Peer>& peer,
                                     const std::shared_ptr<Connection>& connection,
                                     std::string_view bytes) {
  const std::size_t written = write_now(peer, *connection, bytes);
  if (written == kConnectionBroken || written == bytes.size()) return;
  std::string rest(bytes.substr(written));
  const auto size = rest.size();
  ++connection->writes_queued;
  auto done = [connection] { --connection->writes_queued; };
  peer->send(Pistache::RawBuffer(std::move(rest), size))
      .then([done](ssize_t) { done(); }, [done](std::exception_ptr) { done(); });
}

}  // namespace mt5b::transport_http
