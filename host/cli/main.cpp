// mt5bridge: the command line of the host.
#include "app/host_app.hpp"
#include "cli/admin_commands.hpp"
#include "cli/cli_support.hpp"
#include "cli/systemd_notify.hpp"
#include "config/pipeline_config.hpp"
#include "log/audit_log.hpp"
#include "log/logger.hpp"

#include <CLI/CLI.hpp>

#include <mt5bridge/sdk.hpp>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <unistd.h>

#ifndef MT5BRIDGE_VERSION
#define MT5BRIDGE_VERSION "0.0.0"
#endif
#ifndef MT5BRIDGE_INSTALL_PLUGIN_DIR
#define MT5BRIDGE_INSTALL_PLUGIN_DIR "/usr/lib/mt5bridge/plugins"
#endif

namespace fs = std::filesystem;
using namespace mt5b::host;

namespace {

constexpr const char* kFooter = R"(
The configuration file is --config FILE, else $MT5BRIDGE_CONFIG, else (for an installed binary)
/etc/mt5bridge/mt5bridge.yaml. Plugins are looked up as <name>.so in plugins.search_path
(config), then $MT5BRIDGE_PLUGIN_DIR, then <bin>/../plugins, then )" MT5BRIDGE_INSTALL_PLUGIN_DIR
                                R"(.
Every command answers --help.)";

int cmd_check_config(const std::string& file) {
  std::unique_ptr<PluginLoader> loader;
  auto config = load_config_or_report(file, loader);
  if (!config) return 1;
  try {
    CredentialCipher cipher(config->keys, config->active_key_id);
  } catch (const CipherError& e) {
    std::fprintf(stderr, "%s: crypto: %s\n", file.c_str(), e.what());
    return 1;
  }
  for (const auto& w : config->warnings) std::printf("warning: %s\n", w.c_str());
  std::printf("%s: OK — storage %s, %zu auth, %zu broker(s), %zu transport(s)\n", file.c_str(),
              config->storage.plugin.c_str(), config->auth.size(), config->brokers.size(),
              config->transports.size());
  return 0;
}

int cmd_plugins(bool schema) {
  PluginLoader loader(default_search_path());
  std::vector<std::string> problems;
  auto plugins = loader.discover(&problems);
  for (const auto& p : plugins) {
    const auto& d = p.descriptor;
    if (schema) {
      std::printf("%s\n", mt5b::sdk::options_json_schema(d).c_str());
      continue;
    }
    std::printf("%-16s %-10s %-8s %s\n", p.name().c_str(), std::string(kind_name(p.kind())).c_str(),
                p.version().c_str(), d.description ? d.description : "");
    std::printf("    from %s\n", p.origin.c_str());
    for (uint32_t i = 0; i < d.option_count; ++i) {
      mt5b_option o = mt5b::sdk::option_at(d, i);
      std::string flags;
      if (o.flags & MT5B_OPT_REQUIRED) flags += " required";
      if (o.flags & MT5B_OPT_SECRET) flags += " secret";
      std::printf("    %-24s %-8s%s%s%s — %s\n", o.name, mt5b::sdk::option_type_json_name(o.type),
                  flags.c_str(), o.default_json && !(o.flags & MT5B_OPT_SECRET) ? " default=" : "",
                  o.default_json && !(o.flags & MT5B_OPT_SECRET) ? o.default_json : "",
                  o.description ? o.description : "");
    }
  }
  for (const auto& pr : problems) std::fprintf(stderr, "problem: %s\n", pr.c_str());
  if (plugins.empty()) {
    std::fprintf(stderr, "no plugins found; set MT5BRIDGE_PLUGIN_DIR\n");
    return 1;
  }
  return 0;
}

// SIGHUP: the file is read and checked again as at start-up. A file with problems is refused
// and the running configuration stays, with every problem logged. From an accepted file the
// log level and format apply at once; the rest needs a restart, as the log line says.
void reload_configuration(const std::string& file) {
  ConfigLoadOptions options;
  options.default_search_path = default_search_path();
  std::unique_ptr<PluginLoader> loader;
  try {
    PipelineConfig fresh = load_pipeline_config(file, options, loader);
    auto& logger = Logger::instance();
    for (const auto& s : fresh.secrets) logger.add_secret(s);
    logger.set_level(fresh.log_level);
    logger.set_format(fresh.logging.format);
    AuditLog::instance().record("config.reload", {{"config", file}, {"outcome", "applied"}});
    log_info("configuration reloaded", {{"config", file},
                                        {"log_level", std::string(log_level_name(fresh.log_level))},
                                        {"applied", "service.log_level, service.log_format"},
                                        {"restart_needed_for", "every other setting"}});
  } catch (const ConfigError& e) {
    AuditLog::instance().record("config.reload", {{"config", file}, {"outcome", "refused"}});
    log_error("configuration reload refused; the running configuration stays",
              {{"config", file}, {"problems", e.what()}});
  }
}

