// One live plugin instance: created from its validated config with a host service table of its
// own (so its logs and metrics carry [kind:plugin:instance]), destroyed exactly once. It holds
// its LoadedPlugin, so the library stays loaded while the instance lives.
#pragma once

#include "config/pipeline_config.hpp"
#include "metrics/metrics_registry.hpp"

#include <mt5bridge/abi.h>
#include <mt5bridge/sdk.hpp>

#include <memory>
#include <stdexcept>
#include <string>

namespace mt5b::host {

// A failed call into a plugin: its status and its last_error text.
class PluginCallError : public std::runtime_error {
 public:
  PluginCallError(mt5b_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  mt5b_status status() const noexcept { return status_; }

 private:
  mt5b_status status_;
};

class PluginInstance {
 public:
  // Throws PluginCallError naming the instance when on_create fails.
  static std::unique_ptr<PluginInstance> create(const InstanceConfig& config,
                                                MetricsRegistry& metrics);
  ~PluginInstance();
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;

  mt5b_instance* handle() const { return handle_; }
  const LoadedPlugin& plugin() const { return plugin_; }
  const std::string& name() const { return source_.instance; }
  std::string last_error() const;

  // Throws PluginCallError when `status` is not OK, with this instance's last error.
  void check(mt5b_status status, const char* operation) const;

  // The kind vtable copied into a zeroed struct of the host's size: absent slots read null.
  template <class V>
  V vtable() const {
    V v;
    sdk::read_struct(static_cast<const V*>(plugin_.descriptor.kind_vtable), v);
    return v;
  }

 private:
  PluginInstance(const InstanceConfig& config, MetricsRegistry& metrics);
  // The instance's plugin/instance labels plus the plugin's own.
  std::string labels_with(mt5b_str extra) const;

  LoadedPlugin plugin_;
  LogSource source_;
  MetricsRegistry& metrics_;
  std::string metric_labels_;
  mt5b_host_api api_;
  mt5b_instance* handle_ = nullptr;
};

}  // namespace mt5b::host
