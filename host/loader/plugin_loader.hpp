// Finds plugin libraries, loads them with Boost.DLL and checks what they offer against the ABI:
// version rule, struct sizes, required slots. A library stays loaded while any LoadedPlugin (and
// so any instance made from it) refers to it.
#pragma once

#include <mt5bridge/abi.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mt5b::host {

class LoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class PluginLibrary;  // the loaded shared object

struct LoadedPlugin {
  std::shared_ptr<const PluginLibrary> library;  // null for statically registered plugins
  mt5b_plugin_descriptor descriptor{};           // copied, zero-extended to the host's size
  std::string origin;                            // file path, or "static:<name>"

  mt5b_plugin_kind kind() const { return static_cast<mt5b_plugin_kind>(descriptor.kind); }
  std::string name() const { return descriptor.name ? descriptor.name : ""; }
  std::string version() const { return descriptor.version ? descriptor.version : ""; }
};

std::string_view kind_name(mt5b_plugin_kind kind);

// Checks the ABI version of a plugin list: same major, host minor >= plugin minor.
// Returns an empty string when acceptable, else a sentence naming both versions.
std::string check_abi_version(uint16_t plugin_major, uint16_t plugin_minor,
                              std::string_view origin);

class PluginLoader {
 public:
  explicit PluginLoader(std::vector<std::filesystem::path> search_path);

  // Registers plugins compiled into the host or a test, through the same entry function.
  void register_static(mt5b_plugin_entry_fn entry, std::string_view origin);

  // A plugin by name: statically registered ones first, then `<name>.so` in the search path.
  // `library` (optional) names the file explicitly. Throws LoadError with a sentence.
  LoadedPlugin find(std::string_view name, std::string_view library = {});

  // Every plugin in every library of the search path (for `mt5bridge plugins`). Libraries that
  // fail to load are reported in `problems`, not thrown.
  std::vector<LoadedPlugin> discover(std::vector<std::string>* problems);

  // Loads one library by path and returns every plugin it offers.
  std::vector<LoadedPlugin> load_library(const std::filesystem::path& path);

  const std::vector<std::filesystem::path>& search_path() const { return search_path_; }

 private:
  std::vector<LoadedPlugin> from_list(const mt5b_plugin_list* list,
                                      std::shared_ptr<const PluginLibrary> library,
                                      const std::string& origin);

  std::vector<std::filesystem::path> search_path_;
  std::vector<LoadedPlugin> static_plugins_;
};

}  // namespace mt5b::host
