// transport-http: accepts HTTP/1.1 requests and hands each one to the host's dispatcher. It
// holds no product rule: routing, auth and JSON are the host's. Its own epoll workers
// (worker.hpp) enforce the resource limits of TransportOptions.
#ifndef MT5BRIDGE_TRANSPORT_HTTP_HTTP_TRANSPORT_HPP
#define MT5BRIDGE_TRANSPORT_HTTP_HTTP_TRANSPORT_HPP

#include "server_core.hpp"
#include "transport_options.hpp"
#include "worker.hpp"

#include <mt5bridge/sdk.hpp>

#include <memory>
#include <mutex>
#include <span>
#include <vector>

namespace mt5b::transport_http {

class HttpTransport final : public sdk::TransportPlugin {
 public:
  static constexpr const char* kName = "transport-http";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr const char* kDescription =
      "Serves the host's HTTP API over HTTP/1.1 with keep-alive and resource limits.";

  static std::span<const mt5b_option> options();

  HttpTransport(sdk::Host host, const sdk::Config& config);
  ~HttpTransport() override;

  // Binds and returns once listening. UNAVAILABLE when the address cannot be listened on.
  void start(const mt5b_dispatcher& dispatcher) override;
  // Answers requests still waiting for the host 503, lets answers in progress out (for up to a
  // second), closes every connection and returns when no worker, so no dispatch callback, is
  // running any more.
  void stop() override;

 private:
  // A bound, listening, non-blocking socket; throws sdk::Error(MT5B_UNAVAILABLE) saying why not.
  int listen_or_throw() const;
  // Raises the soft open-files limit towards max_connections, and warns when it stays lower.
  void fit_open_files_limit() const;

  sdk::Host host_;
  TransportOptions options_;
  std::mutex lifecycle_mutex_;
  std::shared_ptr<ServerCore> core_;
  int listen_fd_ = -1;
  std::vector<std::unique_ptr<Worker>> workers_;
  // Exchanges of earlier runs: the host may still answer them after stop(), and their
  // responders must stay valid until it does (or until this instance is destroyed).
  std::vector<std::shared_ptr<PendingExchanges>> finished_runs_;
};

}  // namespace mt5b::transport_http

#endif  // MT5BRIDGE_TRANSPORT_HTTP_HTTP_TRANSPORT_HPP
