// One connection to a gateway: TCP, optionally TLS, carrying newline-terminated lines
// (docs/mt5-gateway-protocol.md "Transport"). Every operation has a deadline.
//
// TLS runs over memory BIOs and the plugin does the socket I/O itself with send(MSG_NOSIGNAL):
// OpenSSL's socket BIO writes with write(), which raises SIGPIPE on a dropped connection and
// would kill a host that does not ignore it.
#ifndef MT5B_BROKER_MT5_LINE_CONNECTION_HPP
#define MT5B_BROKER_MT5_LINE_CONNECTION_HPP

#include "pool_settings.hpp"

#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mt5b::broker_mt5 {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

// A failure below the RPC level; the connection is unusable afterwards.
class TransportError : public std::runtime_error {
 public:
  enum class Reason {
    kNetwork,      // refused, reset, closed, unreachable, malformed framing
    kDeadline,     // no progress before the deadline
    kCertificate,  // the gateway's certificate failed verification or the pin
  };
  TransportError(Reason reason, const std::string& message)
      : std::runtime_error(message), reason_(reason) {}
  Reason reason() const noexcept { return reason_; }

 private:
  Reason reason_;
};

// The TLS client settings of one terminal, loaded once (the CA file is read here).
class TlsClientContext {
 public:
  // Throws sdk::Error(MT5B_INVALID_ARGUMENT) when ca_file cannot be loaded.
  explicit TlsClientContext(const TerminalSettings& terminal);
  SSL_CTX* get() const noexcept { return ctx_.get(); }

 private:
  struct Free {
    void operator()(SSL_CTX* ctx) const noexcept { SSL_CTX_free(ctx); }
  };
  std::unique_ptr<SSL_CTX, Free> ctx_;
};

// The longest line either side may send (the protocol's limit).
inline constexpr size_t kMaxLineBytes = 16u * 1024u * 1024u;

class LineConnection {
 public:
  // Connects, and with TLS shakes hands and checks the certificate. `tls` is null for a
  // plaintext terminal. Throws TransportError.
  static std::unique_ptr<LineConnection> open(const TerminalSettings& terminal,
                                              const TlsClientContext* tls, Deadline deadline);
  // Plaintext lines over a socket that is already connected (tests and fuzzing); takes `fd`.
  static std::unique_ptr<LineConnection> adopt(int fd, std::string peer) {
    return std::unique_ptr<LineConnection>(new LineConnection(fd, std::move(peer)));
  }
  ~LineConnection();
  LineConnection(const LineConnection&) = delete;
  LineConnection& operator=(const LineConnection&) = delete;

  // Sends `line` and a '\n'. Throws TransportError.
  void write_line(std::string_view line, Deadline deadline);
  // The next line without its '\n'. Throws TransportError.
  std::string read_line(Deadline deadline);

 private:
  LineConnection(int fd, std::string peer) : fd_(fd), peer_(std::move(peer)) {}
  void handshake(const TerminalSettings& terminal, const TlsClientContext& tls, Deadline deadline);
  void check_pin(const TerminalSettings& terminal);
  template <class Op>
  int tls_op(Op&& op, Deadline deadline, const char* what);
  void flush_tls_output(Deadline deadline);
  void send_all(const char* data, size_t size, Deadline deadline);
  size_t receive_some(char* buffer, size_t size, Deadline deadline);
  void wait_for(short events, Deadline deadline);

  struct FreeSsl {
    void operator()(SSL* ssl) const noexcept { SSL_free(ssl); }
  };
  int fd_ = -1;
  std::string peer_;  // "name (host:port)" for messages
  std::unique_ptr<SSL, FreeSsl> ssl_;
  BIO* network_in_ = nullptr;   // bytes received from the socket, owned by ssl_
  BIO* network_out_ = nullptr;  // bytes to send to the socket, owned by ssl_
  std::string inbox_;           // received (decrypted) bytes not yet returned as lines
};

}  // namespace mt5b::broker_mt5

#endif  // MT5B_BROKER_MT5_LINE_CONNECTION_HPP
