// mt5bridge-storage-conformance: the storage conformance suite as one executable that loads
// any storage plugin through its C ABI (see ../README.md).
#include "plugin_library.hpp"
#include "suite_options.hpp"

#include <gtest/gtest.h>

#include <iostream>

int main(int argc, char** argv) {
  using namespace mt5b::conformance;
  ::testing::InitGoogleTest(&argc, argv);                  // removes the --gtest_* flags it knows
  if (GTEST_FLAG_GET(list_tests)) return RUN_ALL_TESTS();  // names only: no plugin needed
  std::string error;
  bool help = false;
  const auto options = parse_options(argc, argv, error, help);
  if (!options) {
    if (help) {
      std::cout << usage_text();
      return 0;
    }
    std::cerr << "mt5bridge-storage-conformance: " << error << "\n\n" << usage_text();
    return 2;
  }
  const auto plugin = PluginLibrary::load(options->plugin_path, options->plugin_name, error);
  if (!plugin) {
    std::cerr << "mt5bridge-storage-conformance: " << error << "\n";
    return 2;
  }
  std::cout << "Storage conformance of " << plugin->describe() << "\n";
  install_suite_context(SuiteContext{&*options, plugin.get()});
  return RUN_ALL_TESTS() == 0 ? 0 : 1;
}
