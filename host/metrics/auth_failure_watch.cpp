#include "metrics/auth_failure_watch.hpp"

#include <functional>
#include <string>

namespace mt5b::host {

bool AuthFailureWatch::count(Table& table, uint64_t id, Clock::time_point now) {
  auto [it, added] = table.windows.try_emplace(id);
  if (added) {
    table.order.emplace_back(id, now);
    // Forget the oldest entries past the bound (an attacker spraying keys or IPs cannot grow it).
    while (table.windows.size() > kMaxTracked) {
      auto [old_id, old_at] = table.order.front();
      table.order.pop_front();
      if (old_id != id) table.windows.erase(old_id);
    }
  }
  auto& at = it->second.at;
  while (!at.empty() && now - at.front() >= kWindow) at.pop_front();
  at.push_back(now);
  if (at.size() > static_cast<size_t>(kBurst)) at.pop_front();
  // Exactly on reaching the threshold: a burst is counted once, not on every later failure.
  // Another kBurst failures after the window moved on count again.
  if (at.size() == static_cast<size_t>(kBurst) && now - at.front() < kWindow) {
    at.clear();
    return true;
  }
  return false;
}

AuthFailureWatch::Bursts AuthFailureWatch::failed(std::string_view presented_key,
                                                  std::string_view client_ip,
                                                  Clock::time_point now) {
  std::lock_guard lock(mu_);
  Bursts b;
  if (!presented_key.empty())
    b.key = count(keys_, std::hash<std::string_view>{}(presented_key), now);
  if (!client_ip.empty()) b.ip = count(ips_, std::hash<std::string_view>{}(client_ip), now);
  return b;
}

}  // namespace mt5b::host
