#include "app/host_app.hpp"

#include "metrics/host_metrics.hpp"

#include "api/openapi_route.hpp"
#include "log/logger.hpp"

#include <filesystem>

namespace mt5b::host {

HostApp::HostApp(PipelineConfig config, std::unique_ptr<PluginLoader> loader)
    : config_(std::move(config)), loader_(std::move(loader)) {
  describe_host_metrics(metrics_);
}

HostApp::~HostApp() {
  stop();
}

void HostApp::build() {
  cipher_ = std::make_unique<CredentialCipher>(config_.keys, config_.active_key_id);

  storage_instance_ = PluginInstance::create(config_.storage, metrics_);
  storage_ = std::make_unique<StorageClient>(*storage_instance_);
  storage_->migrate();

  for (const auto& a : config_.auth) {
    auth_instances_.push_back(PluginInstance::create(a, metrics_));
    auth_.add(*auth_instances_.back());
  }
  std::vector<BrokerClient*> brokers;
  for (const auto& b : config_.brokers) {
    broker_instances_.push_back(PluginInstance::create(b, metrics_));
    brokers_.push_back(std::make_unique<BrokerClient>(*broker_instances_.back(), b.servers));
    brokers.push_back(brokers_.back().get());
  }
  for (const auto& t : config_.transports)
    transport_instances_.push_back(PluginInstance::create(t, metrics_));

  std::string data_dir = std::filesystem::current_path().string();
  std::map<std::string, std::map<std::string, ClockSpec>> clock_specs;
  for (const auto& b : config_.brokers) clock_specs[b.name] = b.time_zones;
  clocks_ = std::make_unique<ServerClocks>(std::move(clock_specs));
  access_ = std::make_unique<AccountAccess>(*storage_, brokers, *cipher_, last_error_);
  market_ = std::make_unique<MarketDataService>(*access_, *clocks_, config_.api, config_.pip_rules,
                                                metrics_);
  accounts_ = std::make_unique<AccountService>(
      *access_, config_.api, config_.sync, metrics_,
      [this](const std::string& account_id) { market_->forget(account_id); });
  health_ = std::make_unique<HealthService>(*storage_, brokers, metrics_, last_error_, data_dir);
  auto missing = storage_->missing_sync_slots();
  std::string unavailable;
  if (missing.empty()) {
    syncer_ = std::make_unique<AccountSyncer>(*access_, *clocks_, config_.sync, config_.api,
                                              config_.pip_rules, metrics_);
    sync_engine_ = std::make_unique<SyncEngine>(*access_, *syncer_, config_.sync, metrics_,
                                                config_.instance_id);
    sync_engine_->on_account_synced([this](const std::string& id) { market_->forget(id); });
  } else {
    for (const auto& m : missing) unavailable += (unavailable.empty() ? "" : ", ") + m;
    unavailable = "storage plugin " + config_.storage.loaded.name() +
                  " does not offer the sync capability (it lacks " + unavailable +
                  "; plugin ABI 1.1)";
    log_warn("the sync engine is off", {{"reason", unavailable}});
  }
  sync_routes_ = std::make_unique<SyncRoutes>(sync_engine_.get(), *access_, unavailable,
                                              config_.sync.lease_ttl_s * 1000);
  health_->add_routes(router_);
  accounts_->add_routes(router_);
  market_->add_routes(router_);
  sync_routes_->add_routes(router_);
  privacy_ = std::make_unique<PrivacyService>(
      *access_, [this](const std::string& account_id) { market_->forget(account_id); });
  privacy_->add_routes(router_);
  add_openapi_route(router_);
  dispatcher_ = std::make_unique<RequestDispatcher>(router_, auth_, config_.api, metrics_);
  log_info("host built", {{"storage", config_.storage.name},
                          {"brokers", std::to_string(config_.brokers.size())},
                          {"auth", std::to_string(config_.auth.size())},
                          {"transports", std::to_string(config_.transports.size())}});
}

void HostApp::start_transports() {
  for (auto& t : transport_instances_) {
    auto v = t->vtable<mt5b_transport_vtable>();
    t->check(v.on_start(t->handle(), dispatcher_->table()), "transport start");
    started_transports_.push_back(t.get());
    log_info("transport started", {{"instance", t->name()}, {"plugin", t->plugin().name()}});
  }
}

void HostApp::start_scheduler() {
  if (sync_engine_) sync_engine_->start_scheduler();
}

void HostApp::stop() {
  for (auto it = started_transports_.rbegin(); it != started_transports_.rend(); ++it) {
    auto v = (*it)->vtable<mt5b_transport_vtable>();
    v.on_stop((*it)->handle());
  }
  started_transports_.clear();
  if (sync_engine_) sync_engine_->stop();  // running syncs finish (bounded by broker timeouts)
  // Services hold references into instances: release them first, then the instances in the
  // reverse order of creation. The loader (and so the libraries) goes with the object.
  dispatcher_.reset();
  sync_routes_.reset();
  privacy_.reset();
  sync_engine_.reset();
  syncer_.reset();
  accounts_.reset();
  market_.reset();
  access_.reset();
  health_.reset();
  brokers_.clear();
  storage_.reset();
  transport_instances_.clear();
  broker_instances_.clear();
  auth_instances_.clear();
  storage_instance_.reset();
}

}  // namespace mt5b::host
