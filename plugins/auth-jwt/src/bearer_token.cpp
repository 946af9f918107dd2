#include "bearer_token.hpp"

#include <mt5bridge/http.hpp>
#include <mt5bridge/sdk.hpp>

#include <cstddef>

namespace mt5b::auth_jwt {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

}  // namespace

std::optional<std::string_view> find_bearer_token(const mt5b_http_request& request) {
  std::optional<std::string_view> token;
  sdk::for_each_header(request, "Authorization", [&](std::string_view value) {
    std::size_t scheme_end = 0;
    while (scheme_end < value.size() && !is_blank(value[scheme_end])) ++scheme_end;
    if (!sdk::equals_ignoring_case(value.substr(0, scheme_end), "Bearer")) return;
    // Two bearer tokens would leave it ambiguous whose request this is.
    if (token)
      throw sdk::Error(MT5B_UNAUTHENTICATED,
                       "the request carries more than one Bearer Authorization header; send "
                       "exactly one");
    token = sdk::trim_blanks(value.substr(scheme_end));
  });
  if (token && token->empty())
    throw sdk::Error(MT5B_UNAUTHENTICATED,
                     "the Authorization header says Bearer but carries no token; send "
                     "`Authorization: Bearer <Supabase access token>`");
  return token;
}

}  // namespace mt5b::auth_jwt
