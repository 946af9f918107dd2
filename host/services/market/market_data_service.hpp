// Live account data read through the broker and normalised: info (story 3.3, 30 s), positions
// (story 3.4, 5 s) and closed-trade history (story 3.5, 5 min). Each is cached with single-flight
// misses and served stale, with its age, while the broker side is down.
#pragma once

#include "api/router.hpp"
#include "config/pipeline_config.hpp"
#include "metrics/metrics_registry.hpp"
#include "normaliser/deal_grouper.hpp"
#include "normaliser/position_view.hpp"
#include "services/accounts/account_access.hpp"
#include "services/cache/ttl_cache.hpp"
#include "services/market/server_clocks.hpp"

#include <array>
#include <memory>

namespace mt5b::host {

class MarketDataService {
 public:
  MarketDataService(AccountAccess& access, ServerClocks& clocks, const ApiConfig& api,
                    const PipRules& pip_rules, MetricsRegistry& metrics);

  void add_routes(Router& router);
  Response info(RequestContext& ctx);
  Response positions(RequestContext& ctx);
  Response history(RequestContext& ctx);

  // Drops every cached value of an account (deleted, or new credentials).
  void forget(const std::string& account_id);

 private:
  struct InfoSnapshot {
    AccountInfo info;
    int64_t positions_count = 0;
    // The answer's "data" object, written once per snapshot rather than once per request.
    std::string data_json;
  };
  struct PositionsSnapshot {
    std::vector<Position> positions;
  };
  struct HistorySnapshot {
    std::vector<Trade> trades;  // closed in [from, to], newest first
    ServerClock clock = ServerClock::from_offset(0, OffsetSource::configured_offset);
    int64_t from_ms = 0, to_ms = 0;
  };

  // mt5bridge_cache_requests_total{cache=...} handles, made once rather than per request.
  enum CacheKind : size_t { kInfoCache, kPositionsCache, kHistoryCache };
  struct CacheResults {
    CacheResults(MetricsRegistry& metrics, const char* cache);
    void count(bool cached, bool stale) const;
    MetricsRegistry::Counter hit, miss, stale;
  };
  // Room for a typical answer, so the JSON buffer does not grow while it is written.
  static constexpr size_t kJsonReserve = 1024;

  template <class T>
  typename TtlCache<T>::Result cached(TtlCache<T>& cache, const Account& account,
                                      const std::string& key, int64_t ttl_s, CacheKind what,
                                      const std::function<T()>& fetch);

  InfoSnapshot fetch_info(const Account& account);
  PositionsSnapshot fetch_positions(const Account& account);
  HistorySnapshot fetch_history(const Account& account, int64_t from_ms, int64_t to_ms);

  AccountAccess& access_;
  ServerClocks& clocks_;
  const ApiConfig& api_;
  const PipRules& pip_rules_;
  MetricsRegistry& metrics_;
  std::array<CacheResults, 3> cache_results_;  // by CacheKind
  // Shared, so a hit hands out the snapshot without copying it.
  TtlCache<std::shared_ptr<const InfoSnapshot>> info_cache_;
  TtlCache<PositionsSnapshot> positions_cache_;
  TtlCache<HistorySnapshot> history_cache_;
};

// Story 3.5's dates: ISO 8601 (date, or date-time with Z or an offset) or Unix seconds.
// nullopt when the text is neither.
std::optional<int64_t> parse_api_time_ms(const std::string& text);

}  // namespace mt5b::host
