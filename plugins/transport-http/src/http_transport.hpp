// transport-http: accepts HTTP/1.1 requests on Pistache and hands each one to the host's
// dispatcher. It holds no product rule: routing, auth and JSON are the host's.
#ifndef MT5BRIDGE_TRANSPORT_HTTP_HTTP_TRANSPORT_HPP
#define MT5BRIDGE_TRANSPORT_HTTP_HTTP_TRANSPORT_HPP

#include "connection_handler.hpp"
#include "server_core.hpp"
#include "transport_options.hpp"

#include <mt5bridge/sdk.hpp>

#include <pistache/listener.h>

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
      "Serves the host's HTTP API over HTTP/1.1 with keep-alive, using Pistache.";

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
  std::unique_ptr<Pistache::Tcp::Listener> listen_or_throw(
      const std::shared_ptr<ServerCore>& core) const;

  sdk::Host host_;
  TransportOptions options_;
  std::mutex lifecycle_mutex_;
  std::shared_ptr<ServerCore> core_;
  std::unique_ptr<Pistache::Tcp::Listener> listener_;
  // Exchanges of earlier runs: the host may still answer them after stop(), and their
  // responders must stay valid until it does (or until this instance is destroyed).
  std::vector<std::shared_ptr<PendingExchanges>> finished_runs_;
};

}  // namespace mt5b::transport_http

#endif  // MT5BRIDGE_TRANSPORT_HTTP_HTTP_TRANSPORT_HPP
