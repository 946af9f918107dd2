#include "scenario.hpp"

namespace mt5b::broker_mock {

mt5b_str StringPool::keep(std::string_view text) {
  const std::string& stored = strings_.emplace_back(text);
  return mt5b_str{stored.data(), static_cast<uint64_t>(stored.size())};
}

std::string_view failure_name(Failure failure) noexcept {
  switch (failure) {
    case Failure::kNone: return "none";
    case Failure::kAuth: return "auth";
    case Failure::kTimeout: return "timeout";
    case Failure::kDisconnect: return "disconnect";
    case Failure::kHang: return "hang";
  }
  return "unknown";
}

const Server* Scenario::find_server(std::string_view name) const noexcept {
  for (const auto& server : servers)
    if (server.name == name) return &server;
  return nullptr;
}

const Account* Scenario::find_account(int64_t login, std::string_view server) const noexcept {
  for (const auto& account : accounts)
    if (account.login == login && account.server == server) return &account;
  return nullptr;
}

}  // namespace mt5b::broker_mock