int cmd_serve(const std::string& file) {
  // Block the shutdown signals before any thread starts, so every thread inherits the mask and
  // only sigwait below receives them (PLATFORM.md, Pistache clean shutdown).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);  // reload (systemctl reload: ExecReload=kill -HUP)
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<PluginLoader> loader;
  auto config = load_config_or_report(file, loader);
  if (!config) return 2;
  auto& logger = Logger::instance();
  logger.set_level(config->log_level);
  try {
    logger.configure(config->logging);
    AuditLog::instance().configure(config->logging);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  // Every way out of serve writes the queued lines first.
  struct FlushLog {
    ~FlushLog() {
      AuditLog::instance().shutdown();
      Logger::instance().shutdown();
    }
  } flush_log;
  for (const auto& s : config->secrets) logger.add_secret(s);
  for (const auto& w : config->warnings) log_warn(w);

  int rc = 0;
  {
    HostApp app(std::move(*config), std::move(loader));
    try {
      app.build();
      app.start_transports();
      app.start_scheduler();
    } catch (const std::exception& e) {
      log_error("start-up failed", {{"error", e.what()}});
      return 3;
    }
    log_info("mt5bridge serving", {{"version", MT5BRIDGE_VERSION}, {"config", file}});
    systemd_notify("READY=1");
    int sig = 0;
    for (;;) {
      sigwait(&signals, &sig);
      if (sig != SIGHUP) break;
      systemd_notify("RELOADING=1");
      reload_configuration(file);
      systemd_notify("READY=1");
    }
    systemd_notify("STOPPING=1");
    log_info("shutting down", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
    app.stop();
  }
  log_info("stopped");
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mt5bridge — connects MetaTrader 5 accounts to your application", "mt5bridge"};
  app.footer(kFooter);
  app.set_version_flag("--version", std::string("mt5bridge ") + MT5BRIDGE_VERSION +
                                        " (plugin ABI " + std::to_string(MT5B_ABI_VERSION_MAJOR) +
                                        "." + std::to_string(MT5B_ABI_VERSION_MINOR) + ")");
  app.require_subcommand(1);

  ConfigOption config;
  std::string positional_config;
  int rc = 0;

  auto* serve = app.add_subcommand("serve", "start the host with the pipeline in the config");
  config.add_to(serve);
  serve->callback([&] { rc = cmd_serve(config.resolve()); });

  auto* check = app.add_subcommand(
      "check-config",
      "load and validate the config and every plugin it names; touches nothing outside; exit 0, "
      "or print every problem");
  config.add_to(check);
  check->add_option("FILE", positional_config, "the config file (same as --config)");
  check->callback([&] {
    rc = cmd_check_config(positional_config.empty() ? config.resolve() : positional_config);
  });

  bool schema = false;
  auto* plugins = app.add_subcommand("plugins", "list installed plugins (kind, version, options)");
  plugins->add_flag("--schema", schema, "print each plugin's options as JSON Schema");
  plugins->callback([&] { rc = cmd_plugins(schema); });

  MigrateOptions migrate;
  auto* mig = app.add_subcommand(
      "migrate", "move the storage schema to the latest version, to version N, or one down");
  config.add_to(mig);
  int64_t to_version = 0;
  auto* to = mig->add_option("--to", to_version, "the schema version to end at")
                 ->check(CLI::NonNegativeNumber);
  mig->add_flag("--dry-run", migrate.dry_run, "say what would change; change nothing");
  auto* down = mig->add_subcommand("down", "undo the newest applied migration");
  auto* status = mig->add_subcommand("status", "print the schema version; change nothing");
  mig->require_subcommand(0, 1);
  // `migrate down --dry-run` and `migrate status --config F`: the options are migrate's.
  down->fallthrough();
  status->fallthrough();
  mig->callback([&] {
    if (*to) migrate.to_version = to_version;
    migrate.step_down = down->parsed();
    migrate.status_only = status->parsed();
    if (migrate.step_down && migrate.to_version)
      throw CLI::ValidationError("--to", "give either --to N or down, not both");
    rc = cmd_migrate(config.resolve(), migrate);
  });

  bool rotate_dry_run = false;
  auto* rotate =
      app.add_subcommand("rotate-keys", "re-seal every stored credential under crypto.active_key");
  config.add_to(rotate);
  rotate->add_flag("--dry-run", rotate_dry_run,
                   "count what would be re-sealed and check every credential opens; write nothing");
  rotate->callback([&] { rc = cmd_rotate_keys(config.resolve(), rotate_dry_run); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 64;  // EX_USAGE, as before the parser
  } catch (const ConfigOption::Missing& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 64;
  }
  return rc;
}
