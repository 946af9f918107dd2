// Operator commands that touch only storage: schema migrations and encryption key rotation.
#pragma once

#include <optional>
#include <string>

namespace mt5b::host {

// `mt5bridge migrate --config FILE [--to N | down]`: latest by default; -1 latest.
int cmd_migrate(const std::string& config_file, std::optional<int64_t> to_version, bool step_down);
// `mt5bridge rotate-keys --config FILE`: re-seals every credential under crypto.active_key.
int cmd_rotate_keys(const std::string& config_file);

}  // namespace mt5b::host
