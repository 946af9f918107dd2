#include "runtime/plugin_instance.hpp"

#include <chrono>

namespace mt5b::host {

namespace {
LogLevel to_level(mt5b_log_level l) {
  switch (l) {
    case MT5B_LOG_TRACE: return LogLevel::trace;
    case MT5B_LOG_DEBUG: return LogLevel::debug;
    case MT5B_LOG_INFO: return LogLevel::info;
    case MT5B_LOG_WARN: return LogLevel::warn;
    case MT5B_LOG_ERROR: return LogLevel::error;
  }
  return LogLevel::info;
}
}  // namespace

PluginInstance::PluginInstance(const InstanceConfig& config, MetricsRegistry& metrics)
    : plugin_(config.loaded), metrics_(metrics) {
  source_ = LogSource{std::string(kind_name(config.kind)), plugin_.name(), config.name};
  metric_labels_ = "plugin=\"" + prometheus_label_value(plugin_.name()) + "\",instance=\"" +
                   prometheus_label_value(config.name) + "\"";
  api_ = sdk::make<mt5b_host_api>();
  api_.abi_major = MT5B_ABI_VERSION_MAJOR;
  api_.abi_minor = MT5B_ABI_VERSION_MINOR;
  api_.host_ctx = this;
  api_.callback_log = [](void* c, mt5b_log_level level, mt5b_str message) {
    auto* self = static_cast<PluginInstance*>(c);
    Logger::instance().write(to_level(level), self->source_, sdk::view(message));
  };
  api_.callback_counter_add = [](void* c, mt5b_str name, mt5b_str extra, double v) {
    auto* self = static_cast<PluginInstance*>(c);
    self->metrics_.counter_add(sdk::view(name), self->labels_with(extra), v);
  };
  api_.callback_gauge_set = [](void* c, mt5b_str name, mt5b_str extra, double v) {
    auto* self = static_cast<PluginInstance*>(c);
    self->metrics_.gauge_set(sdk::view(name), self->labels_with(extra), v);
  };
  api_.callback_histogram_observe = [](void* c, mt5b_str name, mt5b_str extra, double v) {
    auto* self = static_cast<PluginInstance*>(c);
    self->metrics_.observe(sdk::view(name), self->labels_with(extra), v);
  };
  api_.callback_now_unix_ms = [](void*) -> int64_t {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  };
  api_.callback_monotonic_ns = [](void*) -> int64_t {
    using namespace std::chrono;
    return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
  };
}

std::string PluginInstance::labels_with(mt5b_str extra) const {
  if (extra.size == 0) return metric_labels_;
  return metric_labels_ + "," + sdk::copy(extra);
}

std::unique_ptr<PluginInstance> PluginInstance::create(const InstanceConfig& config,
                                                       MetricsRegistry& metrics) {
  std::unique_ptr<PluginInstance> self(new PluginInstance(config, metrics));
  mt5b_instance* handle = nullptr;
  mt5b_status s = self->plugin_.descriptor.on_create(&self->api_, sdk::str(config.name),
                                                     sdk::str(config.config_json), &handle);
  self->handle_ = handle;
  if (s != MT5B_OK) {
    std::string why = handle ? self->last_error() : std::string("no detail given");
    throw PluginCallError(s, config.location + ": cannot start " +
                                 std::string(kind_name(config.kind)) + " instance '" + config.name +
                                 "' (plugin " + self->plugin_.name() + "): " + why);
  }
  if (!handle)
    throw PluginCallError(MT5B_FAILED, config.location + ": plugin " + self->plugin_.name() +
                                           " reported success but returned no instance");
  return self;
}

PluginInstance::~PluginInstance() {
  if (handle_) plugin_.descriptor.on_destroy(handle_);
}

std::string PluginInstance::last_error() const {
  if (!handle_) return {};
  return sdk::copy(plugin_.descriptor.on_last_error(handle_));
}

void PluginInstance::check(mt5b_status status, const char* operation) const {
  if (status == MT5B_OK) return;
  std::string why = last_error();
  if (why.empty()) why = sdk::status_name(status);
  throw PluginCallError(status, std::string(operation) + " failed in " + source_.kind + " '" +
                                    source_.instance + "': " + why);
}

}  // namespace mt5b::host
