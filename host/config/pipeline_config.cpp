#include "config/pipeline_config.hpp"

#include "config/client_address.hpp"

#include "config/option_validator.hpp"
#include "config/yaml_reader.hpp"

#include <cstdlib>
#include <set>

namespace mt5b::host {

namespace fs = std::filesystem;

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::string build_message(const std::vector<std::string>& problems) {
  std::string out = std::to_string(problems.size()) + " problem(s) in the configuration:";
  for (const auto& p : problems) out += "\n  - " + p;
  return out;
}

// Host-level keys, with what each section allows.
const std::vector<std::string> kTopKeys{"service", "plugins",    "pipeline", "sync",
                                        "crypto",  "normaliser", "api"};
const std::vector<std::string> kNormaliserKeys{"pips"};
const std::vector<std::string> kPipKeys{"xau", "xag", "index", "crypto", "per_symbol"};
const std::vector<std::string> kRateLimitKeys{
    "per_key_per_min", "connect_per_min", "health_per_ip_per_min", "auth_failures_per_ip_per_min"};
const std::vector<std::string> kServiceKeys{
    "instance_id",     "log_level",     "log_format", "log_sinks", "log_file",
    "log_file_max_mb", "log_file_keep", "access_log", "audit_log", "audit_retention_days"};
const std::vector<std::string> kPluginsKeys{"search_path"};
const std::vector<std::string> kPipelineKeys{"storage", "auth", "brokers", "transports"};
const std::vector<std::string> kSyncKeys{"schedule",         "batch_size",  "concurrency",
                                         "cycle_budget_s",   "overlap_s",   "initial_history_days",
                                         "retry_backoff_ms", "lease_ttl_s", "enabled"};
const std::vector<std::string> kCryptoKeys{"keys", "active_key"};
const std::vector<std::string> kCryptoKeyKeys{"id", "key"};
const std::vector<std::string> kApiKeys{"service_key_acts_on_any_account",
                                        "user_token_alone",
                                        "broker_timeout_ms",
                                        "info_cache_ttl_s",
                                        "positions_cache_ttl_s",
                                        "history_cache_ttl_s",
                                        "rate_limits",
                                        "cors_origins",
                                        "trusted_proxies"};

class Loader {
 public:
  Loader(const fs::path& file, const ConfigLoadOptions& options, std::unique_ptr<PluginLoader>& pl)
      : reader_(file.string(), options.env), options_(options), plugin_loader_(pl) {
    config_.file = file.string();
  }

  PipelineConfig run() {
    YAML::Node root;
    try {
      root = YAML::LoadFile(config_.file);
    } catch (const YAML::BadFile&) {
      throw ConfigError({config_.file + ": cannot read the file; check the path and permissions"});
    } catch (const YAML::ParserException& e) {
      throw ConfigError({config_.file + ":" + std::to_string(e.mark.line + 1) + ":" +
                         std::to_string(e.mark.column + 1) + ": not valid YAML: " + e.msg});
    }
    if (!root.IsMap()) {
      reader_.problem(root, "", "the file must be a YAML mapping with a `pipeline` section");
      throw ConfigError(reader_.problems());
    }
    reader_.check_duplicate_keys(root, "");
    reader_.check_keys(root, "", kTopKeys);
    read_service(root["service"]);
    read_plugins(root["plugins"]);
    read_sync(root["sync"]);
    read_crypto(root["crypto"], root);
    read_api(root["api"]);
    read_normaliser(root["normaliser"]);
    read_pipeline(root["pipeline"], root);
    if (!reader_.problems().empty()) throw ConfigError(reader_.problems());
    config_.secrets = reader_.secrets();
    config_.warnings = reader_.warnings();
    return std::move(config_);
  }

