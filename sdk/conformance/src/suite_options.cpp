#include "suite_options.hpp"

#include <string_view>

namespace mt5b::conformance {
namespace {

SuiteContext& context_slot() {
  static SuiteContext context;  // written once by main before any test runs
  return context;
}

}  // namespace

std::string usage_text() {
  return R"(usage: mt5bridge-storage-conformance --plugin PATH.so (--config JSON | --fresh-config-cmd CMD)
                                      [--plugin-name NAME] [--reset-cmd CMD] [--cleanup-cmd CMD]
                                      [--keep-stores] [gtest flags, e.g. --gtest_filter=Leases.*]

Runs the mt5bridge storage conformance tests against a storage plugin through its C ABI.
Every test gets an empty store of its own:

  --config JSON          the instance config; {tmp} becomes a fresh empty directory per test
                         (removed afterwards) and {id} a unique name like mt5b_4242_7, e.g.
                         --config '{"path": "{tmp}/store.db"}'
  --fresh-config-cmd CMD a shell command run per test (after placeholders are filled in) whose
                         standard output is the config JSON of a new, empty store, e.g. one
                         that creates database {id} and prints its connection settings
  --reset-cmd CMD        a shell command run before each test that empties the store the
                         config names (e.g. drops and re-creates a schema)
  --cleanup-cmd CMD      a shell command run after each test (e.g. drops database {id})
  --plugin-name NAME     which storage plugin of the library to test, when it offers several
  --keep-stores          keep the {tmp} directories, for looking at a failed test's store

Tests that need an ABI 1.1 slot the plugin lacks are skipped with a message naming the slot.
Exit status: 0 when every test passed or was skipped, 1 when one failed, 2 for bad usage.
)";
}

std::optional<SuiteOptions> parse_options(int argc, char** argv, std::string& error, bool& help) {
  SuiteOptions options;
  help = false;
  struct Flag {
    std::string_view name;
    std::string* value;
  };
  const Flag flags[] = {
      {"--plugin", &options.plugin_path},     {"--plugin-name", &options.plugin_name},
      {"--config", &options.config_template}, {"--fresh-config-cmd", &options.fresh_config_cmd},
      {"--reset-cmd", &options.reset_cmd},    {"--cleanup-cmd", &options.cleanup_cmd}};
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help = true;
      return std::nullopt;
    }
    if (arg == "--keep-stores") {
      options.keep_stores = true;
      continue;
    }
    bool known = false;
    for (const Flag& flag : flags) {
      if (arg == flag.name) {
        if (i + 1 >= argc) {
          error = std::string(flag.name) + " needs a value";
          return std::nullopt;
        }
        *flag.value = argv[++i];
        known = true;
      } else if (arg.size() > flag.name.size() && arg.substr(0, flag.name.size()) == flag.name &&
                 arg[flag.name.size()] == '=') {
        *flag.value = std::string(arg.substr(flag.name.size() + 1));
        known = true;
      }
      if (known) break;
    }
    if (!known) {
      error = "unknown argument '" + std::string(arg) + "'";
      return std::nullopt;
    }
  }
  if (options.plugin_path.empty()) {
    error = "--plugin is missing; pass the path of the storage plugin library (.so)";
    return std::nullopt;
  }
  if (options.config_template.empty() == options.fresh_config_cmd.empty()) {
    error = "pass exactly one of --config and --fresh-config-cmd";
    return std::nullopt;
  }
  return options;
}

void install_suite_context(const SuiteContext& context) {
  context_slot() = context;
}

const SuiteContext& suite_context() {
  return context_slot();
}

}  // namespace mt5b::conformance
