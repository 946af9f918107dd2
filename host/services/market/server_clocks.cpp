#include "services/market/server_clocks.hpp"

#include "log/logger.hpp"
#include "normaliser/time_format.hpp"

namespace mt5b::host {

namespace {
constexpr auto kDetectionTtl = std::chrono::hours(1);
}  // namespace

ServerClocks::ServerClocks(std::map<std::string, std::map<std::string, ClockSpec>> specs)
    : specs_(std::move(specs)) {}

ServerClock ServerClocks::clock_for(const std::string& broker, const std::string& server,
                                    BrokerSession& session,
                                    const std::vector<std::string>& probe_symbols) {
  const ClockSpec* spec = nullptr;
  if (auto b = specs_.find(broker); b != specs_.end()) {
    if (auto s = b->second.find(server); s != b->second.end())
      spec = &s->second;
    else if (auto any = b->second.find("*"); any != b->second.end())
      spec = &any->second;
  }
  if (spec && spec->kind == ClockSpec::Kind::zone) return ServerClock::from_zone(*spec->zone);
  if (spec && spec->kind == ClockSpec::Kind::offset)
    return ServerClock::from_offset(spec->offset_s, OffsetSource::configured_offset);

  const std::string key = broker + "/" + server;
  {
    std::lock_guard lock(mu_);
    auto it = detected_.find(key);
    if (it != detected_.end() && std::chrono::steady_clock::now() - it->second.at < kDetectionTtl)
      return ServerClock::from_offset(it->second.offset_s, OffsetSource::detected_from_tick);
  }
  std::vector<std::string> symbols = probe_symbols;
  symbols.push_back("EURUSD");
  int64_t now_s = now_unix_ms() / 1000;
  for (const auto& symbol : symbols) {
    auto tick = session.tick(symbol);
    if (!tick) continue;
    if (auto offset = detect_offset_s(tick->time, now_s)) {
      std::lock_guard lock(mu_);
      detected_[key] = Detected{*offset, std::chrono::steady_clock::now()};
      return ServerClock::from_offset(*offset, OffsetSource::detected_from_tick);
    }
  }
  std::lock_guard lock(mu_);
  if (auto it = detected_.find(key); it != detected_.end())
    return ServerClock::from_offset(it->second.offset_s, OffsetSource::detected_from_tick);
  if (!warned_[key]) {
    warned_[key] = true;
    log_warn(
        "cannot determine the broker clock of a trade server (no live tick); times are "
        "read as UTC until one is configured under pipeline.brokers[].time_zones",
        {{"broker", broker}, {"server", server}});
  }
  return ServerClock::from_offset(0, OffsetSource::configured_offset);
}

}  // namespace mt5b::host
