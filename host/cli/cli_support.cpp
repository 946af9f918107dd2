#include "cli/cli_support.hpp"

#include <cstdio>
#include <cstdlib>

#ifndef MT5BRIDGE_INSTALL_PLUGIN_DIR
#define MT5BRIDGE_INSTALL_PLUGIN_DIR "/usr/lib/mt5bridge/plugins"
#endif

namespace mt5b::host {

namespace fs = std::filesystem;

std::vector<fs::path> default_search_path() {
  std::vector<fs::path> out;
  if (const char* env = std::getenv("MT5BRIDGE_PLUGIN_DIR"); env && *env) out.emplace_back(env);
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    out.push_back(exe.parent_path().parent_path() / "plugins");  // the build tree
    // An installed prefix: <prefix>/bin/mt5bridge finds <prefix>/lib/mt5bridge/plugins.
    out.push_back(exe.parent_path().parent_path() / "lib" / "mt5bridge" / "plugins");
  }
  out.emplace_back(MT5BRIDGE_INSTALL_PLUGIN_DIR);
  return out;
}

bool running_installed() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return !ec && exe.string().rfind("/usr/", 0) == 0;
}

std::string ConfigOption::resolve() const {
  if (!value.empty()) return value;
  if (running_installed()) return kInstalledDefault;
  throw Missing(
      "no configuration file: pass --config FILE or set MT5BRIDGE_CONFIG (config/default.yaml "
      "is the development default)");
}

std::optional<PipelineConfig> load_config_or_report(const std::string& file,
                                                    std::unique_ptr<PluginLoader>& loader) {
  ConfigLoadOptions options;
  options.default_search_path = default_search_path();
  try {
    return load_pipeline_config(file, options, loader);
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return std::nullopt;
  }
}

}  // namespace mt5b::host
