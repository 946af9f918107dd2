// Shared helpers for the broker-mock tests: scenario paths, configs, login requests, and
// collecting what a call emits.
#ifndef MT5B_BROKER_MOCK_TEST_SUPPORT_HPP
#define MT5B_BROKER_MOCK_TEST_SUPPORT_HPP

#include "broker_mock.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <mt5bridge/testing.hpp>

#include <unistd.h>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace mt5b::broker_mock::test_support {

inline std::string scenario_path(std::string_view file) {
  return std::string(MT5B_SCENARIO_DIR) + "/" + std::string(file);
}
inline std::string fixture_path(std::string_view file) {
  return std::string(BROKER_MOCK_FIXTURE_DIR) + "/" + std::string(file);
}

// The instance config as the host would pass it (a JSON object).
inline std::string config_json(const std::string& scenario_file,
                               int64_t default_timeout_ms = 10000) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("scenario");
  writer.String(scenario_file.c_str(), static_cast<rapidjson::SizeType>(scenario_file.size()));
  writer.Key("default_timeout_ms");
  writer.Int64(default_timeout_ms);
  writer.EndObject();
  return buffer.GetString();
}

inline std::unique_ptr<BrokerMock> make_mock(const sdk::testing::FakeHost& host,
                                             const std::string& scenario_file,
                                             int64_t default_timeout_ms = 10000) {
  return std::make_unique<BrokerMock>(host.host(),
                                      sdk::Config(config_json(scenario_file, default_timeout_ms)));
}

// A login request borrowing the given strings, as the host passes it.
inline mt5b_broker_login login_request(int64_t login, std::string_view password,
                                       std::string_view server, uint32_t timeout_ms = 0) {
  auto request = sdk::make<mt5b_broker_login>();
  request.login = login;
  request.password = sdk::str(password);
  request.server = sdk::str(server);
  request.timeout_ms = timeout_ms;
  return request;
}

// What a call came to, as the C thunk would report it.
struct Outcome {
  mt5b_status status = MT5B_OK;
  std::string message;
};

template <class Fn>
Outcome outcome_of(Fn&& fn) {
  try {
    fn();
    return {};
  } catch (const sdk::Error& e) {
    return {e.status(), e.what()};
  }
}

template <class Fn>
std::chrono::milliseconds time_of(Fn&& fn) {
  auto start = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

inline mt5b_history_query range_query(int64_t from_broker_s, int64_t to_broker_s) {
  auto q = sdk::make<mt5b_history_query>();
  q.from_broker_s = from_broker_s;
  q.to_broker_s = to_broker_s;
  return q;
}
inline mt5b_history_query position_query(int64_t position_id) {
  auto q = sdk::make<mt5b_history_query>();
  q.position_id = position_id;
  return q;
}

inline std::vector<int64_t> deal_tickets(BrokerMock& mock, sdk::BrokerSession& session,
                                         const mt5b_history_query& q) {
  std::vector<int64_t> tickets;
  mock.history_deals_get(session, q,
                         [&](const mt5b_trade_deal& d) { tickets.push_back(d.ticket); });
  return tickets;
}
inline std::vector<int64_t> order_tickets(BrokerMock& mock, sdk::BrokerSession& session,
                                          const mt5b_history_query& q) {
  std::vector<int64_t> tickets;
  mock.history_orders_get(session, q,
                          [&](const mt5b_trade_order& o) { tickets.push_back(o.ticket); });
  return tickets;
}

// A file in the temp directory, removed when the test ends.
class TempScenarioFile {
 public:
  explicit TempScenarioFile(std::string_view content) {
    static std::atomic<int> counter{0};
    path_ = (std::filesystem::temp_directory_path() /
             ("broker-mock-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) +
              ".json"))
                .string();
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempScenarioFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  TempScenarioFile(const TempScenarioFile&) = delete;
  TempScenarioFile& operator=(const TempScenarioFile&) = delete;
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

}  // namespace mt5b::broker_mock::test_support

#endif  // MT5B_BROKER_MOCK_TEST_SUPPORT_HPP
