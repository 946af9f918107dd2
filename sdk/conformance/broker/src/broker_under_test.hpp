// The broker plugin under test, reached the way the host reaches it: dlopen, the one entry
// symbol, the ABI version check, the broker descriptor's vtable copied into a zeroed struct of
// the suite's size (so a slot beyond the plugin's struct_size reads as absent), and an instance
// created with a FakeHost. Nothing of the plugin's C++ is used: only the C ABI.
#ifndef MT5B_CONFORMANCE_BROKER_BROKER_UNDER_TEST_HPP
#define MT5B_CONFORMANCE_BROKER_BROKER_UNDER_TEST_HPP

#include <mt5bridge/testing.hpp>

#include <functional>
#include <memory>
#include <string>

namespace mt5b::conformance::broker {

// What one ABI call came to: its status, and on failure the plugin's on_last_error text.
struct CallResult {
  mt5b_status status = MT5B_OK;
  std::string error;
  bool ok() const noexcept { return status == MT5B_OK; }
  std::string describe() const;  // "OK" or "UNAUTHENTICATED: <message>"
};

// A session handle that is closed when it goes away.
class Session {
 public:
  Session(const class BrokerUnderTest& broker, mt5b_session* handle)
      : broker_(&broker), handle_(handle) {}
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  mt5b_session* handle() const noexcept { return handle_; }

 private:
  const BrokerUnderTest* broker_;
  mt5b_session* handle_;
};

class BrokerUnderTest {
 public:
  // Loads `library` and creates an instance of its broker plugin (the one named `plugin_name`,
  // or the first broker in the library when empty) from `config_json`, with the option
  // defaults filled in as the host does. Throws std::runtime_error with a sentence.
  BrokerUnderTest(const std::string& library, const std::string& plugin_name,
                  const std::string& config_json);
  ~BrokerUnderTest();
  BrokerUnderTest(const BrokerUnderTest&) = delete;
  BrokerUnderTest& operator=(const BrokerUnderTest&) = delete;

  std::string describe() const;  // "broker-mock 0.1.0 (ABI 1.1)"
  const sdk::testing::FakeHost& host() const noexcept { return host_; }

  CallResult open(int64_t login, const std::string& password, const std::string& server,
                  uint32_t timeout_ms, std::unique_ptr<Session>& out) const;
  CallResult account_info(const Session& s,
                          const std::function<void(const mt5b_account_info&)>&) const;
  CallResult positions(const Session& s,
                       const std::function<void(const mt5b_trade_position&)>&) const;
  CallResult deals(const Session& s, const mt5b_history_query& q,
                   const std::function<void(const mt5b_trade_deal&)>&) const;
  // NOT_SUPPORTED when the slot is absent, like the host treats a missing optional slot.
  CallResult orders(const Session& s, const mt5b_history_query& q,
                    const std::function<void(const mt5b_trade_order&)>&) const;
  CallResult symbol_info(const Session& s, const std::string& symbol,
                         const std::function<void(const mt5b_symbol_info&)>&) const;
  CallResult tick(const Session& s, const std::string& symbol, mt5b_tick& out) const;
  CallResult backend_states(const std::function<void(const mt5b_backend_state&)>&) const;
  void close(mt5b_session* handle) const;

 private:
  CallResult result(mt5b_status status) const;

  void* library_ = nullptr;
  mt5b_plugin_descriptor descriptor_{};
  mt5b_broker_vtable vtable_{};
  uint16_t abi_major_ = 0;
  uint16_t abi_minor_ = 0;
  sdk::testing::FakeHost host_;
  mt5b_instance* instance_ = nullptr;
};

}  // namespace mt5b::conformance::broker

#endif  // MT5B_CONFORMANCE_BROKER_BROKER_UNDER_TEST_HPP