 private:
  void read_service(const YAML::Node& n) {
    if (!n) return;
    if (!reader_.expect_map(n, "service")) return;
    reader_.check_keys(n, "service", kServiceKeys);
    config_.instance_id = reader_.string_or(n["instance_id"], "service.instance_id", "");
    std::string level = reader_.string_or(n["log_level"], "service.log_level", "info");
    bool ok = false;
    config_.log_level = parse_log_level(level, &ok);
    if (!ok)
      reader_.problem(n["log_level"], "service.log_level",
                      "unknown log level '" + level + "'; use trace, debug, info, warn or error");
    read_log_settings(n);
  }

  void read_log_settings(const YAML::Node& n) {
    LogSettings& l = config_.logging;
    const std::string format = reader_.string_or(n["log_format"], "service.log_format", "json");
    if (format == "text")
      l.format = LogFormat::text;
    else if (format != "json")
      reader_.problem(
          n["log_format"], "service.log_format",
          "unknown log format '" + format + "'; use json (production) or text (development)");
    l.file = reader_.string_or(n["log_file"], "service.log_file", "");
    l.file_max_mb = reader_.int_or(n["log_file_max_mb"], "service.log_file_max_mb", 100, 1, 100000);
    l.file_keep = reader_.int_or(n["log_file_keep"], "service.log_file_keep", 5, 0, 1000);
    l.access_log = reader_.bool_or(n["access_log"], "service.access_log", true);
    l.audit_file = reader_.string_or(n["audit_log"], "service.audit_log", "");
    l.audit_retention_days =
        reader_.int_or(n["audit_retention_days"], "service.audit_retention_days", 90, 1, 3650);
    if (!n["log_sinks"]) {
      l.to_stderr = true;
      if (!l.file.empty()) l.to_stderr = false;
      return;
    }
    l.to_stderr = false;
    bool file = false;
    for (const auto& sink : reader_.string_list(n["log_sinks"], "service.log_sinks")) {
      if (sink == "stderr")
        l.to_stderr = true;
      else if (sink == "syslog")
        l.to_syslog = true;
      else if (sink == "file")
        file = true;
      else
        reader_.problem(n["log_sinks"], "service.log_sinks",
                        "unknown sink '" + sink + "'; use stderr, syslog or file");
    }
    if (file && l.file.empty())
      reader_.problem(n["log_sinks"], "service.log_sinks",
                      "the file sink needs service.log_file: /var/log/mt5bridge/mt5bridge.log");
    if (!file) l.file.clear();
  }

  void read_plugins(const YAML::Node& n) {
    if (n && reader_.expect_map(n, "plugins")) {
      reader_.check_keys(n, "plugins", kPluginsKeys);
      for (const auto& dir : reader_.string_list(n["search_path"], "plugins.search_path"))
        if (!dir.empty()) config_.search_path.emplace_back(dir);
    }
    for (const auto& d : options_.default_search_path) config_.search_path.push_back(d);
    plugin_loader_ = std::make_unique<PluginLoader>(config_.search_path);
    if (options_.register_static) options_.register_static(*plugin_loader_);
  }

  void read_sync(const YAML::Node& n) {
    if (!n || !reader_.expect_map(n, "sync")) return;
    reader_.check_keys(n, "sync", kSyncKeys);
    std::string schedule = reader_.string_or(n["schedule"], "sync.schedule", "*/5 * * * *");
    std::string why;
    if (auto cron = CronSchedule::parse(schedule, &why))
      config_.sync.schedule = *cron;
    else
      reader_.problem(n["schedule"], "sync.schedule", why);
    auto& s = config_.sync;
    s.batch_size = reader_.int_or(n["batch_size"], "sync.batch_size", 10, 1, 1000);
    s.concurrency = reader_.int_or(n["concurrency"], "sync.concurrency", 10, 1, 1000);
    s.cycle_budget_s = reader_.int_or(n["cycle_budget_s"], "sync.cycle_budget_s", 270, 1, 86400);
    s.overlap_s = reader_.int_or(n["overlap_s"], "sync.overlap_s", 3600, 0, 30 * 86400);
    s.initial_history_days =
        reader_.int_or(n["initial_history_days"], "sync.initial_history_days", 90, 1, 3650);
    s.retry_backoff_ms =
        reader_.int_or(n["retry_backoff_ms"], "sync.retry_backoff_ms", 1000, 0, 60000);
    s.lease_ttl_s = reader_.int_or(n["lease_ttl_s"], "sync.lease_ttl_s", 120, 1, 86400);
    s.enabled = reader_.bool_or(n["enabled"], "sync.enabled", true);
  }

