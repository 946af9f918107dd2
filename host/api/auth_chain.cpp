#include "api/auth_chain.hpp"

namespace mt5b::host {

void AuthChain::add(PluginInstance& instance) {
  entries_.push_back(Entry{&instance, instance.vtable<mt5b_auth_vtable>()});
}

AuthOutcome AuthChain::authenticate(const mt5b_http_request& request) const {
  AuthOutcome out;
  for (const auto& e : entries_) {
    std::optional<Principal> got;
    mt5b_status s = e.v.on_authenticate(
        e.instance->handle(), &request,
        [](void* ctx, const mt5b_principal* in) {
          mt5b_principal p;
          sdk::read_struct(in, p);
          *static_cast<std::optional<Principal>*>(ctx) =
              Principal{static_cast<mt5b_principal_kind>(p.kind), sdk::copy(p.subject),
                        sdk::copy(p.role), p.expires_at_ms};
        },
        &got);
    if (s == MT5B_NOT_FOUND) continue;
    if (s != MT5B_OK || !got) {
      std::string why = e.instance->last_error();
      out.refusals.push_back(why.empty() ? std::string("credential refused") : why);
      continue;
    }
    if (got->kind == MT5B_PRINCIPAL_SERVICE && !out.service)
      out.service = std::move(got);
    else if (got->kind == MT5B_PRINCIPAL_USER && !out.user)
      out.user = std::move(got);
  }
  return out;
}

}  // namespace mt5b::host
