// Validates one plugin instance's YAML against the plugin's declared option table and turns it
// into the JSON object the plugin receives (defaults filled in). Problems go to the YamlReader.
#pragma once

#include "config/yaml_reader.hpp"

#include <mt5bridge/abi.h>

#include <string>
#include <vector>

namespace mt5b::host {

class OptionValidator {
 public:
  explicit OptionValidator(YamlReader& reader) : reader_(reader) {}

  // `reserved` are host keys of the instance (plugin, name, ...) that the plugin never sees.
  std::string validate(const YAML::Node& instance, const std::string& path,
                       const mt5b_plugin_descriptor& descriptor,
                       const std::vector<std::string>& reserved);

 private:
  YamlReader& reader_;
};

}  // namespace mt5b::host
