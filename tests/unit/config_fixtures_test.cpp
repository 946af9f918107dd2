// load_pipeline_config against real files: every known-bad config in config/bad/ is refused with
// the file, a line, the place and a fix; config/default.yaml loads; substitution, typing and
// secrecy rules hold. Plugins are found by name in this build's plugin directory.
#include "config/pipeline_config.hpp"
#include "fixtures/fixture_auth_plugin.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using mt5b::host::ConfigError;
using mt5b::host::ConfigLoadOptions;
using mt5b::host::EnvLookup;
using mt5b::host::PipelineConfig;
using mt5b::host::PluginLoader;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

const fs::path kSourceDir = MT5BRIDGE_SOURCE_DIR;
const fs::path kPluginDir = MT5BRIDGE_PLUGIN_DIR;
const fs::path kBadDir = kSourceDir / "config" / "bad";
const fs::path kConfigFixtures = kSourceDir / "tests" / "unit" / "fixtures" / "configs";

EnvLookup fake_env(std::map<std::string, std::string> vars = {}) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// An auth plugin compiled into the test, with one option of each shape the tests need.
class OptionsAuth : public fixture::FixtureAuth {
 public:
  static constexpr const char* kName = "auth-options";
  using FixtureAuth::FixtureAuth;
  static std::span<const mt5b_option> options() {
    static const mt5b_option table[] = {
        mt5b::sdk::option("label", MT5B_OPT_STRING, 0, "\"plain\"", "A free text."),
        mt5b::sdk::option("retries", MT5B_OPT_INT, 0, "3", "A number with a default."),
        mt5b::sdk::option("extra", MT5B_OPT_OBJECT, 0, nullptr, "Any mapping."),
        mt5b::sdk::option("token", MT5B_OPT_STRING, MT5B_OPT_SECRET, nullptr, "A secret."),
    };
    return table;
  }
};
MT5B_DEFINE_PLUGIN_LIST(options_plugin_list, mt5b::sdk::descriptor<OptionsAuth>())

ConfigLoadOptions load_options(EnvLookup env) {
  ConfigLoadOptions options;
  options.env = std::move(env);
  options.default_search_path = {kPluginDir};
  options.register_static = [](PluginLoader& loader) {
    loader.register_static(&options_plugin_list, "config-test");
  };
  return options;
}

PipelineConfig load(const fs::path& file, EnvLookup env = fake_env()) {
  std::unique_ptr<PluginLoader> loader;
  return load_pipeline_config(file, load_options(std::move(env)), loader);
}

struct Refusal {
  std::string text;  // what()
  std::vector<std::string> problems;
};

Refusal refusal(const fs::path& file, EnvLookup env = fake_env()) {
  try {
    load(file, std::move(env));
  } catch (const ConfigError& e) {
    return {e.what(), e.problems()};
  }
  ADD_FAILURE() << file << " loaded, but it should have been refused";
  return {};
}

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  EXPECT_FALSE(doc.HasParseError()) << json;
  return doc;
}

// The name of a real plugin this build lacks (MT5BRIDGE_PLUGINS may leave some out), or "".
std::string missing_real_plugin() {
  for (const char* name :
       {"storage-sqlite", "auth-apikey", "auth-jwt", "broker-mock", "transport-http"})
    if (!fs::exists(kPluginDir / (std::string(name) + ".so"))) return name;
  return "";
}

// Tests of files that name the real plugins skip, saying which is missing, when one is not built.
class RealPluginsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string missing = missing_real_plugin(); !missing.empty()) {
      GTEST_SKIP() << missing << ".so is not built in " << kPluginDir
                   << "; configure with every plugin in MT5BRIDGE_PLUGINS to run this";
    }
  }
};

// ---- config/bad/*.yaml -----------------------------------------------------------------------

struct BadConfig {
  std::string file;               // under config/bad/
  int line;                       // the line the main problem points at
  std::string place;              // the dotted key path it names
  std::vector<std::string> says;  // what it must say, the fix included
};

// Names the case by its file in test listings.
void PrintTo(const BadConfig& bad, std::ostream* os) {
  *os << bad.file;
}

