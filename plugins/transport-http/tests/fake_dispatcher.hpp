// A fake host dispatcher: records every request the transport hands over and answers it now,
// later from another thread, or never.
#ifndef MT5BRIDGE_TRANSPORT_HTTP_TESTS_FAKE_DISPATCHER_HPP
#define MT5BRIDGE_TRANSPORT_HTTP_TESTS_FAKE_DISPATCHER_HPP

#include <mt5bridge/sdk.hpp>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace mt5b::transport_http::testing {

struct RecordedRequest {
  std::string method;
  std::string path;
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string client_ip;
  uint16_t client_port = 0;
};

struct CannedResponse {
  uint16_t status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

class FakeDispatcher {
 public:
  enum class Mode { kRespondNow, kRespondLater, kNeverRespond };

  FakeDispatcher() {
    abi_ = sdk::make<mt5b_dispatcher>();
    abi_.host_ctx = this;
    abi_.callback_dispatch = &FakeDispatcher::dispatch_thunk;
    abi_.callback_ws_open = [](void*, const mt5b_http_request*, const mt5b_ws_connection*,
                               const mt5b_responder*) {};
    abi_.callback_ws_message = [](void*, uint64_t, mt5b_str) {};
    abi_.callback_ws_closed = [](void*, uint64_t) {};
  }
  ~FakeDispatcher() { join_answer_threads(); }
  FakeDispatcher(const FakeDispatcher&) = delete;
  FakeDispatcher& operator=(const FakeDispatcher&) = delete;

  const mt5b_dispatcher* abi() const { return &abi_; }

  void answer_with(CannedResponse response) {
    std::lock_guard lock(mutex_);
    canned_ = std::move(response);
  }
  void set_mode(Mode mode, std::chrono::milliseconds delay = std::chrono::milliseconds(0)) {
    std::lock_guard lock(mutex_);
    mode_ = mode;
    delay_ = delay;
  }

  std::vector<RecordedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  // Waits for late answers, so none arrives after the transport instance is destroyed.
  void join_answer_threads() {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mutex_);
      threads.swap(answer_threads_);
    }
    for (auto& thread : threads) thread.join();
  }

 private:
  static void dispatch_thunk(void* host_ctx, const mt5b_http_request* request,
                             const mt5b_responder* responder) {
    static_cast<FakeDispatcher*>(host_ctx)->dispatch(*request, responder);
  }

  void dispatch(const mt5b_http_request& request, const mt5b_responder* responder) {
    RecordedRequest recorded{
        sdk::copy(request.method), sdk::copy(request.path),      sdk::copy(request.query), {},
        sdk::copy(request.body),   sdk::copy(request.client_ip), request.client_port};
    for (uint32_t i = 0; i < request.header_count; ++i)
      recorded.headers.emplace_back(sdk::copy(request.headers[i].name),
                                    sdk::copy(request.headers[i].value));
    std::lock_guard lock(mutex_);
    requests_.push_back(std::move(recorded));
    switch (mode_) {
      case Mode::kRespondNow: answer(responder, canned_); break;
      case Mode::kRespondLater:
        answer_threads_.emplace_back([responder, canned = canned_, delay = delay_] {
          std::this_thread::sleep_for(delay);
          answer(responder, canned);
        });
        break;
      case Mode::kNeverRespond: break;
    }
  }

  static void answer(const mt5b_responder* responder, const CannedResponse& canned) {
    std::vector<mt5b_header> headers;
    for (const auto& [name, value] : canned.headers)
      headers.push_back(mt5b_header{sdk::str(name), sdk::str(value)});
    auto response = sdk::make<mt5b_http_response>();
    response.status = canned.status;
    response.headers = headers.data();
    response.header_count = static_cast<uint32_t>(headers.size());
    response.body = sdk::str(canned.body);
    responder->callback_respond(responder->transport_ctx, &response);
  }

  mt5b_dispatcher abi_;
  mutable std::mutex mutex_;
  Mode mode_ = Mode::kRespondNow;
  std::chrono::milliseconds delay_{0};
  CannedResponse canned_{200, {{"Content-Type", "text/plain"}}, "ok"};
  std::vector<RecordedRequest> requests_;
  std::vector<std::thread> answer_threads_;
};

}  // namespace mt5b::transport_http::testing

#endif  // MT5BRIDGE_TRANSPORT_HTTP_TESTS_FAKE_DISPATCHER_HPP
