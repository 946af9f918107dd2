#include "line_connection.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace mt5b::broker_mt5 {

namespace {

using Reason = TransportError::Reason;

std::string openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    std::array<char, 256> text{};
    ERR_error_string_n(e, text.data(), text.size());
    out += (out.empty() ? "" : "; ") + std::string(text.data());
  }
  return out.empty() ? "unknown TLS error" : out;
}

bool is_ip_literal(const std::string& host) {
  in6_addr v6{};
  in_addr v4{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 || inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

int remaining_ms(Deadline deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 24 * 3600 * 1000));
}

// Connects one address without blocking past the deadline; returns the socket or -1 with errno.
int connect_address(const addrinfo& ai, Deadline deadline) {
  int fd = ::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, ai.ai_addr, ai.ai_addrlen) == 0) return fd;
  if (errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int n = ::poll(&p, 1, remaining_ms(deadline));
    int err = 0;
    socklen_t len = sizeof err;
    if (n == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) return fd;
    errno = n == 0 ? ETIMEDOUT : (err != 0 ? err : errno);
  }
  int saved = errno;
  ::close(fd);
  errno = saved;
  return -1;
}

}  // namespace

TlsClientContext::TlsClientContext(const TerminalSettings& terminal)
    : ctx_(SSL_CTX_new(TLS_client_method())) {
  if (!ctx_) throw sdk::Error(MT5B_FAILED, "cannot create a TLS context: " + openssl_errors());
  SSL_CTX_set_min_proto_version(ctx_.get(), TLS1_2_VERSION);
  if (!terminal.ca_file.empty() &&
      SSL_CTX_load_verify_locations(ctx_.get(), terminal.ca_file.c_str(), nullptr) != 1)
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "terminal '" + terminal.name + "': ca_file '" + terminal.ca_file +
                         "' cannot be loaded as PEM certificates (" + openssl_errors() +
                         "); check the path and the file");
  if (!terminal.client_cert_file.empty() &&
      (SSL_CTX_use_certificate_chain_file(ctx_.get(), terminal.client_cert_file.c_str()) != 1 ||
       SSL_CTX_use_PrivateKey_file(ctx_.get(), terminal.client_key_file.c_str(),
                                   SSL_FILETYPE_PEM) != 1 ||
       SSL_CTX_check_private_key(ctx_.get()) != 1))
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "terminal '" + terminal.name + "': client_cert_file '" +
                         terminal.client_cert_file + "' with client_key_file '" +
                         terminal.client_key_file + "' cannot be loaded (" + openssl_errors() +
                         "); check both are PEM files and the key belongs to the certificate");
}

std::unique_ptr<LineConnection> LineConnection::open(const TerminalSettings& terminal,
                                                     const TlsClientContext* tls,
                                                     Deadline deadline) {
  auto peer = "gateway '" + terminal.name + "' (" + terminal.endpoint() + ")";
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  auto port = std::to_string(terminal.port);
  int rc = ::getaddrinfo(terminal.host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0)
    throw TransportError(Reason::kNetwork, "cannot resolve " + peer + ": " + gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);
  int fd = -1;
  int last_errno = 0;
  for (const addrinfo* ai = found; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = connect_address(*ai, deadline);
    if (fd < 0) last_errno = errno;
  }
  if (fd < 0) {
    if (last_errno == ETIMEDOUT)
      throw TransportError(Reason::kDeadline, "connecting to " + peer + " timed out");
    throw TransportError(Reason::kNetwork,
                         "cannot connect to " + peer + ": " + std::strerror(last_errno));
  }
  std::unique_ptr<LineConnection> connection(new LineConnection(fd, peer));
  if (tls != nullptr) connection->handshake(terminal, *tls, deadline);
  return connection;
}

LineConnection::~LineConnection() {
  ssl_.reset();
  if (fd_ >= 0) ::close(fd_);
}