const std::vector<BadConfig> kBadConfigs = {
    {"unknown-top-key.yaml", 1, "pipelines", {"unknown key 'pipelines'", "allowed keys"}},
    {"unknown-plugin-option.yaml",
     2,
     "pipeline.storage.cache_size",
     {"unknown key 'cache_size'", "storage-sqlite", "its options are: path"}},
    {"missing-env.yaml",
     3,
     "pipeline.auth[0].keys[0]",
     {"MT5BRIDGE_TEST_UNSET_VARIABLE", "export it"}},
    {"wrong-type.yaml", 4, "pipeline.transports[0].threads", {"'threads'", "whole number"}},
    {"unknown-plugin.yaml",
     2,
     "pipeline.storage.plugin",
     {"storage-mongodb", kPluginDir.string(), "mt5bridge plugins"}},
    {"wrong-kind.yaml", 2, "pipeline.storage.plugin", {"broker plugin", "needs a storage plugin"}},
    {"missing-required-option.yaml",
     3,
     "pipeline.auth[0].keys",
     {"missing required option 'keys'", "auth-apikey"}},
    {"bad-encryption-key.yaml",
     5,
     "crypto.keys[0].key",
     {"32 random bytes", "openssl rand -base64 32"}},
    {"no-crypto.yaml", 1, "crypto", {"missing section `crypto`", "keys:"}},
    {"not-yaml.yaml", 2, "", {"not valid YAML"}},
    {"missing-brokers.yaml", 2, "pipeline.brokers", {"brokers", "list at least one broker"}},
    {"duplicate-key.yaml", 8, "api", {"appears twice", "first at line 5", "remove or merge"}},
};

class BadConfigFile : public RealPluginsTest, public ::testing::WithParamInterface<BadConfig> {};

TEST_P(BadConfigFile, is_refused_naming_file_line_place_and_fix) {
  const BadConfig& bad = GetParam();
  const std::string path = (kBadDir / bad.file).string();
  Refusal r = refusal(path);
  ASSERT_FALSE(r.problems.empty());
  // The problem that says the first expected thing is the one this file is about.
  auto main = std::find_if(r.problems.begin(), r.problems.end(), [&](const std::string& p) {
    return p.find(bad.says.front()) != std::string::npos;
  });
  ASSERT_NE(main, r.problems.end()) << r.text;
  EXPECT_THAT(*main, ::testing::StartsWith(path + ":" + std::to_string(bad.line) + ":"));
  if (!bad.place.empty()) {
    EXPECT_THAT(*main, HasSubstr(": " + bad.place + ": "));
  }
  for (const auto& text : bad.says) EXPECT_THAT(*main, HasSubstr(text));
  EXPECT_THAT(r.text, HasSubstr(*main)) << "what() lists every problem";
}

