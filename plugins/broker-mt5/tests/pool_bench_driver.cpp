// broker_mt5_pool_bench: syncs every account of a scenario through a broker plugin, loaded by
// dlopen and used through the C ABI only, with W worker threads; prints each cycle's time and
// its ratio to the lower bound N * (L + k * c) / T (tests/bench/mt5_pool_bench.sh runs it).
// One account's sync is what the host's sync does at least: login, account_info,
// positions_get, history_deals_get (k = 3 data calls), then close.
#include <mt5bridge/sdk.hpp>

#include <rapidjson/document.h>

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Account {
  int64_t login;
  std::string password;
  std::string server;
};

struct Options {
  std::string plugin, config, scenario;
  int workers = 20, terminals = 20, cycles = 2;
  double login_ms = 0, call_ms = 0;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<Account> accounts_of(const std::string& scenario) {
  rapidjson::Document doc;
  auto text = read_file(scenario);
  doc.Parse(text.data(), text.size());
  std::vector<Account> out;
  for (const auto& a : doc["accounts"].GetArray())
    out.push_back({a["login"].GetInt64(), a["password"].GetString(), a["server"].GetString()});
  return out;
}

// A host with real clocks that prints warnings and errors; metrics are dropped.
mt5b_host_api real_host() {
  auto api = mt5b::sdk::make<mt5b_host_api>();
  api.abi_major = MT5B_ABI_VERSION_MAJOR;
  api.abi_minor = MT5B_ABI_VERSION_MINOR;
  api.callback_log = [](void*, mt5b_log_level level, mt5b_str m) {
    static std::mutex mu;
    if (level < MT5B_LOG_WARN) return;
    std::lock_guard lock(mu);
    std::cerr << "# plugin: " << mt5b::sdk::view(m) << "\n";
  };
  api.callback_counter_add = [](void*, mt5b_str, mt5b_str, double) {};
  api.callback_gauge_set = [](void*, mt5b_str, mt5b_str, double) {};
  api.callback_histogram_observe = [](void*, mt5b_str, mt5b_str, double) {};
  api.callback_now_unix_ms = [](void*) -> int64_t {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  api.callback_monotonic_ns = [](void*) -> int64_t {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
  };
  return api;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--plugin")
      o.plugin = value;
    else if (flag == "--config")
      o.config = value[0] == '@' ? read_file(value.substr(1)) : value;
    else if (flag == "--scenario")
      o.scenario = value;
    else if (flag == "--workers")
      o.workers = std::stoi(value);
    else if (flag == "--terminals")
      o.terminals = std::stoi(value);
    else if (flag == "--cycles")
      o.cycles = std::stoi(value);
    else if (flag == "--login-latency-ms")
      o.login_ms = std::stod(value);
    else if (flag == "--call-latency-ms")
      o.call_ms = std::stod(value);
    else
      throw std::runtime_error("unknown option " + flag);
  }
  if (o.plugin.empty() || o.config.empty() || o.scenario.empty())
    throw std::runtime_error(
        "usage: broker_mt5_pool_bench --plugin <so> --config <json|@file> --scenario <file> "
        "[--workers W] [--terminals T] [--cycles C] [--login-latency-ms L] [--call-latency-ms c]");
  return o;
}

}  // namespace

