// Runs one transport-http instance through the C ABI, as the host would: on_create with a JSON
// config, on_start with a fake dispatcher, on_stop and on_destroy at teardown.
#ifndef MT5BRIDGE_TRANSPORT_HTTP_TESTS_TRANSPORT_FIXTURE_HPP
#define MT5BRIDGE_TRANSPORT_HTTP_TESTS_TRANSPORT_FIXTURE_HPP

#include "fake_dispatcher.hpp"
#include "http_test_client.hpp"
#include "http_transport.hpp"

#include <mt5bridge/testing.hpp>

#include <gtest/gtest.h>

#include <string>

namespace mt5b::transport_http::testing {

class TransportFixture : public ::testing::Test {
 protected:
  void TearDown() override {
    stop();
    destroy();
  }

  // Creates an instance from `options_json` (members of the config object, without braces).
  mt5b_status create(const std::string& options_json) {
    destroy();
    std::string config = "{" + options_json + "}";
    auto status =
        descriptor()->on_create(host_.api(), sdk::str("http"), sdk::str(config), &instance_);
    // A failed create leaves a handle only for on_last_error and on_destroy.
    created_ = status == MT5B_OK;
    return status;
  }

  // Creates and starts an instance on a free port of 127.0.0.1.
  void start_on_free_port(const std::string& extra_options = "") {
    port_ = free_port();
    std::string options = "\"listen\":\"127.0.0.1:" + std::to_string(port_) + "\"";
    if (!extra_options.empty()) options += "," + extra_options;
    ASSERT_EQ(create(options), MT5B_OK) << last_error();
    ASSERT_EQ(start(), MT5B_OK) << last_error();
  }

  mt5b_status start() { return vtable()->on_start(instance_, dispatcher_.abi()); }

  void stop() {
    if (created_) vtable()->on_stop(instance_);
    dispatcher_.join_answer_threads();
  }

  void destroy() {
    if (instance_ == nullptr) return;
    descriptor()->on_destroy(instance_);
    instance_ = nullptr;
    created_ = false;
  }

  std::string last_error() {
    return instance_ ? sdk::copy(descriptor()->on_last_error(instance_)) : std::string();
  }

  static const mt5b_plugin_descriptor* descriptor() { return sdk::descriptor<HttpTransport>(); }
  static const mt5b_transport_vtable* vtable() {
    return static_cast<const mt5b_transport_vtable*>(descriptor()->kind_vtable);
  }

  sdk::testing::FakeHost host_;
  FakeDispatcher dispatcher_;
  mt5b_instance* instance_ = nullptr;
  bool created_ = false;
  uint16_t port_ = 0;
};

}  // namespace mt5b::transport_http::testing

#endif  // MT5BRIDGE_TRANSPORT_HTTP_TESTS_TRANSPORT_FIXTURE_HPP
