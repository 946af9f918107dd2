// Wires one running host from a validated pipeline: creates the plugin instances (storage first),
// builds the services and routes, starts the transports; stops in the reverse order, with the
// plugin libraries unloaded last.
#pragma once

#include "api/auth_chain.hpp"
#include "api/request_dispatcher.hpp"
#include "api/router.hpp"
#include "config/pipeline_config.hpp"
#include "crypto/credential_cipher.hpp"
#include "metrics/metrics_registry.hpp"
#include "runtime/broker_client.hpp"
#include "runtime/plugin_instance.hpp"
#include "runtime/storage_client.hpp"
#include "services/accounts/account_access.hpp"
#include "services/accounts/account_service.hpp"
#include "services/health/health_service.hpp"
#include "services/health/last_error.hpp"
#include "services/market/market_data_service.hpp"
#include "services/market/server_clocks.hpp"
#include "services/privacy/privacy_service.hpp"
#include "services/sync/account_syncer.hpp"
#include "services/sync/sync_engine.hpp"
#include "services/sync/sync_routes.hpp"

#include <memory>
#include <vector>

namespace mt5b::host {

class HostApp {
 public:
  HostApp(PipelineConfig config, std::unique_ptr<PluginLoader> loader);
  ~HostApp();
  HostApp(const HostApp&) = delete;
  HostApp& operator=(const HostApp&) = delete;

  // Creates every instance and migrates storage; throws PluginCallError / CipherError.
  void build();
  // Starts every transport; throws PluginCallError when one cannot listen.
  void start_transports();
  // Starts the sync scheduler (when the storage can sync and sync.enabled).
  void start_scheduler();
  // Stops transports (in-flight requests finish), then releases everything.
  void stop();

  RequestDispatcher& dispatcher() { return *dispatcher_; }
  const Router& router() const { return router_; }

 private:
  PipelineConfig config_;
  std::unique_ptr<PluginLoader> loader_;  // destroyed last: libraries unload after instances
  MetricsRegistry metrics_;
  LastErrorTracker last_error_;

  std::unique_ptr<PluginInstance> storage_instance_;
  std::vector<std::unique_ptr<PluginInstance>> auth_instances_;
  std::vector<std::unique_ptr<PluginInstance>> broker_instances_;
  std::vector<std::unique_ptr<PluginInstance>> transport_instances_;
  std::vector<PluginInstance*> started_transports_;

  std::unique_ptr<CredentialCipher> cipher_;
  std::unique_ptr<StorageClient> storage_;
  std::vector<std::unique_ptr<BrokerClient>> brokers_;
  AuthChain auth_;
  Router router_;
  std::unique_ptr<AccountAccess> access_;
  std::unique_ptr<ServerClocks> clocks_;
  std::unique_ptr<MarketDataService> market_;
  std::unique_ptr<AccountService> accounts_;
  std::unique_ptr<PrivacyService> privacy_;
  std::unique_ptr<AccountSyncer> syncer_;
  std::unique_ptr<SyncEngine> sync_engine_;
  std::unique_ptr<SyncRoutes> sync_routes_;
  std::unique_ptr<HealthService> health_;
  std::unique_ptr<RequestDispatcher> dispatcher_;
};

}  // namespace mt5b::host
