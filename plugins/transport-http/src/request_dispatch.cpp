// dispatch_request(): one request through the host's dispatcher, waiting for its answer.
#include "server_core.hpp"

#include <array>
#include <vector>

namespace mt5b::transport_http {
namespace {

OwnedResponse shutting_down() {
  return error_response(503, "UNAVAILABLE",
                        "The server is shutting down; retry the request in a moment.");
}

}  // namespace

std::string dispatch_request(ServerCore& core, const ParsedRequest& request,
                             const std::string& client_ip, uint16_t client_port, bool& keep_alive) {
  const bool head_request = request.method == "HEAD";
  // Once stopping is set the registry closes too; a request that slips past this check is
  // answered if the host answers during dispatch, and is cancelled otherwise.
  if (core.stopping.load()) {
    keep_alive = false;
    return encode_response(shutting_down(), head_request, keep_alive);
  }
  auto exchange =
      std::make_shared<Exchange>(core.pending, Framing{head_request, request.keep_alive});

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
  abi_request.client_port = client_port;
  abi_request.method = sdk::str(request.method);
  abi_request.path = sdk::str(request.path);
  abi_request.query = sdk::str(request.query);
  abi_request.headers = headers;
  abi_request.header_count = static_cast<uint32_t>(request.headers.size());
  abi_request.body = sdk::str(request.body);
  abi_request.client_ip = sdk::str(client_ip);

  const auto timeout = core.options.request_timeout;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  core.dispatcher.callback_dispatch(core.dispatcher.host_ctx, &abi_request, exchange->responder());
  // The host usually answers during callback_dispatch: then nothing waits or registers.
  if (!exchange->answered_or_registered()) {
    switch (exchange->wait_until(deadline)) {
      case Exchange::Outcome::kAnswered: break;
      case Exchange::Outcome::kCancelled:
        keep_alive = false;
        return encode_response(shutting_down(), head_request, keep_alive);
      case Exchange::Outcome::kTimedOut:
        core.host.warn(request.method + " " + request.path + " got no answer within " +
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

}  // namespace mt5b::transport_http