  void read_api(const YAML::Node& n) {
    if (!n || !reader_.expect_map(n, "api")) return;
    reader_.check_keys(n, "api", kApiKeys);
    config_.api.service_key_acts_on_any_account = reader_.bool_or(
        n["service_key_acts_on_any_account"], "api.service_key_acts_on_any_account", false);
    config_.api.user_token_alone =
        reader_.bool_or(n["user_token_alone"], "api.user_token_alone", false);
    config_.api.broker_timeout_ms =
        reader_.int_or(n["broker_timeout_ms"], "api.broker_timeout_ms", 10000, 100, 600000);
    config_.api.info_cache_ttl_s =
        reader_.int_or(n["info_cache_ttl_s"], "api.info_cache_ttl_s", 30, 0, 86400);
    config_.api.positions_cache_ttl_s =
        reader_.int_or(n["positions_cache_ttl_s"], "api.positions_cache_ttl_s", 5, 0, 86400);
    config_.api.history_cache_ttl_s =
        reader_.int_or(n["history_cache_ttl_s"], "api.history_cache_ttl_s", 300, 0, 86400);
    if (n["cors_origins"])
      config_.api.cors_origins = reader_.string_list(n["cors_origins"], "api.cors_origins");
    if (n["trusted_proxies"]) {
      config_.api.trusted_proxies =
          reader_.string_list(n["trusted_proxies"], "api.trusted_proxies");
      std::string why;
      if (!TrustedProxies::parse(config_.api.trusted_proxies, &why))
        reader_.problem(n["trusted_proxies"], "api.trusted_proxies", why);
    }
    if (const YAML::Node r = n["rate_limits"]; r && reader_.expect_map(r, "api.rate_limits")) {
      reader_.check_keys(r, "api.rate_limits", kRateLimitKeys);
      auto& rl = config_.api.rate_limits;
      rl.per_key_per_min =
          reader_.int_or(r["per_key_per_min"], "api.rate_limits.per_key_per_min", 100, 0, 1000000);
      rl.connect_per_min =
          reader_.int_or(r["connect_per_min"], "api.rate_limits.connect_per_min", 10, 0, 1000000);
      rl.health_per_ip_per_min = reader_.int_or(
          r["health_per_ip_per_min"], "api.rate_limits.health_per_ip_per_min", 20, 0, 1000000);
      rl.auth_failures_per_ip_per_min =
          reader_.int_or(r["auth_failures_per_ip_per_min"],
                         "api.rate_limits.auth_failures_per_ip_per_min", 30, 0, 1000000);
    }
  }

  void read_normaliser(const YAML::Node& n) {
    if (!n || !reader_.expect_map(n, "normaliser")) return;
    reader_.check_keys(n, "normaliser", kNormaliserKeys);
    const YAML::Node p = n["pips"];
    if (!p || !reader_.expect_map(p, "normaliser.pips")) return;
    reader_.check_keys(p, "normaliser.pips", kPipKeys);
    auto& rules = config_.pip_rules;
    auto size = [&](const char* key, double fallback) {
      const YAML::Node v = p[key];
      if (!v) return fallback;
      double d = 0;
      if (!v.IsScalar() || !parse_double(reader_.scalar(v, key), d) || d <= 0) {
        reader_.problem(v, std::string("normaliser.pips.") + key, "must be a positive number");
        return fallback;
      }
      return d;
    };
    rules.xau = size("xau", rules.xau);
    rules.xag = size("xag", rules.xag);
    rules.index = size("index", rules.index);
    rules.crypto = size("crypto", rules.crypto);
    if (const YAML::Node ps = p["per_symbol"];
        ps && reader_.expect_map(ps, "normaliser.pips.per_symbol")) {
      for (const auto& kv : ps) {
        std::string sym = kv.first.Scalar();
        double d = 0;
        if (!kv.second.IsScalar() || !parse_double(reader_.scalar(kv.second, sym), d) || d <= 0)
          reader_.problem(kv.second, "normaliser.pips.per_symbol." + sym,
                          "must be a positive number");
        else
          rules.per_symbol[canonical_symbol(sym)] = d;
      }
    }
  }

