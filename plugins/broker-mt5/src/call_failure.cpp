#include "call_failure.hpp"

namespace mt5b::broker_mt5 {

std::string_view failure_kind_name(FailureKind kind) noexcept {
  switch (kind) {
    case FailureKind::kMt5: return "mt5";
    case FailureKind::kTimeout: return "timeout";
    case FailureKind::kBusy: return "busy";
    case FailureKind::kAuth: return "auth";
    case FailureKind::kProtocol: return "protocol";
    case FailureKind::kInternal: return "internal";
    case FailureKind::kNetwork: return "network";
    case FailureKind::kDeadline: return "deadline";
    case FailureKind::kCertificate: return "certificate";
    case FailureKind::kQueue: return "queue";
    case FailureKind::kNoTerminal: return "no_terminal";
    case FailureKind::kWrongAccount: return "wrong_account";
  }
  return "unknown";
}

FailurePolicy policy_for(FailureKind kind, int code) noexcept {
  switch (kind) {
    case FailureKind::kMt5:
      switch (code) {
        // A credentials problem: brokers lock accounts that retry it (MT5.md), so never here.
        case -6: return {false, false, MT5B_UNAUTHENTICATED};
        case -4: return {false, false, MT5B_NOT_FOUND};
        case -2: return {false, false, MT5B_INVALID_ARGUMENT};
        case -7: return {false, false, MT5B_NOT_SUPPORTED};
        // Terminal/IPC trouble that a retry (or a terminal restart) cures.
        case -10003:
        case -10004: return {true, true, MT5B_UNAVAILABLE};
        case -10005: return {true, true, MT5B_TIMEOUT};
        default:
          // The other IPC failures (-10000..-10002) say the terminal is in trouble too, but
          // MT5.md does not call them transient.
          if (code <= -10000) return {false, true, MT5B_UNAVAILABLE};
          return {false, false, MT5B_FAILED};
      }
    case FailureKind::kTimeout: return {true, true, MT5B_TIMEOUT};
    case FailureKind::kBusy: return {true, true, MT5B_RETRY};
    case FailureKind::kAuth: return {false, true, MT5B_FAILED};
    case FailureKind::kProtocol: return {false, false, MT5B_FAILED};
    case FailureKind::kInternal: return {false, false, MT5B_FAILED};
    case FailureKind::kNetwork: return {true, true, MT5B_UNAVAILABLE};
    case FailureKind::kDeadline: return {true, true, MT5B_TIMEOUT};
    case FailureKind::kCertificate: return {false, true, MT5B_UNAVAILABLE};
    // Waiting behind other accounts says nothing about the terminal's health.
    case FailureKind::kQueue: return {true, false, MT5B_TIMEOUT};
    case FailureKind::kNoTerminal: return {false, false, MT5B_UNAVAILABLE};
    // Another client switched the terminal's account: not the terminal's fault, and the
    // retry logs in again.
    case FailureKind::kWrongAccount: return {true, false, MT5B_RETRY};
  }
  return {false, false, MT5B_FAILED};
}

std::string_view mt5_code_name(int code) noexcept {
  switch (code) {
    case 1: return "RES_S_OK";
    case -1: return "RES_E_FAIL";
    case -2: return "RES_E_INVALID_PARAMS";
    case -3: return "RES_E_NO_MEMORY";
    case -4: return "RES_E_NOT_FOUND";
    case -5: return "RES_E_INVALID_VERSION";
    case -6: return "RES_E_AUTH_FAILED";
    case -7: return "RES_E_UNSUPPORTED";
    case -8: return "RES_E_AUTO_TRADING_DISABLED";
    case -10000: return "RES_E_INTERNAL_FAIL";
    case -10001: return "RES_E_INTERNAL_FAIL_SEND";
    case -10002: return "RES_E_INTERNAL_FAIL_RECEIVE";
    case -10003: return "RES_E_INTERNAL_FAIL_INIT";
    case -10004: return "RES_E_INTERNAL_FAIL_CONNECT";
    case -10005: return "RES_E_INTERNAL_FAIL_TIMEOUT";
  }
  return {};
}

}  // namespace mt5b::broker_mt5
