// Runs every auth instance over a request and collects what each recognised: the API key's
// service principal, the JWT's user principal, and the reasons for any refusal.
#pragma once

#include "runtime/plugin_instance.hpp"

#include <optional>
#include <string>
#include <vector>

namespace mt5b::host {

struct Principal {
  mt5b_principal_kind kind = MT5B_PRINCIPAL_USER;
  std::string subject;
  std::string role;
  int64_t expires_at_ms = 0;
};

struct AuthOutcome {
  std::optional<Principal> service;
  std::optional<Principal> user;
  std::vector<std::string> refusals;  // "instance: reason", never the credential
};

class AuthChain {
 public:
  void add(PluginInstance& instance);
  AuthOutcome authenticate(const mt5b_http_request& request) const;
  bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    PluginInstance* instance;
    mt5b_auth_vtable v;
  };
  std::vector<Entry> entries_;
};

}  // namespace mt5b::host