  void read_crypto(const YAML::Node& n, const YAML::Node& root) {
    if (!n) {
      reader_.problem(root, "crypto",
                      "missing section `crypto` with at least one key: crypto: { keys: [ { id: k1, "
                      "key: \"${ENCRYPTION_KEY}\" } ] }");
      return;
    }
    if (!reader_.expect_map(n, "crypto")) return;
    reader_.check_keys(n, "crypto", kCryptoKeys);
    const YAML::Node keys = n["keys"];
    if (!keys || !keys.IsSequence() || keys.size() == 0) {
      reader_.problem(
          keys ? keys : n, "crypto.keys",
          "crypto.keys must list at least one key: [ { id: k1, key: \"${ENCRYPTION_KEY}\" } ]");
      return;
    }
    std::set<std::string> ids;
    for (size_t i = 0; i < keys.size(); ++i) {
      std::string path = "crypto.keys[" + std::to_string(i) + "]";
      const YAML::Node k = keys[i];
      if (!reader_.expect_map(k, path)) continue;
      reader_.check_keys(k, path, kCryptoKeyKeys);
      std::string id = reader_.string_or(k["id"], path + ".id", "");
      std::string material = reader_.string_or(k["key"], path + ".key", "", true);
      if (id.empty()) {
        reader_.problem(k, path + ".id", "every key needs a short id such as k1");
        continue;
      }
      if (!ids.insert(id).second) reader_.problem(k, path + ".id", "duplicate key id '" + id + "'");
      std::string why;
      auto bytes = parse_key_material(material, &why);
      if (!bytes) {
        reader_.problem(k["key"] ? k["key"] : k, path + ".key", why);
        continue;
      }
      config_.keys.push_back(CipherKey{id, *bytes});
    }
    std::string fallback = config_.keys.empty() ? "" : config_.keys.back().id;
    config_.active_key_id = reader_.string_or(n["active_key"], "crypto.active_key", fallback);
    if (!config_.keys.empty() && !ids.count(config_.active_key_id))
      reader_.problem(n["active_key"], "crypto.active_key",
                      "active_key '" + config_.active_key_id +
                          "' is not one of the key ids: " + join({ids.begin(), ids.end()}));
  }

  void read_pipeline(const YAML::Node& n, const YAML::Node& root) {
    if (!n) {
      reader_.problem(root, "pipeline",
                      "missing section `pipeline` (storage, auth, brokers, transports)");
      return;
    }
    if (!reader_.expect_map(n, "pipeline")) return;
    reader_.check_keys(n, "pipeline", kPipelineKeys);
    if (!n["storage"]) {
      reader_.problem(n, "pipeline.storage",
                      "missing storage instance, e.g. storage: { plugin: storage-sqlite, path: "
                      "./var/mt5bridge.db }");
    } else if (auto inst = read_instance(n["storage"], "pipeline.storage", MT5B_KIND_STORAGE)) {
      config_.storage = std::move(*inst);
    }
    read_list(n, "auth", MT5B_KIND_AUTH, config_.auth, false);
    read_list(n, "brokers", MT5B_KIND_BROKER, config_.brokers, true);
    read_list(n, "transports", MT5B_KIND_TRANSPORT, config_.transports, true);
    std::set<std::string> names;
    for (const auto* list : {&config_.auth, &config_.brokers, &config_.transports})
      for (const auto& i : *list)
        if (!names.insert(kind_name(i.kind).data() + (":" + i.name)).second)
          reader_.problem(YAML::Node(), i.location,
                          "two " + std::string(kind_name(i.kind)) + " instances are named '" +
                              i.name + "'; give each a distinct `name`");
  }

