#include "services/market/market_data_service.hpp"

#include "api/json_response.hpp"
#include "api/views/account_json.hpp"
#include "api/views/trade_json.hpp"
#include "log/logger.hpp"
#include "normaliser/time_format.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <map>
#include <set>
#include <sstream>

namespace mt5b::host {

namespace {

constexpr int64_t kDayMs = 86'400'000;

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

void write_cache_fields(JsonWriter& w, bool cached, bool stale, double age_s) {
  w.Key("cached");
  w.Bool(cached);
  w.Key("cache_age_seconds");
  w.Int64(static_cast<int64_t>(std::floor(age_s)));
  if (stale) {
    w.Key("stale");
    w.Bool(true);
  }
}

std::vector<std::string> split_symbols(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

bool symbol_matches(const std::vector<std::string>& wanted, const std::string& symbol,
                    const std::string& canonical) {
  for (const auto& w : wanted)
    if (w == symbol || canonical_symbol(w) == canonical) return true;
  return false;
}

int64_t parse_int_param(const std::optional<std::string>& text, const char* name, int64_t fallback,
                        int64_t min, int64_t max) {
  if (!text) return fallback;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(text->c_str(), &end, 10);
  if (text->empty() || errno != 0 || end != text->c_str() + text->size() || v < min || v > max)
    throw ApiError(400, "INVALID_INPUT",
                   std::string(name) + " must be a whole number from " + std::to_string(min) +
                       " to " + std::to_string(max) + ".",
                   name);
  return v;
}

}  // namespace

std::optional<int64_t> parse_api_time_ms(const std::string& text) {
  if (text.empty() || text.size() > 40) return std::nullopt;
  bool digits = std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) {
    if (text.size() > 12) return std::nullopt;  // seconds, not milliseconds
    return std::stoll(text) * 1000;
  }
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3 || consumed != 10)
    return std::nullopt;
  std::string rest = text.substr(10);
  int64_t frac_ms = 0, offset_s = 0;
  if (!rest.empty()) {
    if (rest[0] != 'T' && rest[0] != ' ') return std::nullopt;
    int n = 0;
    if (std::sscanf(rest.c_str() + 1, "%2d:%2d%n", &h, &mi, &n) != 2 || n != 5) return std::nullopt;
    rest = rest.substr(6);
    if (rest.size() >= 3 && rest[0] == ':') {
      if (std::sscanf(rest.c_str() + 1, "%2d%n", &s, &n) != 1 || n != 2) return std::nullopt;
      rest = rest.substr(3);
    }
    if (!rest.empty() && rest[0] == '.') {
      size_t i = 1;
      int64_t scale = 100;
      while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) {
        frac_ms += (rest[i] - '0') * scale;
        scale /= 10;
        ++i;
      }
      if (i == 1) return std::nullopt;
      rest = rest.substr(i);
    }
    if (rest == "Z" || rest.empty()) {
      offset_s = 0;
    } else if ((rest[0] == '+' || rest[0] == '-') && rest.size() == 6 && rest[3] == ':') {
      int oh = 0, om = 0;
      if (std::sscanf(rest.c_str() + 1, "%2d:%2d", &oh, &om) != 2 || oh > 14 || om > 59)
        return std::nullopt;
      offset_s = (rest[0] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    } else {
      return std::nullopt;
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || y < 1970)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  std::time_t t = timegm(&tm);
  std::tm check{};
  gmtime_r(&t, &check);
  if (check.tm_mday != d) return std::nullopt;  // e.g. 2025-02-30
  return (static_cast<int64_t>(t) - offset_s) * 1000 + frac_ms;
}

MarketDataService::MarketDataService(AccountAccess& access, ServerClocks& clocks,
                                     const ApiConfig& api, const PipRules& pip_rules,
                                     MetricsRegistry& metrics)
    : access_(access),
      clocks_(clocks),
      api_(api),
      pip_rules_(pip_rules),
      metrics_(metrics),
      cache_results_{CacheResults(metrics, "info"), CacheResults(metrics, "positions"),
                     CacheResults(metrics, "history")} {}

MarketDataService::CacheResults::CacheResults(MetricsRegistry& metrics, const char* cache) {
  auto series = [&](const char* result) {
    return metrics.counter_series("mt5bridge_cache_requests_total",
                                  std::string("cache=\"") + cache + "\",result=\"" + result + "\"");
  };
  hit = series("hit");
  miss = series("miss");
  stale = series("stale");
}

void MarketDataService::CacheResults::count(bool cached, bool was_stale) const {
  (was_stale ? stale : cached ? hit : miss).add(1);
}

void MarketDataService::add_routes(Router& router) {
  router.add({"GET", "/api/mt5/account/{account_id}/info", Access::user,
              [this](auto& c) { return info(c); }});
  router.add({"GET", "/api/mt5/account/{account_id}/positions", Access::user,
              [this](auto& c) { return positions(c); }});
  router.add({"GET", "/api/mt5/account/{account_id}/history", Access::user,
              [this](auto& c) { return history(c); }});
}

void MarketDataService::forget(const std::string& account_id) {
  // Every path that changes or removes an account ends here (host_app.cpp wires deletion, sync
  // and GDPR erasure to it), so the ownership copy goes with the market data.
  access_.forget_account(account_id);
  info_cache_.invalidate_prefix(account_id);
  positions_cache_.invalidate_prefix(account_id);
  history_cache_.invalidate_prefix(account_id);
}

template <class T>
typename TtlCache<T>::Result MarketDataService::cached(TtlCache<T>& cache, const Account& account,
                                                       const std::string& key, int64_t ttl_s,
                                                       CacheKind what,
                                                       const std::function<T()>& fetch) {
  typename TtlCache<T>::Result result;
  try {
    result = cache.get(key, std::chrono::seconds(ttl_s), fetch, [](std::exception_ptr error) {
      try {
        std::rethrow_exception(error);
      } catch (const PluginCallError& e) {
        return is_transient(e.status());
      } catch (...) {
        return false;
      }
    });
  } catch (const PluginCallError& e) {
    // The same labels as the account service's count: one label set for the family.
    std::string broker = account.broker_instance;
    try {
      broker = access_.broker_of(account).name();
    } catch (const std::exception&) {
    }
    metrics_.counter_add("mt5bridge_broker_errors_total",
                         "broker=\"" + prometheus_label_value(broker) + "\",status=\"" +
                             sdk::status_name(e.status()) + "\"",
                         1);
    if (e.status() != MT5B_UNAUTHENTICATED) access_.last_error().record(e.what(), now_unix_ms());
    throw broker_api_error(e);
  }
  cache_results_.at(what).count(result.cached, result.stale);
  return result;
}

MarketDataService::InfoSnapshot MarketDataService::fetch_info(const Account& account) {
  auto started = std::chrono::steady_clock::now();
  auto session = access_.login(account, static_cast<uint32_t>(api_.broker_timeout_ms));
  InfoSnapshot snap;
  snap.info = session->account_info();
  snap.positions_count = static_cast<int64_t>(session->positions().size());
  rapidjson::StringBuffer sb(nullptr, kJsonReserve);
  JsonWriter w(sb);
  write_account_info_shape(w, snap.info, snap.positions_count);
  snap.data_json.assign(sb.GetString(), sb.GetSize());
  metrics_.observe("mt5bridge_broker_fetch_seconds", "what=\"info\"", seconds_since(started));
  return snap;
}

MarketDataService::PositionsSnapshot MarketDataService::fetch_positions(const Account& account) {
  auto started = std::chrono::steady_clock::now();
  BrokerClient& broker = access_.broker_of(account);
  auto session = access_.login(account, static_cast<uint32_t>(api_.broker_timeout_ms));
  auto raw = session->positions();
  std::vector<std::string> symbols;
  for (const auto& p : raw) symbols.push_back(p.symbol);
  ServerClock clock = clocks_.clock_for(broker.name(), account.server, *session, symbols);

  // Positions carry no commission (MT5.md): it sits on their IN deals. One history read over the
  // span of the open positions, padded a day each side for the broker clock, finds them all.
  std::map<int64_t, double> commission;
  if (!raw.empty()) {
    int64_t oldest = raw.front().time;
    for (const auto& p : raw) oldest = std::min(oldest, p.time);
    int64_t now_broker_s = clock.utc_to_broker_ms(now_unix_ms()) / 1000;
    std::set<int64_t> open;
    for (const auto& p : raw) open.insert(p.identifier ? p.identifier : p.ticket);
    for (const auto& d : session->deals_between(oldest - 86400, now_broker_s + 86400))
      if (open.count(d.position_id) && d.entry == deal_entry::kIn)
        commission[d.position_id] += d.commission;
  }
  PositionsSnapshot snap;
  for (const auto& p : raw)
    snap.positions.push_back(
        normalise_position(p, clock, commission[p.identifier ? p.identifier : p.ticket]));
  metrics_.observe("mt5bridge_broker_fetch_seconds", "what=\"positions\"", seconds_since(started));
  return snap;
}

MarketDataService::HistorySnapshot MarketDataService::fetch_history(const Account& account,
                                                                    int64_t from_ms,
                                                                    int64_t to_ms) {
  auto started = std::chrono::steady_clock::now();
  BrokerClient& broker = access_.broker_of(account);
  auto session = access_.login(account, static_cast<uint32_t>(api_.broker_timeout_ms));
  HistorySnapshot snap;
  snap.from_ms = from_ms;
  snap.to_ms = to_ms;
  snap.clock = clocks_.clock_for(broker.name(), account.server, *session, {});
  // history_deals_get filters on the broker clock: pad a day each side (MT5.md).
  auto deals = session->deals_between(snap.clock.utc_to_broker_ms(from_ms) / 1000 - 86400,
                                      snap.clock.utc_to_broker_ms(to_ms) / 1000 + 86400);
  std::map<std::string, std::optional<SymbolInfo>> symbols;
  NormaliseContext ctx;
  ctx.clock = &snap.clock;
  ctx.pip_rules = &pip_rules_;
  ctx.symbol_info = [&](const std::string& name) {
    auto it = symbols.find(name);
    if (it == symbols.end()) it = symbols.emplace(name, session->symbol_info(name)).first;
    return it->second;
  };
  ctx.fetch_position_deals = [&](int64_t position_id) {
    return session->deals_of_position(position_id);
  };
  auto normalised = normalise_deals(deals, ctx);
  for (auto& t : normalised.closed_trades)
    if (t.close_time_ms >= from_ms && t.close_time_ms <= to_ms) snap.trades.push_back(std::move(t));
  std::sort(snap.trades.begin(), snap.trades.end(), [](const auto& a, const auto& b) {
    return a.close_time_ms != b.close_time_ms ? a.close_time_ms > b.close_time_ms
                                              : a.ticket > b.ticket;
  });
  metrics_.observe("mt5bridge_broker_fetch_seconds", "what=\"history\"", seconds_since(started));
  return snap;
}

Response MarketDataService::info(RequestContext& ctx) {
  auto owned = access_.owned_account_cached(ctx);
  const Account& account = *owned;
  auto result = cached<std::shared_ptr<const InfoSnapshot>>(
      info_cache_, account, account.id + "|info", api_.info_cache_ttl_s, kInfoCache,
      [&] { return std::make_shared<const InfoSnapshot>(fetch_info(account)); });
  rapidjson::StringBuffer sb(nullptr, kJsonReserve);
  JsonWriter w(sb);
  w.StartObject();
  w.Key("success");
  w.Bool(true);
  w.Key("account_id");
  w.String(account.id);
  w.Key("timestamp");
  w.String(iso_utc_seconds(now_unix_ms()));
  w.Key("data");
  // The pre-written object goes in with one copy: an empty RawValue lets the writer place the
  // separator and count the value, and the bytes follow straight into the buffer (RawValue
  // itself would copy them one character at a time).
  const std::string& data = result.value->data_json;
  w.RawValue("", 0, rapidjson::kObjectType);
  std::memcpy(sb.Push(data.size()), data.data(), data.size());
  write_cache_fields(w, result.cached, result.stale, result.age_s);
  w.EndObject();
  return json_response(200, sb);
}

Response MarketDataService::positions(RequestContext& ctx) {
  auto owned = access_.owned_account_cached(ctx);
  const Account& account = *owned;
  auto type = ctx.request.query_param("type");
  if (type && *type != "buy" && *type != "sell")
    throw ApiError(400, "INVALID_INPUT", "type must be buy or sell.", "type");
  std::vector<std::string> symbols;
  if (auto s = ctx.request.query_param("symbols")) symbols = split_symbols(*s);

  auto result = cached<PositionsSnapshot>(positions_cache_, account, account.id + "|positions",
                                          api_.positions_cache_ttl_s, kPositionsCache,
                                          [&] { return fetch_positions(account); });
  rapidjson::StringBuffer sb;
  JsonWriter w(sb);
  w.StartObject();
  w.Key("success");
  w.Bool(true);
  w.Key("account_id");
  w.String(account.id);
  w.Key("timestamp");
  w.String(iso_utc_seconds(now_unix_ms()));
  w.Key("positions");
  w.StartArray();
  int64_t count = 0;
  double total = 0;
  for (const auto& p : result.value.positions) {
    if (type && p.type != *type) continue;
    if (!symbols.empty() && !symbol_matches(symbols, p.symbol, p.canonical_symbol)) continue;
    write_position_json(w, p);
    ++count;
    total += p.profit + p.swap + p.commission;  // story 3.4: 50.00 − 2.50 − 5.00 = 42.50
  }
  w.EndArray();
  w.Key("total_positions");
  w.Int64(count);
  w.Key("total_profit");
  w.Double(std::round(total * 100.0) / 100.0);
  write_cache_fields(w, result.cached, result.stale, result.age_s);
  w.EndObject();
  return json_response(200, sb);
}

Response MarketDataService::history(RequestContext& ctx) {
  auto owned = access_.owned_account_cached(ctx);
  const Account& account = *owned;
  auto from_text = ctx.request.query_param("from_date");
  auto to_text = ctx.request.query_param("to_date");
  int64_t now_ms = now_unix_ms();
  int64_t to_ms = now_ms, from_ms = now_ms - 30 * kDayMs;  // story 3.5 defaults
  if (to_text) {
    auto t = parse_api_time_ms(*to_text);
    if (!t)
      throw ApiError(400, "INVALID_DATE",
                     "to_date must be ISO 8601 (2025-11-12 or 2025-11-12T10:30:00Z) or Unix "
                     "seconds.",
                     "to_date");
    // A bare date as the end of a range means the whole day.
    to_ms = to_text->size() == 10 && (*to_text)[4] == '-' ? *t + kDayMs - 1 : *t;
  }
  if (from_text) {
    auto f = parse_api_time_ms(*from_text);
    if (!f)
      throw ApiError(400, "INVALID_DATE",
                     "from_date must be ISO 8601 (2025-11-12 or 2025-11-12T10:30:00Z) or Unix "
                     "seconds.",
                     "from_date");
    from_ms = *f;
  } else if (to_text) {
    from_ms = to_ms - 30 * kDayMs;
  }
  if (from_ms > to_ms)
    throw ApiError(400, "INVALID_DATE_RANGE", "from_date must not be after to_date.");
  if (to_ms - from_ms > 3660 * kDayMs)
    throw ApiError(400, "INVALID_DATE_RANGE", "The range may span at most ten years.");
  int64_t limit = parse_int_param(ctx.request.query_param("limit"), "limit", 100, 1, 1000);
  int64_t offset = parse_int_param(ctx.request.query_param("offset"), "offset", 0, 0, 1'000'000);
  auto symbol = ctx.request.query_param("symbol");

  // Explicit ranges are cached by their text; the default range ("the last 30 days") by account.
  std::string key = account.id + "|history|" + from_text.value_or("") + "|" + to_text.value_or("");
  auto result =
      cached<HistorySnapshot>(history_cache_, account, key, api_.history_cache_ttl_s, kHistoryCache,
                              [&] { return fetch_history(account, from_ms, to_ms); });
  const auto& snap = result.value;
  std::vector<const Trade*> trades;
  for (const auto& t : snap.trades)
    if (!symbol || symbol_matches({*symbol}, t.symbol, t.canonical_symbol)) trades.push_back(&t);

  double wins = 0, losses = 0, pips = 0;
  int64_t winners = 0;
  for (const auto* t : trades) {
    if (t->net_profit > 0) {
      wins += t->net_profit;
      ++winners;
    } else {
      losses += t->net_profit;
    }
    pips += t->pips;
  }
  auto round2 = [](double v) { return std::round(v * 100.0) / 100.0; };
  rapidjson::StringBuffer sb;
  JsonWriter w(sb);
  w.StartObject();
  w.Key("success");
  w.Bool(true);
  w.Key("account_id");
  w.String(account.id);
  w.Key("period");
  w.StartObject();
  w.Key("from");
  w.String(iso_utc_seconds(snap.from_ms));
  w.Key("to");
  w.String(iso_utc_seconds(snap.to_ms));
  w.EndObject();
  w.Key("trades");
  w.StartArray();
  for (size_t i = static_cast<size_t>(offset);
       i < trades.size() && i < static_cast<size_t>(offset + limit); ++i)
    write_trade_json(w, *trades[i], snap.clock);
  w.EndArray();
  w.Key("total_trades");
  w.Int64(static_cast<int64_t>(trades.size()));
  w.Key("summary");
  w.StartObject();
  w.Key("total_profit");
  w.Double(round2(wins));
  w.Key("total_loss");
  w.Double(round2(losses));
  w.Key("net_profit");
  w.Double(round2(wins + losses));
  w.Key("win_rate");
  w.Double(trades.empty() ? 0.0
                          : std::round(static_cast<double>(winners) * 100.0 /
                                       static_cast<double>(trades.size())) /
                                100.0);
  w.Key("total_pips");
  w.Double(std::round(pips * 10.0) / 10.0);
  w.EndObject();
  w.Key("pagination");
  w.StartObject();
  w.Key("limit");
  w.Int64(limit);
  w.Key("offset");
  w.Int64(offset);
  w.Key("has_more");
  w.Bool(static_cast<size_t>(offset + limit) < trades.size());
  w.EndObject();
  write_cache_fields(w, result.cached, result.stale, result.age_s);
  w.EndObject();
  return json_response(200, sb);
}

}  // namespace mt5b::host
