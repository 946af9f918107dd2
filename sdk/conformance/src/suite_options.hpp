// The suite's command line, and the context every test reads (set once in main, read-only
// while the tests run).
#ifndef MT5B_CONFORMANCE_SUITE_OPTIONS_HPP
#define MT5B_CONFORMANCE_SUITE_OPTIONS_HPP

#include "plugin_library.hpp"

#include <optional>
#include <string>

namespace mt5b::conformance {

struct SuiteOptions {
  std::string plugin_path;       // --plugin
  std::string plugin_name;       // --plugin-name, when the library offers several storages
  std::string config_template;   // --config, with {tmp} and {id} placeholders
  std::string fresh_config_cmd;  // --fresh-config-cmd: prints a config JSON for a new store
  std::string reset_cmd;         // --reset-cmd: empties the store before each test
  std::string cleanup_cmd;       // --cleanup-cmd: runs after each test
  bool keep_stores = false;      // --keep-stores: leave {tmp} directories for inspection
};

// The usage text, naming every flag and placeholder.
std::string usage_text();

// Reads the suite's flags from what InitGoogleTest left in argv. nullopt with `error` set when
// they are wrong; `help` set when --help was asked for.
std::optional<SuiteOptions> parse_options(int argc, char** argv, std::string& error, bool& help);

struct SuiteContext {
  const SuiteOptions* options = nullptr;
  const PluginLibrary* plugin = nullptr;
};
// main installs the context before RUN_ALL_TESTS; tests read it.
void install_suite_context(const SuiteContext& context);
const SuiteContext& suite_context();

}  // namespace mt5b::conformance

#endif  // MT5B_CONFORMANCE_SUITE_OPTIONS_HPP
