// What every command of the command line shares: where plugins are looked for, and loading a
// pipeline with every problem printed.
#pragma once

#include "config/pipeline_config.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mt5b::host {

// $MT5BRIDGE_PLUGIN_DIR, then <binary>/../plugins (the build tree), then the install directory.
std::vector<std::filesystem::path> default_search_path();
// The pipeline, or nullopt after printing every problem to stderr.
std::optional<PipelineConfig> load_config_or_report(const std::string& file,
                                                    std::unique_ptr<PluginLoader>& loader);

}  // namespace mt5b::host
