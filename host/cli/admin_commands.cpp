#include "cli/admin_commands.hpp"

#include "api/json_body.hpp"
#include "cli/cli_support.hpp"
#include "log/audit_log.hpp"
#include "log/logger.hpp"
#include "normaliser/time_format.hpp"
#include "runtime/plugin_instance.hpp"
#include "runtime/storage_client.hpp"
#include "runtime/sync_records.hpp"

#include <openssl/crypto.h>

#include <chrono>
#include <cstdio>

namespace mt5b::host {

namespace {

// The storage instance alone, as `serve` would create it.
struct StorageOnly {
  std::unique_ptr<PluginLoader> loader;
  std::optional<PipelineConfig> config;
  MetricsRegistry metrics;
  std::unique_ptr<PluginInstance> instance;
  std::unique_ptr<StorageClient> client;
};

bool open_storage(const std::string& file, StorageOnly& out) {
  out.config = load_config_or_report(file, out.loader);
  if (!out.config) return false;
  for (const auto& s : out.config->secrets) Logger::instance().add_secret(s);
  try {
    AuditLog::instance().configure(out.config->logging);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return false;
  }
  try {
    out.instance = PluginInstance::create(out.config->storage, out.metrics);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", Logger::instance().redact(e.what()).c_str());
    return false;
  }
  out.client = std::make_unique<StorageClient>(*out.instance);
  return true;
}

}  // namespace

int cmd_migrate(const std::string& config_file, const MigrateOptions& options) {
  StorageOnly s;
  if (!open_storage(config_file, s)) return 1;
  const std::string& name = s.config->storage.name;
  try {
    const int64_t current = s.client->migrate_to(-2);  // -2: report, change nothing
    if (options.status_only) {
      std::printf("schema of %s is at version %lld\n", name.c_str(),
                  static_cast<long long>(current));
      return 0;
    }
    int64_t target = options.to_version.value_or(-1);
    if (options.step_down) {
      if (current <= 0) {
        std::printf("schema is at version 0: nothing to undo\n");
        return 0;
      }
      target = current - 1;
    }
    if (options.dry_run) {
      std::printf(
          "dry run: schema of %s is at version %lld; this would move it to %s; nothing "
          "was changed\n",
          name.c_str(), static_cast<long long>(current),
          target < 0 ? "the latest version" : ("version " + std::to_string(target)).c_str());
      return 0;
    }
    int64_t version = s.client->migrate_to(target);
    std::printf("schema of %s is at version %lld\n", name.c_str(), static_cast<long long>(version));
    return 0;
  } catch (const PluginCallError& e) {
    std::fprintf(stderr, "migration failed: %s\n", Logger::instance().redact(e.what()).c_str());
    return 1;
  }
}

namespace {

// "rotate-keys: 2500/10000 credentials (25%)" on stderr, at most once a second and at the end,
// so an operator sees a long rotation move and a script's stdout stays one line.
class Progress {
 public:
  Progress(const char* what, size_t total) : what_(what), total_(total) {}
  void step(size_t done) {
    const auto now = std::chrono::steady_clock::now();
    if (done != total_ && now - last_ < std::chrono::seconds(1)) return;
    last_ = now;
    std::fprintf(stderr, "%s: %zu/%zu credentials (%zu%%)\n", what_, done, total_,
                 total_ == 0 ? 100 : done * 100 / total_);
  }

 private:
  const char* what_;
  size_t total_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace

int cmd_rotate_keys(const std::string& config_file, bool dry_run) {
  StorageOnly s;
  if (!open_storage(config_file, s)) return 1;
  try {
    CredentialCipher cipher(s.config->keys, s.config->active_key_id);
    if (!dry_run) s.client->migrate();
    int64_t rotated = 0, current = 0, failed = 0;
    const auto credentials = s.client->credential_list();
    Progress progress(dry_run ? "rotate-keys (dry run)" : "rotate-keys", credentials.size());
    size_t done = 0;
    for (const auto& c : credentials) {
      progress.step(done++);
      if (CredentialCipher::key_id_of(c.ciphertext) == cipher.active_key_id()) {
        ++current;
        continue;
      }
      try {
        const sdk::SecretString plain = cipher.open(c.ciphertext, c.account_id);
        if (!dry_run) {
          Credential updated = c;
          updated.key_id = cipher.active_key_id();
          updated.ciphertext = cipher.seal(plain.view(), c.account_id);
          s.client->credential_update(updated);
        }
        ++rotated;
      } catch (const CipherError& e) {
        // A credential whose key is gone stays as it is: a clear per-account error, not a crash.
        ++failed;
        std::fprintf(stderr, "account %s: %s\n", c.account_id.c_str(), e.what());
      }
    }
    progress.step(done);
    if (dry_run) {
      std::printf(
          "dry run: would re-seal %lld credential(s) under key %s; %lld already are; %lld "
          "cannot be opened; nothing was changed\n",
          static_cast<long long>(rotated), cipher.active_key_id().c_str(),
          static_cast<long long>(current), static_cast<long long>(failed));
      return failed == 0 ? 0 : 1;
    }
    s.client->audit_append(Audit{
        new_uuid_v4(), "operator:rotate-keys", "credentials_rotated", cipher.active_key_id(),
        "{\"rotated\":" + std::to_string(rotated) + ",\"failed\":" + std::to_string(failed) + "}",
        now_unix_ms()});
    AuditLog::instance().record("keys.rotate", {{"key_id", cipher.active_key_id()},
                                                {"rotated", std::to_string(rotated)},
                                                {"failed", std::to_string(failed)},
                                                {"actor", "operator:rotate-keys"}});
    std::printf("re-sealed %lld credential(s) under key %s; %lld already were; %lld failed\n",
                static_cast<long long>(rotated), cipher.active_key_id().c_str(),
                static_cast<long long>(current), static_cast<long long>(failed));
    return failed == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "key rotation failed: %s\n", Logger::instance().redact(e.what()).c_str());
    return 1;
  }
}

}  // namespace mt5b::host
