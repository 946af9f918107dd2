// What every command of the command line shares: where plugins are looked for, and loading a
// pipeline with every problem printed.
#pragma once

#include "config/pipeline_config.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mt5b::host {

// --config FILE of every command that reads the pipeline. Given, or $MT5BRIDGE_CONFIG (the
// parser fills both into `value`), or for an installed binary /etc/mt5bridge/mt5bridge.yaml.
struct ConfigOption {
  struct Missing : std::runtime_error {
    using std::runtime_error::runtime_error;
  };
  static constexpr const char* kInstalledDefault = "/etc/mt5bridge/mt5bridge.yaml";

  template <class App>
  void add_to(App* command) {
    command->add_option("-c,--config", value, "the pipeline YAML file")
        ->envname("MT5BRIDGE_CONFIG");
  }
  // The file to read; throws Missing (with what to do) when nothing names one.
  std::string resolve() const;

  std::string value;
};

// Whether this binary runs from an installed location (/usr/...), not a build tree.
bool running_installed();

// $MT5BRIDGE_PLUGIN_DIR, then <binary>/../plugins (the build tree), then the install directory.
std::vector<std::filesystem::path> default_search_path();
// The pipeline, or nullopt after printing every problem to stderr.
std::optional<PipelineConfig> load_config_or_report(const std::string& file,
                                                    std::unique_ptr<PluginLoader>& loader);

}  // namespace mt5b::host
