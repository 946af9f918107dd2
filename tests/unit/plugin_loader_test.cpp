// The plugin loader against real shared libraries: the fixture libraries built from
// tests/unit/fixtures/ (each wrong in one way) and the real plugins of this build.
#include "loader/plugin_loader.hpp"
#include "fixtures/fixture_auth_plugin.hpp"

#include <mt5bridge/sdk.hpp>
#include <mt5bridge/testing.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using mt5b::host::check_abi_version;
using mt5b::host::LoadedPlugin;
using mt5b::host::LoadError;
using mt5b::host::PluginLoader;
using ::testing::HasSubstr;
using ::testing::Not;

const fs::path kPluginDir = MT5BRIDGE_PLUGIN_DIR;
const fs::path kFixtureDir = MT5BRIDGE_FIXTURE_PLUGIN_DIR;

fs::path fixture(const std::string& file_name) {
  return kFixtureDir / (file_name + ".so");
}

std::string version_text(int major, int minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}
const std::string kHostVersion = version_text(MT5B_ABI_VERSION_MAJOR, MT5B_ABI_VERSION_MINOR);

// The message of the LoadError `fn` throws; records a failure when it throws nothing.
template <class Fn>
std::string refusal(Fn&& fn) {
  try {
    fn();
  } catch (const LoadError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a LoadError";
  return {};
}

std::vector<std::string> names_of(const std::vector<LoadedPlugin>& plugins) {
  std::vector<std::string> names;
  for (const auto& p : plugins) names.push_back(p.name());
  return names;
}

// A plugin compiled into the test, registered through the same entry function shape.
class StaticAuth : public fixture::FixtureAuth {
 public:
  static constexpr const char* kName = "static-auth";
  using FixtureAuth::FixtureAuth;
};
MT5B_DEFINE_PLUGIN_LIST(static_plugin_list, mt5b::sdk::descriptor<StaticAuth>())

const mt5b_plugin_list* static_list_from_another_major() {
  static const mt5b_plugin_descriptor* const plugins[] = {mt5b::sdk::descriptor<StaticAuth>()};
  static const mt5b_plugin_list list{
      sizeof(mt5b_plugin_list), MT5B_ABI_VERSION_MAJOR + 1, 0, 1, 0, plugins};
  return &list;
}

const mt5b_plugin_list* static_list_without_plugin_array() {
  static const mt5b_plugin_list list{
      sizeof(mt5b_plugin_list), MT5B_ABI_VERSION_MAJOR, MT5B_ABI_VERSION_MINOR, 1, 0, nullptr};
  return &list;
}

// ---- refusals ----------------------------------------------------------------------------

TEST(PluginLoader, refuses_library_without_entry_symbol_naming_its_path_and_the_symbol) {
  PluginLoader loader({kFixtureDir});
  std::string message = refusal([&] { loader.load_library(fixture("no-entry")); });
  EXPECT_THAT(message, HasSubstr(fixture("no-entry").string()));
  EXPECT_THAT(message, HasSubstr(MT5B_PLUGIN_ENTRY_SYMBOL));
}

TEST(PluginLoader, refuses_plugin_built_for_another_major_naming_both_versions) {
  PluginLoader loader({kFixtureDir});
  std::string message = refusal([&] { loader.find("abi-major-ahead"); });
  EXPECT_THAT(message, HasSubstr(version_text(MT5B_ABI_VERSION_MAJOR + 1, MT5B_ABI_VERSION_MINOR)));
  EXPECT_THAT(message, HasSubstr(kHostVersion));
  EXPECT_THAT(message, HasSubstr(fixture("abi-major-ahead").string()));
}

TEST(PluginLoader, refuses_plugin_built_for_a_newer_minor_naming_both_versions) {
  PluginLoader loader({kFixtureDir});
  std::string message = refusal([&] { loader.load_library(fixture("abi-minor-ahead")); });
  EXPECT_THAT(message, HasSubstr(version_text(MT5B_ABI_VERSION_MAJOR, MT5B_ABI_VERSION_MINOR + 1)));
  EXPECT_THAT(message, HasSubstr(kHostVersion));
  EXPECT_THAT(message, HasSubstr("rebuild the plugin"));
}

TEST(PluginLoader, refuses_unknown_plugin_name_naming_the_search_path) {
  PluginLoader loader({kFixtureDir, "/nonexistent/mt5bridge-plugins"});
  std::string message = refusal([&] { loader.find("storage-mongodb"); });
  EXPECT_THAT(message, HasSubstr("storage-mongodb"));
  EXPECT_THAT(message, HasSubstr(kFixtureDir.string()));
  EXPECT_THAT(message, HasSubstr("/nonexistent/mt5bridge-plugins"));
}

TEST(PluginLoader, load_library_refuses_a_missing_file_naming_it) {
  PluginLoader loader({kFixtureDir});
  EXPECT_THAT(refusal([&] { loader.load_library("/nonexistent/fixture-auth.so"); }),
              HasSubstr("/nonexistent/fixture-auth.so"));
}

TEST(PluginLoader, refusal_of_a_missing_explicit_library_names_that_file) {
  PluginLoader loader({kFixtureDir});
  EXPECT_THAT(refusal([&] { loader.find("fixture-auth", "/nonexistent/fixture-auth.so"); }),
              HasSubstr("/nonexistent/fixture-auth.so"));
  EXPECT_THAT(refusal([&] { loader.find("/nonexistent/fixture-auth.so"); }),
              Not(HasSubstr(".so.so")));
}

TEST(PluginLoader, refuses_library_that_does_not_offer_the_named_plugin) {
  PluginLoader loader({});
  std::string message =
      refusal([&] { loader.find("auth-other", fixture("fixture-auth").string()); });
  EXPECT_THAT(message, HasSubstr("does not offer a plugin named 'auth-other'"));
}

// ---- loading -------------------------------------------------------------------------------

TEST(PluginLoader, loads_plugin_built_for_an_older_or_equal_minor) {
  PluginLoader loader({kFixtureDir});
  auto plugins = loader.load_library(fixture("abi-minor-behind"));
  ASSERT_EQ(plugins.size(), 1u);
  EXPECT_EQ(plugins[0].name(), "abi-minor-behind");
  EXPECT_EQ(plugins[0].kind(), MT5B_KIND_AUTH);
}

TEST(PluginLoader, finds_plugin_by_name_in_the_search_path) {
  PluginLoader loader({"/nonexistent/first", kFixtureDir});
  LoadedPlugin plugin = loader.find("fixture-auth");
  EXPECT_EQ(plugin.name(), "fixture-auth");
  EXPECT_EQ(plugin.version(), "0.0.1");
  EXPECT_EQ(plugin.kind(), MT5B_KIND_AUTH);
  EXPECT_EQ(plugin.origin, fixture("fixture-auth").string());
  EXPECT_NE(plugin.library, nullptr);
  EXPECT_EQ(plugin.descriptor.struct_size, sizeof(mt5b_plugin_descriptor));
  EXPECT_EQ(plugin.descriptor.option_count, 1u);
}

TEST(PluginLoader, finds_plugin_by_explicit_library_path_outside_the_search_path) {
  PluginLoader loader({});
  EXPECT_EQ(loader.find("fixture-auth", fixture("fixture-auth").string()).name(), "fixture-auth");
  EXPECT_EQ(loader.find(fixture("fixture-auth").string()).name(), "fixture-auth");
}

TEST(PluginLoader, discover_lists_the_real_plugins_and_reports_bad_libraries_without_throwing) {
  std::vector<std::string> real;
  for (const auto& entry : fs::directory_iterator(kPluginDir))
    if (entry.path().extension() == ".so") real.push_back(entry.path().stem().string());
  if (real.empty()) GTEST_SKIP() << "no plugin is built in " << kPluginDir;

  PluginLoader loader({kPluginDir, kFixtureDir});
  std::vector<std::string> problems;
  std::vector<LoadedPlugin> found;
  ASSERT_NO_THROW(found = loader.discover(&problems));
  auto names = names_of(found);
  for (const auto& name : real) EXPECT_THAT(names, ::testing::Contains(name));
  EXPECT_THAT(names, ::testing::Contains("fixture-auth"));
  EXPECT_THAT(names, ::testing::Contains("abi-minor-behind"));
  EXPECT_THAT(names, Not(::testing::Contains("abi-major-ahead")));

  ASSERT_EQ(problems.size(), 3u) << ::testing::PrintToString(problems);
  for (const char* bad : {"no-entry", "abi-major-ahead", "abi-minor-ahead"})
    EXPECT_THAT(problems, ::testing::Contains(HasSubstr(fixture(bad).string())));
}

TEST(PluginLoader, discover_without_a_problem_list_still_skips_bad_libraries) {
  PluginLoader loader({kFixtureDir, "/nonexistent/dir"});
  // fixture-auth, abi-minor-behind, storage-without-sync
  EXPECT_EQ(loader.discover(nullptr).size(), 3u);
}

// ---- static registration ---------------------------------------------------------------------

TEST(PluginLoader, register_static_accepts_an_entry_defined_with_define_plugin_list) {
  PluginLoader loader({});
  loader.register_static(&static_plugin_list, "unit-test");
  LoadedPlugin plugin = loader.find("static-auth");
  EXPECT_EQ(plugin.origin, "static:unit-test");
  EXPECT_EQ(plugin.library, nullptr);
  EXPECT_EQ(plugin.kind(), MT5B_KIND_AUTH);
  EXPECT_THAT(names_of(loader.discover(nullptr)), ::testing::Contains("static-auth"));
}

TEST(PluginLoader, register_static_applies_the_same_version_rule) {
  PluginLoader loader({});
  std::string message =
      refusal([&] { loader.register_static(&static_list_from_another_major, "unit-test"); });
  EXPECT_THAT(message, HasSubstr("static:unit-test"));
  EXPECT_THAT(message, HasSubstr(version_text(MT5B_ABI_VERSION_MAJOR + 1, 0)));
}

TEST(PluginLoader, refuses_a_list_that_counts_plugins_but_has_no_array) {
  PluginLoader loader({});
  EXPECT_THAT(
      refusal([&] { loader.register_static(&static_list_without_plugin_array, "unit-test"); }),
      HasSubstr("static:unit-test"));
}

// ---- lifetime --------------------------------------------------------------------------------

TEST(PluginLoader, loaded_plugin_keeps_its_library_loaded_after_the_loader_is_destroyed) {
  LoadedPlugin plugin;
  {
    PluginLoader loader({kFixtureDir});
    plugin = loader.find("fixture-auth");
  }
  mt5b::sdk::testing::FakeHost host;
  mt5b_instance* instance = nullptr;
  ASSERT_EQ(plugin.descriptor.on_create(host.api(), mt5b::sdk::str("fixture-1"),
                                        mt5b::sdk::str("{\"greeting\":\"hi\"}"), &instance),
            MT5B_OK);
  ASSERT_NE(instance, nullptr);

  auto* auth = static_cast<const mt5b_auth_vtable*>(plugin.descriptor.kind_vtable);
  mt5b_header header{mt5b::sdk::str("X-Fixture"), mt5b::sdk::str("let-me-in")};
  auto request = mt5b::sdk::make<mt5b_http_request>();
  request.headers = &header;
  request.header_count = 1;
  std::string subject;
  auto emit = [](void* ctx, const mt5b_principal* p) {
    *static_cast<std::string*>(ctx) = mt5b::sdk::copy(p->subject);
  };
  EXPECT_EQ(auth->on_authenticate(instance, &request, emit, &subject), MT5B_OK);
  EXPECT_EQ(subject, "fixture");
  plugin.descriptor.on_destroy(instance);
}

// ---- the version rule ----------------------------------------------------------------------

TEST(CheckAbiVersion, accepts_the_same_major_with_an_equal_or_older_minor) {
  EXPECT_EQ(check_abi_version(MT5B_ABI_VERSION_MAJOR, MT5B_ABI_VERSION_MINOR, "p.so"), "");
  EXPECT_EQ(check_abi_version(MT5B_ABI_VERSION_MAJOR, 0, "p.so"), "");
}

TEST(CheckAbiVersion, refuses_a_newer_minor_naming_origin_and_both_versions) {
  std::string why = check_abi_version(MT5B_ABI_VERSION_MAJOR, MT5B_ABI_VERSION_MINOR + 1, "p.so");
  EXPECT_THAT(why, HasSubstr("p.so"));
  EXPECT_THAT(why, HasSubstr(version_text(MT5B_ABI_VERSION_MAJOR, MT5B_ABI_VERSION_MINOR + 1)));
  EXPECT_THAT(why, HasSubstr(kHostVersion));
  EXPECT_THAT(why, HasSubstr("newer host"));
}

TEST(CheckAbiVersion, refuses_a_newer_or_older_major_naming_both_versions) {
  std::string newer = check_abi_version(MT5B_ABI_VERSION_MAJOR + 1, 0, "p.so");
  EXPECT_THAT(newer, HasSubstr(version_text(MT5B_ABI_VERSION_MAJOR + 1, 0)));
  EXPECT_THAT(newer, HasSubstr(kHostVersion));
  EXPECT_THAT(newer, HasSubstr("major versions differ"));
  std::string older = check_abi_version(MT5B_ABI_VERSION_MAJOR - 1, MT5B_ABI_VERSION_MINOR, "p.so");
  EXPECT_THAT(older, HasSubstr(version_text(MT5B_ABI_VERSION_MAJOR - 1, MT5B_ABI_VERSION_MINOR)));
  EXPECT_THAT(older, HasSubstr(kHostVersion));
}

TEST(KindName, names_each_plugin_kind) {
  EXPECT_EQ(mt5b::host::kind_name(MT5B_KIND_TRANSPORT), "transport");
  EXPECT_EQ(mt5b::host::kind_name(MT5B_KIND_AUTH), "auth");
  EXPECT_EQ(mt5b::host::kind_name(MT5B_KIND_STORAGE), "storage");
  EXPECT_EQ(mt5b::host::kind_name(MT5B_KIND_BROKER), "broker");
}

}  // namespace
