#include "cli/admin_commands.hpp"

#include "api/json_body.hpp"
#include "cli/cli_support.hpp"
#include "log/logger.hpp"
#include "normaliser/time_format.hpp"
#include "runtime/plugin_instance.hpp"
#include "runtime/storage_client.hpp"
#include "runtime/sync_records.hpp"

#include <openssl/crypto.h>

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
    out.instance = PluginInstance::create(out.config->storage, out.metrics);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", Logger::instance().redact(e.what()).c_str());
    return false;
  }
  out.client = std::make_unique<StorageClient>(*out.instance);
  return true;
}

}  // namespace

int cmd_migrate(const std::string& config_file, std::optional<int64_t> to_version, bool step_down) {
  StorageOnly s;
  if (!open_storage(config_file, s)) return 1;
  try {
    int64_t target = to_version.value_or(-1);
    if (step_down) {
      int64_t current = s.client->migrate_to(-2);
      if (current <= 0) {
        std::printf("schema is at version 0: nothing to undo\n");
        return 0;
      }
      target = current - 1;
    }
    int64_t version = s.client->migrate_to(target);
    std::printf("schema of %s is at version %lld\n", s.config->storage.name.c_str(),
                static_cast<long long>(version));
    return 0;
  } catch (const PluginCallError& e) {
    std::fprintf(stderr, "migration failed: %s\n", Logger::instance().redact(e.what()).c_str());
    return 1;
  }
}

int cmd_rotate_keys(const std::string& config_file) {
  StorageOnly s;
  if (!open_storage(config_file, s)) return 1;
  try {
    CredentialCipher cipher(s.config->keys, s.config->active_key_id);
    s.client->migrate();
    int64_t rotated = 0, current = 0, failed = 0;
    for (const auto& c : s.client->credential_list()) {
      if (CredentialCipher::key_id_of(c.ciphertext) == cipher.active_key_id()) {
        ++current;
        continue;
      }
      try {
        std::string plain = cipher.open(c.ciphertext, c.account_id);
        Credential updated = c;
        updated.key_id = cipher.active_key_id();
        updated.ciphertext = cipher.seal(plain, c.account_id);
        OPENSSL_cleanse(plain.data(), plain.size());
        s.client->credential_update(updated);
        ++rotated;
      } catch (const CipherError& e) {
        // A credential whose key is gone stays as it is: a clear per-account error, not a crash.
        ++failed;
        std::fprintf(stderr, "account %s: %s\n", c.account_id.c_str(), e.what());
      }
    }
    s.client->audit_append(AuditEvent{
        new_uuid_v4(), now_unix_ms(), "operator:rotate-keys", "credentials_rotated",
        cipher.active_key_id(),
        "{\"rotated\":" + std::to_string(rotated) + ",\"failed\":" + std::to_string(failed) + "}"});
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