int main(int argc, char** argv) try {
  auto o = parse(argc, argv);
  auto accounts = accounts_of(o.scenario);

  void* library = ::dlopen(o.plugin.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) throw std::runtime_error(::dlerror());
  auto entry = reinterpret_cast<mt5b_plugin_entry_fn>(::dlsym(library, MT5B_PLUGIN_ENTRY_SYMBOL));
  if (entry == nullptr) throw std::runtime_error("no plugin entry in " + o.plugin);
  const mt5b_plugin_descriptor* d = entry()->plugins[0];
  mt5b_broker_vtable v;
  mt5b::sdk::read_struct(static_cast<const mt5b_broker_vtable*>(d->kind_vtable), v);

  auto host = real_host();
  mt5b_instance* instance = nullptr;
  if (d->on_create(&host, mt5b::sdk::str("bench"), mt5b::sdk::str(o.config), &instance) != MT5B_OK)
    throw std::runtime_error("create failed: " + mt5b::sdk::copy(d->on_last_error(instance)));

  const int k = 3;
  const double per_account_ms = o.login_ms + k * o.call_ms;
  const double bound_s = accounts.size() * per_account_ms / o.terminals / 1000.0;
  std::printf("# %zu accounts, %d terminals, %d workers; L = %.0f ms, c = %.0f ms, k = %d\n",
              accounts.size(), o.terminals, o.workers, o.login_ms, o.call_ms, k);
  std::printf("# lower bound N*(L+k*c)/T = %.3f s\n", bound_s);

  int failures_total = 0;
  double worst_ratio = 0;
  for (int cycle = 1; cycle <= o.cycles; ++cycle) {
    std::atomic<size_t> next{0};
    std::atomic<int> failures{0};
    std::mutex mu;
    std::string first_failure;
    std::atomic<int64_t> account_ns{0};  // summed wall time of every account's sync
    std::vector<double> finished_s(static_cast<size_t>(o.workers), 0.0);
    auto start = Clock::now();
    {
      std::vector<std::jthread> workers;
      for (int w = 0; w < o.workers; ++w) {
        workers.emplace_back([&, w] {
          auto fail = [&](mt5b_status s, const char* what) {
            ++failures;
            std::lock_guard lock(mu);
            if (first_failure.empty())
              first_failure = std::string(what) + ": " + mt5b::sdk::status_name(s) + ": " +
                              mt5b::sdk::copy(d->on_last_error(instance));
          };
          for (size_t i = next++; i < accounts.size(); i = next++) {
            const auto& a = accounts[i];
            auto account_start = Clock::now();
            auto login = mt5b::sdk::make<mt5b_broker_login>();
            login.login = a.login;
            login.password = mt5b::sdk::str(a.password);
            login.server = mt5b::sdk::str(a.server);
            mt5b_session* session = nullptr;
            if (auto s = v.on_session_open(instance, &login, &session); s != MT5B_OK) {
              fail(s, "login");
              continue;
            }
            auto noop_info = [](void*, const mt5b_account_info*) {};
            auto noop_position = [](void*, const mt5b_trade_position*) {};
            auto noop_deal = [](void*, const mt5b_trade_deal*) {};
            auto q = mt5b::sdk::make<mt5b_history_query>();
            q.to_broker_s = 4'102'444'800;
            if (auto s = v.on_account_info(instance, session, noop_info, nullptr); s != MT5B_OK)
              fail(s, "account_info");
            if (auto s = v.on_positions_get(instance, session, noop_position, nullptr);
                s != MT5B_OK)
              fail(s, "positions_get");
            if (auto s = v.on_history_deals_get(instance, session, &q, noop_deal, nullptr);
                s != MT5B_OK)
              fail(s, "history_deals_get");
            v.on_session_close(instance, session);
            account_ns +=
                std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - account_start)
                    .count();
          }
          finished_s[static_cast<size_t>(w)] =
              std::chrono::duration<double>(Clock::now() - start).count();
        });
      }
    }
    double took_s = std::chrono::duration<double>(Clock::now() - start).count();
    double ratio = took_s / bound_s;
    worst_ratio = std::max(worst_ratio, ratio);
    failures_total += failures;
    std::printf(
        "cycle %d: %.3f s for %zu accounts, ratio to the lower bound %.3f, %d failed calls\n",
        cycle, took_s, accounts.size(), ratio, failures.load());
    auto [first, last] = std::minmax_element(finished_s.begin(), finished_s.end());
    std::printf(
        "#   one account's sync took %.1f ms on average (L + k*c = %.0f ms); workers "
        "finished between %.3f s and %.3f s\n",
        account_ns.load() / 1e6 / static_cast<double>(accounts.size()), per_account_ms, *first,
        *last);
    if (!first_failure.empty()) std::printf("#   first failure: %s\n", first_failure.c_str());
    std::fflush(stdout);
  }
  d->on_destroy(instance);
  std::printf("worst ratio %.3f (target <= 1.15): %s\n", worst_ratio,
              worst_ratio <= 1.15 ? "met" : "missed");
  return failures_total == 0 ? 0 : 1;
} catch (const std::exception& e) {
  std::cerr << "broker_mt5_pool_bench: " << e.what() << "\n";
  return 2;
}
