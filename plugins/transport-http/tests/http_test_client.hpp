// A raw-socket HTTP/1.1 client over 127.0.0.1, so tests see exactly the bytes the transport
// sends (framing, Connection headers, end of stream) with no client library in between.
#ifndef MT5BRIDGE_TRANSPORT_HTTP_TESTS_HTTP_TEST_CLIENT_HPP
#define MT5BRIDGE_TRANSPORT_HTTP_TESTS_HTTP_TEST_CLIENT_HPP

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mt5b::transport_http::testing {

inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// A port nobody listens on right now: bind port 0, read what the kernel chose, close.
inline uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind a probe socket");
  }
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  bool has_header(std::string_view name) const {
    return std::any_of(headers.begin(), headers.end(),
                       [&](const auto& h) { return iequals(h.first, name); });
  }
  std::string header(std::string_view name) const {
    for (const auto& [key, value] : headers)
      if (iequals(key, name)) return value;
    return {};
  }
};

class RawHttpClient {
 public:
  explicit RawHttpClient(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    timeval timeout{5, 0};  // a hung server fails the test instead of hanging it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      ::close(fd_);
      throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
    }
  }
  ~RawHttpClient() { ::close(fd_); }
  RawHttpClient(const RawHttpClient&) = delete;
  RawHttpClient& operator=(const RawHttpClient&) = delete;

  uint16_t local_port() const {
    sockaddr_in address{};
    socklen_t length = sizeof(address);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    return ntohs(address.sin_port);
  }

  void send(std::string_view bytes) {
    while (!bytes.empty()) {
      auto sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) throw std::runtime_error("send failed");
      bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
  }

  // Reads one response framed by Content-Length (none for HEAD, 1xx, 204 and 304).
  HttpResponse read_response(bool head_request = false) {
    std::size_t head_end;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) receive_more();
    HttpResponse response;
    std::string_view head(buffer_.data(), head_end);
    auto line_end = head.find("\r\n");
    auto status_line = head.substr(0, line_end);
    if (status_line.substr(0, 9) != "HTTP/1.1 ") throw std::runtime_error("bad status line");
    response.status = std::stoi(std::string(status_line.substr(9, 3)));
    while (line_end != std::string_view::npos) {
      head.remove_prefix(line_end + 2);
      line_end = head.find("\r\n");
      auto line = head.substr(0, line_end);
      auto colon = line.find(':');
      std::string value(line.substr(colon + 1));
      value.erase(0, value.find_first_not_of(' '));
      response.headers.emplace_back(std::string(line.substr(0, colon)), value);
    }
    buffer_.erase(0, head_end + 4);
    bool has_body =
        !head_request && response.status >= 200 && response.status != 204 && response.status != 304;
    if (has_body) {
      auto length = static_cast<std::size_t>(std::stoull(response.header("Content-Length")));
      while (buffer_.size() < length) receive_more();
      response.body = buffer_.substr(0, length);
      buffer_.erase(0, length);
    }
    return response;
  }

  // True when the server ends the stream (after any unread bytes) within the timeout.
  bool server_closed() {
    char chunk[4096];
    for (;;) {
      auto received = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (received == 0) return true;
      if (received < 0) return false;
    }
  }

 private:
  void receive_more() {
    char chunk[65536];
    auto received = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (received == 0) throw std::runtime_error("server closed the connection");
    if (received < 0) throw std::runtime_error("no response within 5 s");
    buffer_.append(chunk, static_cast<std::size_t>(received));
  }

  int fd_;
  std::string buffer_;
};

}  // namespace mt5b::transport_http::testing

#endif  // MT5BRIDGE_TRANSPORT_HTTP_TESTS_HTTP_TEST_CLIENT_HPP
