// `${file:/path}` and `${credential:name}` in configuration values: secrets read from files
// (systemd LoadCredential= hands them over in $CREDENTIALS_DIRECTORY), redacted like any secret,
// and every way of getting the reference wrong is a problem naming the file.
#include "config/yaml_reader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using mt5b::host::YamlReader;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class SecretFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mt5b-secret-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name, std::ios::binary) << content;
    return (dir_ / name).string();
  }

  YamlReader reader() {
    return YamlReader("pipeline.yaml",
                      [this](const std::string& name) -> std::optional<std::string> {
                        auto it = env_.find(name);
                        if (it == env_.end()) return std::nullopt;
                        return it->second;
                      });
  }

  std::string expand(YamlReader& r, const std::string& text) {
    return r.scalar(YAML::Load("value: \"" + text + "\"")["value"], "auth.key");
  }

  fs::path dir_;
  std::map<std::string, std::string> env_;
};

TEST_F(SecretFile, a_file_reference_reads_the_file_without_its_trailing_newline) {
  std::string path = write("api_key", "s3cret-from-file\n");
  auto r = reader();
  EXPECT_EQ(expand(r, "${file:" + path + "}"), "s3cret-from-file");
  EXPECT_TRUE(r.problems().empty());
  EXPECT_THAT(r.secrets(), ElementsAre("s3cret-from-file")) << "redacted like any secret";
}

TEST_F(SecretFile, a_credential_reference_reads_the_credentials_directory) {
  write("jwt", "jwt-secret-value");
  env_["CREDENTIALS_DIRECTORY"] = dir_.string();
  auto r = reader();
  EXPECT_EQ(expand(r, "prefix-${credential:jwt}"), "prefix-jwt-secret-value");
  EXPECT_TRUE(r.problems().empty());
}

TEST_F(SecretFile, mistakes_are_problems_that_say_what_to_do) {
  write("empty", "");
  write("big", std::string(70 * 1024, 'x'));
  auto r = reader();
  expand(r, "${file:relative/path}");
  expand(r, "${file:" + (dir_ / "missing").string() + "}");
  expand(r, "${file:" + (dir_ / "empty").string() + "}");
  expand(r, "${file:" + (dir_ / "big").string() + "}");
  expand(r, "${credential:jwt}");
  env_["CREDENTIALS_DIRECTORY"] = dir_.string();
  expand(r, "${credential:../etc/passwd}");
  ASSERT_EQ(r.problems().size(), 6u);
  EXPECT_THAT(r.problems()[0], HasSubstr("needs an absolute path"));
  EXPECT_THAT(r.problems()[1], HasSubstr("cannot read"));
  EXPECT_THAT(r.problems()[1], HasSubstr("missing"));
  EXPECT_THAT(r.problems()[2], HasSubstr("is empty"));
  EXPECT_THAT(r.problems()[3], HasSubstr("larger than 64 KiB"));
  EXPECT_THAT(r.problems()[4], HasSubstr("LoadCredential=jwt:"));
  EXPECT_THAT(r.problems()[5], HasSubstr("plain file name"));
  for (const auto& p : r.problems()) EXPECT_THAT(p, HasSubstr("pipeline.yaml"));
  EXPECT_TRUE(r.secrets().empty());
}

}  // namespace
