// The built broker-mock.so seen as the host sees it: the entry symbol, on_create, the broker
// vtable with C emit callbacks, on_last_error and on_destroy.
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace mt5b::broker_mock {
namespace {

using namespace test_support;

class CAbi : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(plugin.ok()) << plugin.problem();
    ASSERT_EQ(plugin.list().abi_major, MT5B_ABI_VERSION_MAJOR);
    descriptor = &plugin.descriptor();
    ASSERT_EQ(descriptor->kind, static_cast<uint32_t>(MT5B_KIND_BROKER));
    vtable = &plugin.vtable<mt5b_broker_vtable>();
  }

  // Creates an instance; the caller must destroy it (also on failure, as the host does).
  mt5b_status create(const std::string& config, mt5b_instance** out) {
    return descriptor->on_create(host.api(), sdk::str("mock-1"), sdk::str(config), out);
  }
  std::string last_error(mt5b_instance* instance) {
    return sdk::copy(descriptor->on_last_error(instance));
  }

  sdk::testing::FakeHost host;
  sdk::testing::AbiPlugin plugin{PLUGIN_PATH};
  const mt5b_plugin_descriptor* descriptor = nullptr;
  const mt5b_broker_vtable* vtable = nullptr;
};

// C callbacks that copy what they are given, as a host must.
struct Collected {
  std::vector<int64_t> deal_tickets;
  double balance = 0;
  std::string currency;
  int64_t sessions = -1;
};
void collect_account(void* ctx, const mt5b_account_info* info) {
  auto* c = static_cast<Collected*>(ctx);
  c->balance = info->balance;
  c->currency = sdk::copy(info->currency);
}
void collect_deal(void* ctx, const mt5b_trade_deal* deal) {
  static_cast<Collected*>(ctx)->deal_tickets.push_back(deal->ticket);
}
void collect_backend(void* ctx, const mt5b_backend_state* state) {
  static_cast<Collected*>(ctx)->sessions = state->sessions;
}

TEST_F(CAbi, describes_itself_as_broker_mock_with_a_required_scenario_option) {
  EXPECT_STREQ(descriptor->name, "broker-mock");
  ASSERT_GE(descriptor->option_count, 1u);
  auto first = sdk::option_at(*descriptor, 0);
  EXPECT_STREQ(first.name, "scenario");
  EXPECT_TRUE(first.flags & MT5B_OPT_REQUIRED);
}

TEST_F(CAbi, serves_a_session_through_the_vtable) {
  mt5b_instance* instance = nullptr;
  ASSERT_EQ(create(config_json(scenario_path("test-minimal.json")), &instance), MT5B_OK)
      << last_error(instance);

  auto wrong = login_request(1001, "wrong-password-123", "Mock-Server");
  mt5b_session* session = nullptr;
  EXPECT_EQ(vtable->on_session_open(instance, &wrong, &session), MT5B_UNAUTHENTICATED);
  EXPECT_EQ(session, nullptr);
  auto message = last_error(instance);
  EXPECT_NE(message.find("-6"), std::string::npos) << message;
  EXPECT_EQ(message.find("wrong-password-123"), std::string::npos) << message;

  auto right = login_request(1001, "minimal-pass", "Mock-Server");
  ASSERT_EQ(vtable->on_session_open(instance, &right, &session), MT5B_OK) << last_error(instance);
  ASSERT_NE(session, nullptr);

  Collected got;
  EXPECT_EQ(vtable->on_account_info(instance, session, &collect_account, &got), MT5B_OK);
  EXPECT_DOUBLE_EQ(got.balance, 1018.6);
  EXPECT_EQ(got.currency, "USD");

  auto by_position = position_query(601);
  EXPECT_EQ(vtable->on_history_deals_get(instance, session, &by_position, &collect_deal, &got),
            MT5B_OK);
  EXPECT_EQ(got.deal_tickets, (std::vector<int64_t>{12, 13}));

  auto tick = sdk::make<mt5b_tick>();
  EXPECT_EQ(vtable->on_symbol_info_tick(instance, session, sdk::str("EURUSD"), &tick), MT5B_OK);
  EXPECT_DOUBLE_EQ(tick.ask, 1.15162);
  EXPECT_EQ(vtable->on_symbol_info_tick(instance, session, sdk::str("NOPE"), &tick),
            MT5B_NOT_FOUND);
  EXPECT_NE(last_error(instance).find("NOPE"), std::string::npos);

  EXPECT_EQ(vtable->on_backend_states(instance, &collect_backend, &got), MT5B_OK);
  EXPECT_EQ(got.sessions, 1);
  vtable->on_session_close(instance, session);
  EXPECT_EQ(vtable->on_backend_states(instance, &collect_backend, &got), MT5B_OK);
  EXPECT_EQ(got.sessions, 0);

  descriptor->on_destroy(instance);
}

TEST_F(CAbi, a_malformed_scenario_fails_create_with_the_path_in_last_error) {
  TempScenarioFile file(R"({"servers": [{"name": "S", "utc_offset_s": "2h"}], "accounts": []})");
  mt5b_instance* instance = nullptr;
  EXPECT_EQ(create(config_json(file.path()), &instance), MT5B_INVALID_ARGUMENT);
  ASSERT_NE(instance, nullptr);
  auto message = last_error(instance);
  EXPECT_NE(message.find("$.servers[0].utc_offset_s must be an integer"), std::string::npos)
      << message;
  descriptor->on_destroy(instance);
}

}  // namespace
}  // namespace mt5b::broker_mock