void LineConnection::handshake(const TerminalSettings& terminal, const TlsClientContext& tls,
                               Deadline deadline) {
  ssl_.reset(SSL_new(tls.get()));
  if (!ssl_) throw TransportError(Reason::kNetwork, "cannot start TLS: " + openssl_errors());
  network_in_ = BIO_new(BIO_s_mem());
  network_out_ = BIO_new(BIO_s_mem());
  if (network_in_ == nullptr || network_out_ == nullptr) {
    BIO_free(network_in_);
    BIO_free(network_out_);
    throw TransportError(Reason::kNetwork, "cannot start TLS: out of memory");
  }
  SSL_set_bio(ssl_.get(), network_in_, network_out_);  // ssl_ owns both from here
  SSL_set_connect_state(ssl_.get());
  bool ip = is_ip_literal(terminal.host);
  if (!ip) SSL_set_tlsext_host_name(ssl_.get(), terminal.host.c_str());
  if (!terminal.ca_file.empty()) {
    // The chain must lead to the configured CA and the certificate must name the host.
    SSL_set_verify(ssl_.get(), SSL_VERIFY_PEER, nullptr);
    auto* param = SSL_get0_param(ssl_.get());
    if (ip)
      X509_VERIFY_PARAM_set1_ip_asc(param, terminal.host.c_str());
    else
      X509_VERIFY_PARAM_set1_host(param, terminal.host.c_str(), terminal.host.size());
  } else {
    // Pinned only: the chain is not checked, the fingerprint is (check_pin).
    SSL_set_verify(ssl_.get(), SSL_VERIFY_NONE, nullptr);
  }
  try {
    tls_op([&] { return SSL_do_handshake(ssl_.get()); }, deadline, "TLS handshake");
  } catch (const TransportError& e) {
    long verify = SSL_get_verify_result(ssl_.get());
    if (!terminal.ca_file.empty() && verify != X509_V_OK)
      throw TransportError(Reason::kCertificate,
                           "the certificate of " + peer_ + " failed verification (" +
                               X509_verify_cert_error_string(verify) +
                               "); check ca_file and that the certificate names '" + terminal.host +
                               "'");
    throw;
  }
  if (!terminal.fingerprint_sha256.empty()) check_pin(terminal);
}

void LineConnection::check_pin(const TerminalSettings& terminal) {
  std::unique_ptr<X509, decltype(&X509_free)> cert(SSL_get1_peer_certificate(ssl_.get()),
                                                   &X509_free);
  if (!cert) throw TransportError(Reason::kCertificate, peer_ + " sent no certificate");
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (X509_digest(cert.get(), EVP_sha256(), digest.data(), &size) != 1)
    throw TransportError(Reason::kCertificate, "cannot hash the certificate of " + peer_);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  if (hex != terminal.fingerprint_sha256)
    throw TransportError(Reason::kCertificate,
                         "the certificate of " + peer_ + " has SHA-256 fingerprint " + hex +
                             ", not the pinned " + terminal.fingerprint_sha256 +
                             "; check fingerprint_sha256 or the gateway's certificate");
}

// Runs one OpenSSL call to completion over the memory BIOs, moving bytes between them and the
// socket until it succeeds, fails, or the deadline passes.
template <class Op>
int LineConnection::tls_op(Op&& op, Deadline deadline, const char* what) {
  std::array<char, 64 * 1024> buffer{};
  for (;;) {
    ERR_clear_error();
    int rc = op();
    int err = rc > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl_.get(), rc);
    flush_tls_output(deadline);
    switch (err) {
      case SSL_ERROR_NONE: return rc;
      case SSL_ERROR_WANT_WRITE: continue;  // the output was just flushed
      case SSL_ERROR_WANT_READ: {
        size_t n = receive_some(buffer.data(), buffer.size(), deadline);
        BIO_write(network_in_, buffer.data(), static_cast<int>(n));
        continue;
      }
      case SSL_ERROR_ZERO_RETURN:
        throw TransportError(Reason::kNetwork, peer_ + " closed the TLS connection");
      default:
        throw TransportError(Reason::kNetwork,
                             std::string(what) + " with " + peer_ + " failed: " + openssl_errors());
    }
  }
}

