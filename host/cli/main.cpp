// mt5bridge: the command line of the host.
#include "app/host_app.hpp"
#include "cli/admin_commands.hpp"
#include "cli/cli_support.hpp"
#include "config/pipeline_config.hpp"
#include "log/logger.hpp"

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

constexpr const char* kUsage = R"(mt5bridge — connects MetaTrader 5 accounts to your application

Usage:
  mt5bridge serve --config FILE      start the host with the pipeline in FILE
  mt5bridge check-config FILE        load and validate FILE and every plugin it names;
                                     touches nothing outside; exit 0, or print every problem
  mt5bridge plugins [--schema]       list installed plugins (kind, version, options);
                                     --schema prints each plugin's options as JSON Schema
  mt5bridge migrate --config FILE [--to N | down]
                                     move the storage schema to the latest version, to
                                     version N, or one version down
  mt5bridge rotate-keys --config FILE
                                     re-seal every stored credential under crypto.active_key
  mt5bridge --help | --version

Plugins are looked up as <name>.so in plugins.search_path (config), then
$MT5BRIDGE_PLUGIN_DIR, then <bin>/../plugins, then )" MT5BRIDGE_INSTALL_PLUGIN_DIR R"(.
)";

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

int cmd_serve(const std::string& file) {
  // Block the shutdown signals before any thread starts, so every thread inherits the mask and
  // only sigwait below receives them (PLATFORM.md, Pistache clean shutdown).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<PluginLoader> loader;
  auto config = load_config_or_report(file, loader);
  if (!config) return 2;
  auto& logger = Logger::instance();
  logger.set_level(config->log_level);
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
    int sig = 0;
    sigwait(&signals, &sig);
    log_info("shutting down", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
    app.stop();
  }
  log_info("stopped");
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 64 : 0;
  }
  if (args[0] == "--version") {
    std::printf("mt5bridge %s (plugin ABI %d.%d)\n", MT5BRIDGE_VERSION, MT5B_ABI_VERSION_MAJOR,
                MT5B_ABI_VERSION_MINOR);
    return 0;
  }
  if (args[0] == "serve") {
    if (args.size() == 3 && args[1] == "--config") return cmd_serve(args[2]);
    std::fprintf(stderr, "usage: mt5bridge serve --config FILE\n");
    return 64;
  }
  if (args[0] == "check-config") {
    if (args.size() == 2) return cmd_check_config(args[1]);
    std::fprintf(stderr, "usage: mt5bridge check-config FILE\n");
    return 64;
  }
  if (args[0] == "migrate" && args.size() >= 3 && args[1] == "--config") {
    if (args.size() == 3) return cmd_migrate(args[2], std::nullopt, false);
    if (args.size() == 4 && args[3] == "down") return cmd_migrate(args[2], std::nullopt, true);
    if (args.size() == 5 && args[3] == "--to") {
      try {
        return cmd_migrate(args[2], std::stoll(args[4]), false);
      } catch (const std::exception&) {
      }
    }
  }
  if (args[0] == "migrate") {
    std::fprintf(stderr, "usage: mt5bridge migrate --config FILE [--to N | down]\n");
    return 64;
  }
  if (args[0] == "rotate-keys") {
    if (args.size() == 3 && args[1] == "--config") return cmd_rotate_keys(args[2]);
    std::fprintf(stderr, "usage: mt5bridge rotate-keys --config FILE\n");
    return 64;
  }
  if (args[0] == "plugins") {
    if (args.size() == 1) return cmd_plugins(false);
    if (args.size() == 2 && args[1] == "--schema") return cmd_plugins(true);
    std::fprintf(stderr, "usage: mt5bridge plugins [--schema]\n");
    return 64;
  }
  std::fprintf(stderr, "unknown command '%s'\n\n%s", args[0].c_str(), kUsage);
  return 64;
}
