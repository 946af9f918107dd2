// The RPC side of one gateway connection: one request at a time, matched to its answer by id
// (docs/mt5-gateway-protocol.md "Messages"). Not thread-safe: its Terminal serialises use.
#ifndef MT5B_BROKER_MT5_GATEWAY_CLIENT_HPP
#define MT5B_BROKER_MT5_GATEWAY_CLIENT_HPP

#include "call_failure.hpp"
#include "line_connection.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace mt5b::broker_mt5 {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;
// Writes the members of a request's "params" object (between its braces).
using ParamsWriter = std::function<void(JsonWriter&)>;

// How long past the gateway's own deadline we wait for its `timeout` answer before we give up
// on the connection: the answer is sent at the deadline and needs a moment to arrive.
inline constexpr std::chrono::milliseconds kAnswerGrace{1000};

class GatewayClient {
 public:
  GatewayClient(std::unique_ptr<LineConnection> connection, std::string peer)
      : connection_(std::move(connection)), peer_(std::move(peer)) {}

  // Sends one request with deadline_ms = `timeout` (none for hello) and waits up to
  // timeout + kAnswerGrace. Returns the whole answer; its "result" member is the result.
  // Throws CallFailure: the gateway's error, or a transport failure after which broken().
  rapidjson::Document call(std::string_view method, const ParamsWriter& params,
                           std::chrono::milliseconds timeout);

  // True once the connection failed or fell out of step; the owner then opens a new one.
  bool broken() const noexcept { return broken_; }

 private:
  [[noreturn]] void fail_transport(FailureKind kind, const std::string& message);

  std::unique_ptr<LineConnection> connection_;
  std::string peer_;
  int64_t next_id_ = 1;
  bool broken_ = false;
};

}  // namespace mt5b::broker_mt5

#endif  // MT5B_BROKER_MT5_GATEWAY_CLIENT_HPP