  void read_list(const YAML::Node& pipeline, const std::string& key, mt5b_plugin_kind kind,
                 std::vector<InstanceConfig>& out, bool required) {
    const std::string path = "pipeline." + key;
    const YAML::Node n = pipeline[key];
    if (!n) {
      if (required)
        reader_.problem(pipeline, path,
                        "missing: list at least one " + std::string(kind_name(kind)) + " instance");
      return;
    }
    if (!n.IsSequence()) {
      reader_.problem(n, path, "must be a list of instances: - { plugin: <name>, ... }");
      return;
    }
    for (size_t i = 0; i < n.size(); ++i)
      if (auto inst = read_instance(n[i], path + "[" + std::to_string(i) + "]", kind))
        out.push_back(std::move(*inst));
  }

  // Host keys of a broker instance: which servers it serves and their clocks.
  void read_broker_keys(const YAML::Node& n, const std::string& path, InstanceConfig& inst) {
    inst.servers = reader_.string_list(n["servers"], path + ".servers");
    const YAML::Node tz = n["time_zones"];
    if (!tz || !reader_.expect_map(tz, path + ".time_zones")) return;
    for (const auto& kv : tz) {
      std::string server = kv.first.Scalar(), why;
      std::string place = path + ".time_zones." + server;
      if (!kv.second.IsScalar()) {
        reader_.problem(kv.second, place, "must be a time zone name, an offset or detect");
        continue;
      }
      if (auto spec = parse_clock_spec(reader_.scalar(kv.second, place), &why))
        inst.time_zones[server] = std::move(*spec);
      else
        reader_.problem(kv.second, place, why);
    }
  }

  std::optional<InstanceConfig> read_instance(const YAML::Node& n, const std::string& path,
                                              mt5b_plugin_kind kind) {
    if (!reader_.expect_map(n, path)) return std::nullopt;
    InstanceConfig inst;
    inst.kind = kind;
    inst.location = reader_.where(n) + path;
    inst.plugin = reader_.string_or(n["plugin"], path + ".plugin", "");
    if (inst.plugin.empty()) {
      reader_.problem(n, path, "missing `plugin`: name the plugin, e.g. plugin: storage-sqlite");
      return std::nullopt;
    }
    inst.library = reader_.string_or(n["library"], path + ".library", "");
    inst.name = reader_.string_or(n["name"], path + ".name", "");
    if (kind == MT5B_KIND_BROKER) read_broker_keys(n, path, inst);
    try {
      inst.loaded = plugin_loader_->find(inst.plugin, inst.library);
    } catch (const LoadError& e) {
      reader_.problem(n["plugin"], path + ".plugin", e.what());
      return std::nullopt;
    }
    if (inst.name.empty()) inst.name = inst.loaded.name();
    if (inst.loaded.kind() != kind) {
      reader_.problem(n["plugin"], path + ".plugin",
                      "plugin '" + inst.loaded.name() + "' is a " +
                          std::string(kind_name(inst.loaded.kind())) + " plugin, but this place " +
                          "needs a " + std::string(kind_name(kind)) + " plugin");
      return std::nullopt;
    }
    std::vector<std::string> reserved{"plugin", "library", "name"};
    if (kind == MT5B_KIND_BROKER) {
      reserved.push_back("servers");
      reserved.push_back("time_zones");
    }
    OptionValidator validator(reader_);
    inst.config_json = validator.validate(n, path, inst.loaded.descriptor, reserved);
    return inst;
  }

  YamlReader reader_;
  const ConfigLoadOptions& options_;
  std::unique_ptr<PluginLoader>& plugin_loader_;
  PipelineConfig config_;
};

}  // namespace

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error(build_message(problems)), problems_(std::move(problems)) {}

PipelineConfig load_pipeline_config(const fs::path& file, const ConfigLoadOptions& options,
                                    std::unique_ptr<PluginLoader>& loader) {
  return Loader(file, options, loader).run();
}

}  // namespace mt5b::host
