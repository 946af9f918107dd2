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

#include <dlfcn.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
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

// A plugin library loaded the way the host loads it (dlopen, the entry symbol, a descriptor by
// name) for smoke tests of a plugin through its C ABI:
//
//   mt5b::sdk::testing::AbiPlugin plugin(PLUGIN_PATH, "storage-mine");
//   ASSERT_TRUE(plugin.ok()) << plugin.problem();
//   mt5b::sdk::testing::AbiInstance store(plugin, host, R"({"path": "/tmp/x.db"})");
//   ASSERT_EQ(MT5B_OK, store.create_status()) << store.last_error();
//   plugin.vtable<mt5b_storage_vtable>().on_migrate(store.handle());
class AbiPlugin {
 public:
  // `name` empty: the library must offer exactly one plugin.
  explicit AbiPlugin(const std::string& path, std::string_view name = {})
      : library_(dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {
    if (!library_) {
      const char* why = dlerror();
      problem_ = "cannot load " + path + ": " + (why ? why : "unknown error");
      return;
    }
    auto entry =
        reinterpret_cast<mt5b_plugin_entry_fn>(dlsym(library_.get(), MT5B_PLUGIN_ENTRY_SYMBOL));
    if (!entry) {
      problem_ = path + " does not export " MT5B_PLUGIN_ENTRY_SYMBOL;
      return;
    }
    list_ = entry();
    if (!list_ || !list_->plugins) {
      problem_ = path + ": the entry returned no plugin list";
      return;
    }
    for (uint32_t i = 0; i < list_->count; ++i)
      if (name.empty() ? list_->count == 1 : std::string_view(list_->plugins[i]->name) == name)
        descriptor_ = list_->plugins[i];
    if (!descriptor_)
      problem_ = path + " offers no plugin named '" + std::string(name) + "' (or several)";
  }

  bool ok() const { return descriptor_ != nullptr; }
  const std::string& problem() const { return problem_; }
  const mt5b_plugin_list& list() const { return *list_; }
  const mt5b_plugin_descriptor& descriptor() const { return *descriptor_; }
  // The kind's vtable (mt5b_storage_vtable, mt5b_broker_vtable, ...).
  template <class V>
  const V& vtable() const {
    return *static_cast<const V*>(descriptor_->kind_vtable);
  }

 private:
  struct Closer {
    void operator()(void* handle) const noexcept { dlclose(handle); }
  };
  std::unique_ptr<void, Closer> library_;
  const mt5b_plugin_list* list_ = nullptr;
  const mt5b_plugin_descriptor* descriptor_ = nullptr;
  std::string problem_;
};

// One instance created through the descriptor, destroyed when this goes (also after a failed
// create, as the host does).
class AbiInstance {
 public:
  AbiInstance(const AbiPlugin& plugin, const FakeHost& host, std::string_view config_json,
              std::string_view instance_name = "test")
      : descriptor_(plugin.descriptor()) {
    status_ = descriptor_.on_create(host.api(), str(instance_name), str(config_json), &handle_);
  }
  ~AbiInstance() {
    if (handle_) descriptor_.on_destroy(handle_);
  }
  AbiInstance(const AbiInstance&) = delete;
  AbiInstance& operator=(const AbiInstance&) = delete;

  mt5b_status create_status() const { return status_; }
  mt5b_instance* handle() const { return handle_; }
  // The message of this thread's last failed call on the instance.
  std::string last_error() const {
    return handle_ ? copy(descriptor_.on_last_error(handle_)) : std::string();
  }

 private:
  const mt5b_plugin_descriptor& descriptor_;
  mt5b_instance* handle_ = nullptr;
  mt5b_status status_ = MT5B_FAILED;
};

}  // namespace mt5b::sdk::testing

#endif  // MT5BRIDGE_TESTING_HPP
