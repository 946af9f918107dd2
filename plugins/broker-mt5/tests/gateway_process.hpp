// A real gateway process (gateway/mt5_gateway.py) with the fake MetaTrader5 module, for the
// integration tests: started on loopback with TLS, killed with SIGKILL, restarted on its port.
#ifndef MT5B_BROKER_MT5_TESTS_GATEWAY_PROCESS_HPP
#define MT5B_BROKER_MT5_TESTS_GATEWAY_PROCESS_HPP

#include "test_certificate.hpp"

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace mt5b::broker_mt5::testing {

// True when python3 and the gateway are where the build said (else the tests skip).
bool gateway_available();

class GatewayProcess {
 public:
  // Starts the gateway replaying `scenario`; `env` adds variables (fake knobs such as
  // MT5_FAKE_CRASH_AFTER_CALLS). Waits until it listens. Throws std::runtime_error.
  GatewayProcess(const std::string& name, const TestCertificate& cert,
                 const std::string& token_file, const std::string& scenario,
                 std::map<std::string, std::string> env = {}, std::vector<std::string> args = {});
  ~GatewayProcess();
  GatewayProcess(const GatewayProcess&) = delete;
  GatewayProcess& operator=(const GatewayProcess&) = delete;

  int port() const noexcept { return port_; }
  void kill();  // SIGKILL, as a crash would; waits for the process
  // Starts again on the same port, with `env` replacing the variables given before.
  void restart(std::map<std::string, std::string> env = {});
  bool running();
  std::string log() const;

 private:
  void spawn();
  void wait_listening();

  std::string name_;
  const TestCertificate& cert_;
  std::string token_file_;
  std::string scenario_;
  std::map<std::string, std::string> env_;
  std::vector<std::string> args_;  // extra gateway options
  std::string log_file_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace mt5b::broker_mt5::testing

#endif  // MT5B_BROKER_MT5_TESTS_GATEWAY_PROCESS_HPP
