// Linking accounts and reading their live state: the product rules of stories 3.2, 3.3 and the
// seeds' connect-mt5-account function, over whichever storage and broker plugins are wired.
#pragma once

#include "api/router.hpp"
#include "config/pipeline_config.hpp"
#include "crypto/credential_cipher.hpp"
#include "metrics/metrics_registry.hpp"
#include "runtime/broker_client.hpp"
#include "runtime/storage_client.hpp"
#include "services/cache/ttl_cache.hpp"
#include "services/health/last_error.hpp"

#include <memory>
#include <vector>

namespace mt5b::host {

class AccountService {
 public:
  AccountService(StorageClient& storage, std::vector<BrokerClient*> brokers,
                 const CredentialCipher& cipher, const ApiConfig& api, MetricsRegistry& metrics,
                 LastErrorTracker& last_error);

  // POST /api/mt5/accounts: validate, test-login, encrypt, store. 201 with account_id.
  Response create(RequestContext& ctx);
  // GET /api/mt5/account/{account_id}/info, cached (seed story 3.3).
  Response info(RequestContext& ctx);

  void add_routes(Router& router);

 private:
  struct InfoSnapshot {
    Mt5AccountInfo info;
    int64_t positions_count = 0;
  };
  // The account named by the path, after the ownership check (403 for another user's).
  Account owned_account(RequestContext& ctx);
  BrokerClient* broker_for(const std::string& server, const std::string& preferred) const;
  InfoSnapshot fetch_info(const Account& account);
  std::string decrypt_password(const Account& account);

  StorageClient& storage_;
  std::vector<BrokerClient*> brokers_;
  const CredentialCipher& cipher_;
  const ApiConfig& api_;
  MetricsRegistry& metrics_;
  LastErrorTracker& last_error_;
  TtlCache<InfoSnapshot> info_cache_;
};

// Maps a broker failure to what the client sees (AUTH_FAILED, TIMEOUT, SERVER_UNREACHABLE, ...).
ApiError broker_api_error(const PluginCallError& e);
// Maps a storage failure (STORAGE_UNAVAILABLE, ...).
ApiError storage_api_error(const PluginCallError& e);

}  // namespace mt5b::host
