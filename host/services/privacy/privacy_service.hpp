// GDPR (seed story 7.3): erase every row of a user in one transaction with an audit record of
// the event (never of the data), and export everything the product holds about a user.
// A user's token acts on itself only; the service key on anyone.
#pragma once

#include "api/router.hpp"
#include "services/accounts/account_access.hpp"

#include <functional>

namespace mt5b::host {

class PrivacyService {
 public:
  PrivacyService(AccountAccess& access, std::function<void(const std::string&)> on_account_removed);
  void add_routes(Router& router);

  Response erase(RequestContext& ctx);        // DELETE /api/mt5/users/{user_id}/data
  Response export_data(RequestContext& ctx);  // GET /api/mt5/users/{user_id}/export?format=json|csv

 private:
  // The user in the path, if the caller may act on them (403 otherwise).
  std::string subject_user(RequestContext& ctx) const;
  static std::string actor(const RequestContext& ctx);

  AccountAccess& access_;
  std::function<void(const std::string&)> on_account_removed_;
};

}  // namespace mt5b::host
