// Loads a scenario file (docs/scenario-format.md) into an immutable Scenario.
#ifndef MT5B_BROKER_MOCK_SCENARIO_LOADER_HPP
#define MT5B_BROKER_MOCK_SCENARIO_LOADER_HPP

#include "scenario.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace mt5b::broker_mock {

// Parses and checks scenario JSON text. Throws sdk::Error(MT5B_INVALID_ARGUMENT) whose message
// names the JSON path of the first problem (or the line and column of a syntax error).
std::unique_ptr<const Scenario> parse_scenario(std::string_view json);

// Reads the file and parses it; messages name the file. Throws sdk::Error: FAILED when the
// file cannot be read, INVALID_ARGUMENT when its content is not a valid scenario.
std::unique_ptr<const Scenario> load_scenario_file(const std::string& file);

}  // namespace mt5b::broker_mock

#endif  // MT5B_BROKER_MOCK_SCENARIO_LOADER_HPP
