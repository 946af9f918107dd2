// Operator commands that touch only storage: schema migrations and encryption key rotation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mt5b::host {

struct MigrateOptions {
  std::optional<int64_t> to_version;  // none: the latest
  bool step_down = false;             // `migrate down`: one version down
  bool status_only = false;           // `migrate status`: report, change nothing
  bool dry_run = false;               // say what would change, change nothing
};

// `mt5bridge migrate [--config FILE] [--to N | down | status] [--dry-run]`.
int cmd_migrate(const std::string& config_file, const MigrateOptions& options);
// `mt5bridge rotate-keys [--config FILE] [--dry-run]`: re-seals every credential under
// crypto.active_key, with progress on stderr; --dry-run only counts and checks.
int cmd_rotate_keys(const std::string& config_file, bool dry_run);

}  // namespace mt5b::host
