// Which clock each trade server keeps (MT5.md, "Time"): a configured IANA zone or fixed offset,
// or an offset detected from a live tick and remembered for an hour.
#pragma once

#include "normaliser/clock_spec.hpp"
#include "normaliser/server_clock.hpp"
#include "runtime/broker_client.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mt5b::host {

class ServerClocks {
 public:
  // broker instance → (server name or "*") → spec; a server without one is detected.
  explicit ServerClocks(std::map<std::string, std::map<std::string, ClockSpec>> specs);

  // The clock of `server` as served by `broker`. Detection uses `session` to read a tick of one
  // of `probe_symbols` (or EURUSD); when nothing live is found the last detected offset, else
  // UTC, is used and a warning is logged once per server.
  ServerClock clock_for(const std::string& broker, const std::string& server,
                        BrokerSession& session, const std::vector<std::string>& probe_symbols);

 private:
  struct Detected {
    int64_t offset_s;
    std::chrono::steady_clock::time_point at;
  };
  std::map<std::string, std::map<std::string, ClockSpec>> specs_;
  std::mutex mu_;
  std::map<std::string, Detected> detected_;  // by broker + "/" + server
  std::map<std::string, bool> warned_;
};

}  // namespace mt5b::host
