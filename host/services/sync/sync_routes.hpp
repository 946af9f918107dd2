// The sync engine's HTTP side: POST /api/mt5/sync/run (an external scheduler starts a cycle),
// POST /api/mt5/account/{account_id}/sync (story 3.6's manual sync) and
// GET /api/mt5/sync/{sync_id} (its progress and outcome).
#pragma once

#include "api/rate_limiter.hpp"
#include "api/router.hpp"
#include "services/sync/sync_engine.hpp"

#include <string>

namespace mt5b::host {

class SyncRoutes {
 public:
  // `engine` is null when the storage plugin cannot run the sync engine: the routes then answer
  // 501 SYNC_UNAVAILABLE naming what is missing.
  SyncRoutes(SyncEngine* engine, AccountAccess& access, std::string unavailable_reason,
             int64_t lease_ttl_ms);
  void add_routes(Router& router);

  Response run_cycle(RequestContext& ctx);
  Response manual_sync(RequestContext& ctx);
  Response status(RequestContext& ctx);

 private:
  SyncEngine& engine();

  SyncEngine* engine_;
  AccountAccess& access_;
  std::string unavailable_reason_;
  int64_t lease_ttl_ms_;
  RateLimiter manual_limiter_;  // story 3.6: one manual sync per account per minute
};

}  // namespace mt5b::host
