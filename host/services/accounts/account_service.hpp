// Linking and managing accounts: story 3.2's connection test and what the seeds'
// connect-mt5-account edge function did (test, encrypt, save), plus listing and deleting.
#pragma once

#include "api/router.hpp"
#include "config/pipeline_config.hpp"
#include "metrics/metrics_registry.hpp"
#include "services/accounts/account_access.hpp"

#include <functional>

namespace mt5b::host {

class AccountService {
 public:
  // `on_account_removed` lets caches drop what they hold of a deleted account.
  AccountService(AccountAccess& access, const ApiConfig& api, const SyncConfig& sync,
                 MetricsRegistry& metrics,
                 std::function<void(const std::string&)> on_account_removed);

  void add_routes(Router& router);

  Response connect(RequestContext& ctx);  // POST /api/mt5/connect: test only, stores nothing
  Response create(RequestContext& ctx);   // POST /api/mt5/accounts: test, encrypt, save
  Response list(RequestContext& ctx);     // GET /api/mt5/accounts
  Response get(RequestContext& ctx);      // GET /api/mt5/accounts/{account_id}
  Response remove(RequestContext& ctx);   // DELETE /api/mt5/accounts/{account_id}

 private:
  struct LinkRequest {
    int64_t login = 0;
    sdk::SecretString password;
    std::string server, broker_name, user_id;
  };
  // Validates story 3.2's body; `user_id` resolved from the token or (service) the body.
  void read_link_request(RequestContext& ctx, LinkRequest& out, bool user_required);
  // Test login within the configured limit; the account info on success.
  AccountInfo test_login(RequestContext& ctx, const LinkRequest& req, BrokerClient& broker);
  BrokerClient& broker_for_server(const std::string& server);
  int64_t next_sync_at_ms(const Account& account) const;

  AccountAccess& access_;
  const ApiConfig& api_;
  const SyncConfig& sync_;
  MetricsRegistry& metrics_;
  std::function<void(const std::string&)> on_account_removed_;
};

}  // namespace mt5b::host