INSTANTIATE_TEST_SUITE_P(ConfigBad, BadConfigFile, ::testing::ValuesIn(kBadConfigs),
                         [](const auto& info) {
                           std::string name = fs::path(info.param.file).stem().string();
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(ConfigBadDirectory, every_file_has_its_expectation_in_this_test) {
  for (const auto& entry : fs::directory_iterator(kBadDir)) {
    if (entry.path().extension() != ".yaml") continue;
    std::string file = entry.path().filename().string();
    bool listed = std::any_of(kBadConfigs.begin(), kBadConfigs.end(),
                              [&](const BadConfig& b) { return b.file == file; });
    EXPECT_TRUE(listed) << "config/bad/" << file << " has no entry in kBadConfigs";
  }
}

// ---- config/default.yaml ---------------------------------------------------------------------

using ConfigLoad = RealPluginsTest;

TEST_F(ConfigLoad, default_yaml_loads_with_an_empty_environment_using_dev_defaults) {
  PipelineConfig config = load(kSourceDir / "config" / "default.yaml");
  EXPECT_EQ(config.instance_id, "mt5bridge-dev");
  EXPECT_EQ(config.storage.loaded.name(), "storage-sqlite");
  ASSERT_EQ(config.auth.size(), 2u);
  ASSERT_EQ(config.brokers.size(), 1u);
  EXPECT_EQ(config.brokers[0].name, "demo");
  EXPECT_EQ(parse(config.brokers[0].config_json)["scenario"], "config/scenarios/demo.json");
  ASSERT_EQ(config.transports.size(), 1u);
  EXPECT_EQ(config.transports[0].name, "transport-http");
  ASSERT_EQ(config.keys.size(), 1u);
  EXPECT_EQ(config.active_key_id, "k1");
  EXPECT_TRUE(config.api.service_key_acts_on_any_account);
}

TEST_F(ConfigLoad, default_yaml_warns_about_and_registers_each_defaulted_secret) {
  PipelineConfig config = load(kSourceDir / "config" / "default.yaml");
  EXPECT_THAT(config.secrets, Contains("dev-service-key-change-me-0123456789"));
  EXPECT_THAT(config.secrets, Contains("dev-jwt-secret-change-me-0123456789abcdef"));
  EXPECT_THAT(config.secrets, Contains("ZGV2LWVuY3J5cHRpb24ta2V5LWNoYW5nZS1tZS0wMDE="));
  for (const char* place :
       {"crypto.keys[0].key", "pipeline.auth[0].keys[0]", "pipeline.auth[1].hs256_secret"})
    EXPECT_THAT(config.warnings, Contains(HasSubstr(place)));
  for (const auto& w : config.warnings) EXPECT_THAT(w, HasSubstr("development default"));
}

TEST_F(ConfigLoad, substitutes_variables_from_the_environment) {
  const std::string hex_key(64, 'a');
  PipelineConfig config = load(kSourceDir / "config" / "default.yaml",
                               fake_env({{"HOSTNAME", "host-a"},
                                         {"MT5_SERVICE_API_KEY", "service-key-from-env-1234"},
                                         {"MT5BRIDGE_LISTEN", "0.0.0.0:9000"},
                                         {"ENCRYPTION_KEY", hex_key}}));
  EXPECT_EQ(config.instance_id, "host-a");
  EXPECT_EQ(parse(config.auth[0].config_json)["keys"][0], "service-key-from-env-1234");
  EXPECT_EQ(parse(config.transports[0].config_json)["listen"], "0.0.0.0:9000");
  EXPECT_EQ(config.keys[0].bytes[0], 0xaa);
  EXPECT_THAT(config.secrets, Contains("service-key-from-env-1234"));
  EXPECT_THAT(config.secrets, Contains(hex_key));
  // Only the JWT secret still uses its development default.
  ASSERT_EQ(config.warnings.size(), 1u) << ::testing::PrintToString(config.warnings);
  EXPECT_THAT(config.warnings[0], HasSubstr("pipeline.auth[1].hs256_secret"));
}

TEST_F(ConfigLoad, an_empty_variable_counts_as_unset) {
  PipelineConfig config =
      load(kSourceDir / "config" / "default.yaml", fake_env({{"HOSTNAME", ""}}));
  EXPECT_EQ(config.instance_id, "mt5bridge-dev");
}

// ---- several problems, typing, defaults, secrecy ---------------------------------------------

TEST_F(ConfigLoad, reports_every_problem_of_a_file_not_only_the_first) {
  Refusal r = refusal(kConfigFixtures / "several-problems.yaml");
  EXPECT_EQ(r.problems.size(), 6u) << r.text;
  EXPECT_THAT(r.text, ::testing::StartsWith("6 problem(s)"));
  for (const char* says :
       {"unknown log level 'loud'", "unknown key 'cache_size'", "MT5BRIDGE_TEST_UNSET_SCENARIO",
        "option 'threads' must be a whole number", "sync.batch_size: must be a whole number",
        "openssl rand -base64 32"})
    EXPECT_THAT(r.problems, Contains(HasSubstr(says)));
}

TEST_F(ConfigLoad, keeps_quoted_and_unquoted_numbers_as_strings_for_string_options) {
  PipelineConfig config = load(kConfigFixtures / "option-values.yaml",
                               fake_env({{"FIXTURE_TOKEN", "fixture-token-value-123"}}));
  auto storage = parse(config.storage.config_json);
  ASSERT_TRUE(storage["path"].IsString());
  EXPECT_EQ(storage["path"], "123");
  auto transport = parse(config.transports[0].config_json);
  ASSERT_TRUE(transport["listen"].IsString());
  EXPECT_EQ(transport["listen"], "8080");
  auto auth = parse(config.auth[0].config_json);
  ASSERT_TRUE(auth["label"].IsString());
  EXPECT_EQ(auth["label"], "123");
}

TEST_F(ConfigLoad, keeps_quoted_scalars_inside_object_options_as_strings) {
  PipelineConfig config = load(kConfigFixtures / "option-values.yaml",
                               fake_env({{"FIXTURE_TOKEN", "fixture-token-value-123"}}));
  auto auth = parse(config.auth[0].config_json);
  ASSERT_TRUE(auth["extra"].IsObject());
  const auto& extra = auth["extra"];
  ASSERT_TRUE(extra["code"].IsString());
  EXPECT_EQ(extra["code"], "007");
  ASSERT_TRUE(extra["count"].IsInt64());
  EXPECT_EQ(extra["count"].GetInt64(), 7);
  EXPECT_TRUE(extra["enabled"].IsTrue());
}

TEST_F(ConfigLoad, registers_secret_named_keys_inside_object_options_for_redaction) {
  // A plugin's option table cannot mark keys inside an OBJECT option secret (e.g. a terminal's
  // token in broker-mt5's terminals list), so the host treats secret-sounding names as secrets.
  PipelineConfig config = load(kConfigFixtures / "option-values.yaml",
                               fake_env({{"FIXTURE_TOKEN", "fixture-token-value-123"}}));
  EXPECT_THAT(config.secrets, ::testing::Contains("nested-token-value-789"));
  EXPECT_THAT(config.secrets, ::testing::Not(::testing::Contains("007")));
}

TEST_F(ConfigLoad, fills_in_defaults_from_the_option_table) {
  PipelineConfig config = load(kConfigFixtures / "option-values.yaml",
                               fake_env({{"FIXTURE_TOKEN", "fixture-token-value-123"}}));
  auto auth = parse(config.auth[0].config_json);
  ASSERT_TRUE(auth.HasMember("retries"));
  EXPECT_EQ(auth["retries"].GetInt64(), 3);
  EXPECT_FALSE(auth.HasMember("missing")) << "options without a default stay absent";
  auto storage = parse(config.storage.config_json);
  EXPECT_EQ(storage["busy_timeout_ms"].GetInt64(), 5000);
  auto transport = parse(config.transports[0].config_json);
  EXPECT_EQ(transport["threads"].GetInt64(), 2);
}

TEST_F(ConfigLoad, registers_secret_option_values_for_redaction) {
  PipelineConfig config = load(kConfigFixtures / "option-values.yaml",
                               fake_env({{"FIXTURE_TOKEN", "fixture-token-value-123"}}));
  EXPECT_THAT(config.secrets, Contains("fixture-token-value-123"));
  EXPECT_THAT(config.secrets, Not(Contains("123")));
}

TEST_F(ConfigLoad, never_repeats_a_secret_value_in_its_problems) {
  Refusal r = refusal(kConfigFixtures / "secrets-in-bad-places.yaml");
  for (const char* place : {"pipeline.auth[0].keys[1]", "pipeline.auth[1].hs256_secret",
                            "pipeline.auth[2].token", "crypto.keys[0].key"})
    EXPECT_THAT(r.problems, Contains(HasSubstr(place))) << "the fixture no longer tests " << place;
  for (const char* secret : {"service-key-value-A1b2C3d4", "jwt-secret-value-Z9y8X7w6",
                             "token-value-Q1w2E3r4", "crypto-key-value-P0o9I8u7"})
    EXPECT_THAT(r.text, Not(HasSubstr(secret)));
}

TEST(ConfigLoadFile, refuses_a_missing_file_naming_it) {
  Refusal r = refusal(kConfigFixtures / "does-not-exist.yaml");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_THAT(r.problems[0], HasSubstr("does-not-exist.yaml"));
  EXPECT_THAT(r.problems[0], HasSubstr("check the path"));
}

}  // namespace
