// Why a gateway call did not succeed, and what the pool does about it: retry or not, count it
// against the terminal's health or not, and which ABI status the caller finally sees.
// The table is docs/mt5-gateway-protocol.md "error kind" with MT5.md's last_error() codes.
#ifndef MT5B_BROKER_MT5_CALL_FAILURE_HPP
#define MT5B_BROKER_MT5_CALL_FAILURE_HPP

#include <mt5bridge/abi.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace mt5b::broker_mt5 {

enum class FailureKind {
  // Answers of the gateway (the protocol's error kinds).
  kMt5,       // MetaTrader5 failed; code() is last_error()'s code
  kTimeout,   // the terminal did not finish by deadline_ms
  kBusy,      // an earlier call is still running in the terminal
  kAuth,      // the gateway refused our token
  kProtocol,  // the gateway found our request malformed
  kInternal,  // a bug in the gateway
  // Found on this side.
  kNetwork,      // no connection, or it broke, or the answer was garbled
  kDeadline,     // no answer before our deadline
  kCertificate,  // the gateway's certificate failed verification or the pin
  kQueue,        // the terminal stayed busy with other calls until our deadline
  kNoTerminal,   // every terminal is unhealthy
  // The answer was read from another account than the one asked for, or from an unknown one
  // (someone else's login took the terminal): refused, and retried after a fresh login.
  kWrongAccount,
};

std::string_view failure_kind_name(FailureKind kind) noexcept;

class CallFailure : public std::runtime_error {
 public:
  CallFailure(FailureKind kind, int code, const std::string& message)
      : std::runtime_error(message), kind_(kind), code_(code) {}
  FailureKind kind() const noexcept { return kind_; }
  int code() const noexcept { return code_; }  // MT5 code for kMt5, else 0

 private:
  FailureKind kind_;
  int code_;
};

struct FailurePolicy {
  bool retry;             // transient: try again after the backoff
  bool terminal_trouble;  // counts towards the three failures that mark a terminal ERROR
  mt5b_status status;     // what the caller sees when it is not retried (or retries run out)
};

FailurePolicy policy_for(FailureKind kind, int mt5_code) noexcept;

// "RES_E_AUTH_FAILED" for -6, ... ; empty for codes MT5.md does not list.
std::string_view mt5_code_name(int code) noexcept;

}  // namespace mt5b::broker_mt5

#endif  // MT5B_BROKER_MT5_CALL_FAILURE_HPP
