#include "bearer_token.hpp"

#include <mt5bridge/sdk.hpp>

#include <cstddef>

namespace mt5b::auth_jwt {
namespace {

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::string_view> find_bearer_token(const mt5b_http_request& request) {
  std::optional<std::string_view> token;
  if (request.headers == nullptr) return token;
  for (uint32_t i = 0; i < request.header_count; ++i) {
    const mt5b_header& header = request.headers[i];
    if (!equals_ignoring_case(sdk::view(header.name), "Authorization")) continue;
    const std::string_view value = trim_blanks(sdk::view(header.value));
    std::size_t scheme_end = 0;
    while (scheme_end < value.size() && !is_blank(value[scheme_end])) ++scheme_end;
    if (!equals_ignoring_case(value.substr(0, scheme_end), "Bearer")) continue;
    // Two bearer tokens would leave it ambiguous whose request this is.
    if (token)
      throw sdk::Error(MT5B_UNAUTHENTICATED,
                       "the request carries more than one Bearer Authorization header; send "
                       "exactly one");
    token = trim_blanks(value.substr(scheme_end));
  }
  if (token && token->empty())
    throw sdk::Error(MT5B_UNAUTHENTICATED,
                     "the Authorization header says Bearer but carries no token; send "
                     "`Authorization: Bearer <Supabase access token>`");
  return token;
}

}  // namespace mt5b::auth_jwt
