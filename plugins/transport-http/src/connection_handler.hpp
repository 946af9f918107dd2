// The Pistache TCP handler: one clone per worker thread, one parser per connection.
//
// Pistache's HTTP layer is not used (see request_parser.hpp), which also sidesteps its
// `Connection: Close` on every HTTP/1.1 response: keep-alive is decided here from the request.
#ifndef MT5BRIDGE_TRANSPORT_HTTP_CONNECTION_HANDLER_HPP
#define MT5BRIDGE_TRANSPORT_HTTP_CONNECTION_HANDLER_HPP

#include "request_parser.hpp"
#include "response_encoder.hpp"
#include "server_core.hpp"

#include <pistache/peer.h>
#include <pistache/tcp.h>

#include <cstddef>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

namespace mt5b::transport_http {

class ConnectionHandler final : public Pistache::Tcp::Handler {
 public:
  PROTOTYPE_OF(Pistache::Tcp::Handler, ConnectionHandler)

 public:
  explicit ConnectionHandler(std::shared_ptr<ServerCore> core);

  void onConnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override;
  void onInput(const char* buffer, size_t length,
               const std::shared_ptr<Pistache::Tcp::Peer>& peer) override;
  void onDisconnection(const std::shared_ptr<Pistache::Tcp::Peer>& peer) override;

 private:
  struct Connection;
  class DrainTicket;

  // Answers what the connection's buffer holds, and notes whether that answered anything.
  void serve_input(const std::shared_ptr<Connection>& connection,
                   const std::shared_ptr<Pistache::Tcp::Peer>& peer);
  void handle_input(const std::shared_ptr<Connection>& connection,
                    const std::shared_ptr<Pistache::Tcp::Peer>& peer);
  // Answers 500 and closes after an internal error while serving the connection.
  void fail_connection(const std::shared_ptr<Connection>& connection,
                       const std::shared_ptr<Pistache::Tcp::Peer>& peer, const std::exception& e);
  // Hands one request to the host and returns the bytes of its answer, or of the transport's
  // own error answer. Clears `keep_alive` when the connection must close after this answer.
  std::string serve(const ParsedRequest& request, const Connection& connection, bool& keep_alive);
  // Queues a final answer. With `close_after`, half-closes the connection once the bytes are
  // written, so the client reads the whole answer and then end-of-stream. The ticket ends when
  // Pistache has written the bytes or the connection is gone.
  void send_answer(const std::shared_ptr<Pistache::Tcp::Peer>& peer,
                   const std::shared_ptr<Connection>& connection, std::string bytes,
                   bool close_after, DrainTicket ticket);
  // Sends an interim answer (100 Continue); it holds no drain count.
  static void send_interim(const std::shared_ptr<Pistache::Tcp::Peer>& peer,
                           const std::shared_ptr<Connection>& connection, std::string_view bytes);
  // Writes what the socket takes now, unless earlier bytes still wait in Pistache's queue.
  // Returns the bytes written (0 .. size), or kConnectionBroken when the socket failed.
  static std::size_t write_now(const std::shared_ptr<Pistache::Tcp::Peer>& peer,
                               const Connection& connection, std::string_view bytes);
  static constexpr std::size_t kConnectionBroken = static_cast<std::size_t>(-1);

  std::shared_ptr<ServerCore> core_;
  // For fairness between a worker's connections (see onInput). Each worker has its own clone of
  // the handler, and Pistache calls it on that worker's thread only.
  const Connection* last_answered_ = nullptr;  // the connection the latest onInput answered
  int open_connections_ = 0;
};

}  // namespace mt5b::transport_http

#endif  // MT5BRIDGE_TRANSPORT_HTTP_CONNECTION_HANDLER_HPP
