// Typed reads from a YAML tree with ${VAR} substitution, collecting problems with their place
// (file:line:column and the dotted key path) instead of throwing.
#pragma once

#include "config/pipeline_config.hpp"

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace mt5b::host {

class YamlReader {
 public:
  YamlReader(std::string file, EnvLookup env) : file_(std::move(file)), env_(std::move(env)) {}

  // "file:line:col: " for a node (or "file: " when it has no mark).
  std::string where(const YAML::Node& n) const;
  void problem(const YAML::Node& n, const std::string& path, const std::string& message);
  void warning(const std::string& message) { warnings_.push_back(message); }

  // Substitutes ${VAR} and ${VAR:-default} in a scalar. A missing variable without default is
  // a problem naming it. `secret` registers the result for log redaction.
  std::string scalar(const YAML::Node& n, const std::string& path, bool secret = false);
  // True when the scalar was written quoted (so "123" stays a string).
  static bool quoted(const YAML::Node& n) { return n.Tag() == "!"; }

  bool expect_map(const YAML::Node& n, const std::string& path);
  // Reports every key that appears twice in one mapping, anywhere under `n`, at its second
  // place. yaml-cpp keeps both and lookups return the first, so a setting appended later (say
  // `api: {service_key_acts_on_any_account: false}`) would be ignored without a word.
  void check_duplicate_keys(const YAML::Node& n, const std::string& path);
  // Refuses keys not in `allowed`, naming the allowed ones.
  void check_keys(const YAML::Node& map, const std::string& path,
                  const std::vector<std::string>& allowed);

  std::string string_or(const YAML::Node& n, const std::string& path, std::string fallback,
                        bool secret = false);
  int64_t int_or(const YAML::Node& n, const std::string& path, int64_t fallback, int64_t min,
                 int64_t max);
  bool bool_or(const YAML::Node& n, const std::string& path, bool fallback);
  std::vector<std::string> string_list(const YAML::Node& n, const std::string& path,
                                       bool secret = false);

  const std::vector<std::string>& problems() const { return problems_; }
  const std::vector<std::string>& secrets() const { return secrets_; }
  const std::vector<std::string>& warnings() const { return warnings_; }
  void add_secret(const std::string& s) {
    if (!s.empty()) secrets_.push_back(s);
  }

 private:
  std::string file_;
  EnvLookup env_;
  std::vector<std::string> problems_;
  std::vector<std::string> secrets_;
  std::vector<std::string> warnings_;
};

// Strict integer / boolean parsing of YAML scalar text.
bool parse_int64(const std::string& text, int64_t& out);
bool parse_double(const std::string& text, double& out);
bool parse_bool(const std::string& text, bool& out);

}  // namespace mt5b::host