void LineConnection::flush_tls_output(Deadline deadline) {
  std::array<char, 64 * 1024> buffer{};
  while (BIO_ctrl_pending(network_out_) > 0) {
    int n = BIO_read(network_out_, buffer.data(), static_cast<int>(buffer.size()));
    if (n <= 0) break;
    send_all(buffer.data(), static_cast<size_t>(n), deadline);
  }
}

void LineConnection::wait_for(short events, Deadline deadline) {
  for (;;) {
    pollfd p{fd_, events, 0};
    int n = ::poll(&p, 1, remaining_ms(deadline));
    if (n > 0) return;
    if (n == 0) throw TransportError(Reason::kDeadline, peer_ + " did not answer in time");
    if (errno != EINTR)
      throw TransportError(Reason::kNetwork, "waiting for " + peer_ + ": " + std::strerror(errno));
  }
}

void LineConnection::send_all(const char* data, size_t size, Deadline deadline) {
  while (size > 0) {
    ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
    if (n > 0) {
      data += n;
      size -= static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      wait_for(POLLOUT, deadline);
    } else if (n < 0 && errno != EINTR) {
      throw TransportError(Reason::kNetwork,
                           "sending to " + peer_ + " failed: " + std::strerror(errno));
    }
  }
}

size_t LineConnection::receive_some(char* buffer, size_t size, Deadline deadline) {
  for (;;) {
    ssize_t n = ::recv(fd_, buffer, size, 0);
    if (n > 0) return static_cast<size_t>(n);
    if (n == 0) throw TransportError(Reason::kNetwork, peer_ + " closed the connection");
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      wait_for(POLLIN, deadline);
    else if (errno != EINTR)
      throw TransportError(Reason::kNetwork,
                           "receiving from " + peer_ + " failed: " + std::strerror(errno));
  }
}

void LineConnection::write_line(std::string_view line, Deadline deadline) {
  std::string framed;
  framed.reserve(line.size() + 1);
  framed.append(line).push_back('\n');
  // The line may carry a password (login): wipe this copy however the write ends.
  struct Wipe {
    std::string& text;
    ~Wipe() { OPENSSL_cleanse(text.data(), text.size()); }
  } wipe{framed};
  if (!ssl_) {
    send_all(framed.data(), framed.size(), deadline);
    return;
  }
  size_t done = 0;
  while (done < framed.size()) {
    auto chunk = static_cast<int>(std::min<size_t>(framed.size() - done, 1 << 20));
    done += static_cast<size_t>(tls_op(
        [&] { return SSL_write(ssl_.get(), framed.data() + done, chunk); }, deadline, "sending"));
  }
}

std::string LineConnection::read_line(Deadline deadline) {
  std::array<char, 64 * 1024> buffer{};
  size_t scanned = 0;
  for (;;) {
    auto newline = inbox_.find('\n', scanned);
    if (newline != std::string::npos) {
      if (newline > kMaxLineBytes)
        throw TransportError(Reason::kNetwork, peer_ + " sent a line longer than 16 MiB");
      std::string line = inbox_.substr(0, newline);
      inbox_.erase(0, newline + 1);
      return line;
    }
    scanned = inbox_.size();
    if (inbox_.size() > kMaxLineBytes)
      throw TransportError(Reason::kNetwork, peer_ + " sent a line longer than 16 MiB");
    size_t n =
        ssl_ ? static_cast<size_t>(tls_op(
                   [&] {
                     return SSL_read(ssl_.get(), buffer.data(), static_cast<int>(buffer.size()));
                   },
                   deadline, "receiving"))
             : receive_some(buffer.data(), buffer.size(), deadline);
    inbox_.append(buffer.data(), n);
  }
}

}  // namespace mt5b::broker_mt5
