// libFuzzer target: the plugin's side of the gateway protocol fed arbitrary gateway output.
// The input is what a hostile or broken gateway sends back over the connection: it is framed by
// LineConnection::read_line, checked by GatewayClient::call (JSON, id, error shapes) and, for
// every answer that passes, decoded by the record decoders as broker-mt5 would. Nothing may
// crash, hang or read out of bounds; every failure must be a CallFailure, TransportError or
// sdk::Error.
//
// Self-contained: build it with clang and -fsanitize=fuzzer,address against broker_mt5_core
// (plugins/broker-mt5/fuzz/CMakeLists.txt, option MT5BRIDGE_FUZZ); seeds in corpus/.
#include "gateway_client.hpp"
#include "line_connection.hpp"
#include "record_decoder.hpp"

#include <mt5bridge/sdk.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <thread>

using namespace mt5b::broker_mt5;

namespace {

// The methods the plugin calls, in the order a sync makes them.
constexpr std::string_view kMethods[] = {"hello",
                                         "ping",
                                         "login",
                                         "account_info",
                                         "positions_get",
                                         "history_deals_get",
                                         "history_orders_get",
                                         "symbol_info",
                                         "symbol_info_tick"};

void decode(std::string_view method, const rapidjson::Value& result) {
  if (method == "account_info") {
    decode_account_info(result);
  } else if (method == "positions_get") {
    for_each_record(result, "positions", [](const rapidjson::Value& v) { decode_position(v); });
  } else if (method == "history_deals_get") {
    for_each_record(result, "deals", [](const rapidjson::Value& v) { decode_deal(v); });
  } else if (method == "history_orders_get") {
    for_each_record(result, "orders", [](const rapidjson::Value& v) { decode_order(v); });
  } else if (method == "symbol_info") {
    decode_symbol_info(result);
  } else if (method == "symbol_info_tick") {
    decode_tick(result);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return 0;
  // The "gateway" writes the input and closes; the plugin side reads it as answers.
  std::thread gateway([fd = fds[1], data, size] {
    size_t done = 0;
    while (done < size) {
      auto n = ::send(fd, data + done, size - done, MSG_NOSIGNAL);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    char sink[4096];  // drain the requests so the plugin's writes never block
    while (::recv(fd, sink, sizeof sink, 0) > 0) {
    }
    ::close(fd);
  });
  {
    GatewayClient client(LineConnection::adopt(fds[0], "fuzz"), "gateway 'fuzz'");
    for (size_t i = 0; !client.broken() && i < 64; ++i) {
      auto method = kMethods[i % std::size(kMethods)];
      try {
        auto answer = client.call(method, nullptr, std::chrono::milliseconds(2000));
        decode(method, answer["result"]);
      } catch (const CallFailure&) {
      } catch (const TransportError&) {
      } catch (const mt5b::sdk::Error&) {
      }
    }
  }  // closes the plugin's end, which ends the gateway thread's drain
  gateway.join();
  return 0;
}
