// Fakes of the host's services, so plugin logic is unit-tested without the host.
//
//   mt5b::sdk::testing::FakeHost host;
//   MyStore store(host.host(), mt5b::sdk::Config(R"({"path": ":memory:"})"));
//   ...
//   EXPECT_TRUE(host.logged("opened"));
//   host.set_now_ms(1'700'000'000'000);  // drive the clock
#ifndef MT5BRIDGE_TESTING_HPP
#define MT5BRIDGE_TESTING_HPP

#include <mt5bridge/sdk.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace mt5b::sdk::testing {

class FakeHost {
 public:
  struct LogLine {
    mt5b_log_level level;
    std::string message;
  };

  FakeHost() {
    api_ = make<mt5b_host_api>();
    api_.abi_major = MT5B_ABI_VERSION_MAJOR;
    api_.abi_minor = MT5B_ABI_VERSION_MINOR;
    api_.host_ctx = this;
    api_.callback_log = [](void* c, mt5b_log_level l, mt5b_str m) {
      auto* self = static_cast<FakeHost*>(c);
      std::lock_guard lock(self->mu_);
      self->logs_.push_back({l, copy(m)});
    };
    api_.callback_counter_add = [](void* c, mt5b_str n, mt5b_str l, double v) {
      auto* self = static_cast<FakeHost*>(c);
      std::lock_guard lock(self->mu_);
      self->metrics_[key(n, l)] += v;
    };
    api_.callback_gauge_set = [](void* c, mt5b_str n, mt5b_str l, double v) {
      auto* self = static_cast<FakeHost*>(c);
      std::lock_guard lock(self->mu_);
      self->metrics_[key(n, l)] = v;
    };
    api_.callback_histogram_observe = [](void* c, mt5b_str n, mt5b_str l, double v) {
      auto* self = static_cast<FakeHost*>(c);
      std::lock_guard lock(self->mu_);
      self->observations_[key(n, l)].push_back(v);
    };
    api_.callback_now_unix_ms = [](void* c) { return static_cast<FakeHost*>(c)->now_ms_.load(); };
    api_.callback_monotonic_ns = [](void* c) {
      return static_cast<FakeHost*>(c)->now_ms_.load() * 1'000'000;
    };
  }
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  Host host() const { return Host(&api_); }
  const mt5b_host_api* api() const { return &api_; }

  void set_now_ms(int64_t ms) { now_ms_ = ms; }
  void advance_ms(int64_t ms) { now_ms_ += ms; }

  std::vector<LogLine> logs() const {
    std::lock_guard lock(mu_);
    return logs_;
  }
  // True when some log line contains `needle`.
  bool logged(const std::string& needle) const {
    std::lock_guard lock(mu_);
    for (const auto& l : logs_)
      if (l.message.find(needle) != std::string::npos) return true;
    return false;
  }
  // Counter or gauge value of name{labels}; 0 when never touched.
  double metric(const std::string& name, const std::string& labels = "") const {
    std::lock_guard lock(mu_);
    auto it = metrics_.find(name + "{" + labels + "}");
    return it == metrics_.end() ? 0.0 : it->second;
  }
  std::vector<double> observations(const std::string& name, const std::string& labels = "") const {
    std::lock_guard lock(mu_);
    auto it = observations_.find(name + "{" + labels + "}");
    return it == observations_.end() ? std::vector<double>{} : it->second;
  }

 private:
  static std::string key(mt5b_str n, mt5b_str l) { return copy(n) + "{" + copy(l) + "}"; }

  mt5b_host_api api_;
  std::atomic<int64_t> now_ms_{1'700'000'000'000};
  mutable std::mutex mu_;
  std::vector<LogLine> logs_;
  std::map<std::string, double> metrics_;
  std::map<std::string, std::vector<double>> observations_;
};

}  // namespace mt5b::sdk::testing

#endif  // MT5BRIDGE_TESTING_HPP
