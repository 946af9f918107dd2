// Reading the headers of an mt5b_http_request, for auth plugins (and anything else that looks at
// requests): names compared ASCII case-insensitively as HTTP says, values trimmed of the optional
// whitespace around them.
//
//   auto key = mt5b::sdk::find_header(request, "X-API-Key");
//   if (!key.value) return std::nullopt;                 // not sent
//   if (key.count > 1) throw Error(MT5B_UNAUTHENTICATED, "send exactly one X-API-Key");
#ifndef MT5BRIDGE_HTTP_HPP
#define MT5BRIDGE_HTTP_HPP

#include <mt5bridge/sdk.hpp>

#include <cstddef>
#include <optional>
#include <string_view>

#pragma GCC visibility push(hidden)
namespace mt5b::sdk {

inline char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// ASCII case-insensitive equality (header names, auth schemes).
inline bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

// `s` without the spaces and tabs around it (HTTP's optional whitespace).
inline std::string_view trim_blanks(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls fn(trimmed value) for each header named `name`, in the order received.
template <class Fn>
void for_each_header(const mt5b_http_request& request, std::string_view name, Fn&& fn) {
  if (request.headers == nullptr) return;
  for (uint32_t i = 0; i < request.header_count; ++i)
    if (equals_ignoring_case(view(request.headers[i].name), name))
      fn(trim_blanks(view(request.headers[i].value)));
}

struct FoundHeader {
  std::optional<std::string_view> value;  // the last one's trimmed value; nullopt when absent
  std::size_t count = 0;                  // how many headers carry the name
};

// The header named `name`: its (last) value, and how many were sent, so a caller that needs
// exactly one can refuse two. Views borrow the request.
inline FoundHeader find_header(const mt5b_http_request& request, std::string_view name) {
  FoundHeader found;
  for_each_header(request, name, [&](std::string_view value) {
    found.value = value;
    ++found.count;
  });
  return found;
}

}  // namespace mt5b::sdk
#pragma GCC visibility pop

#endif  // MT5BRIDGE_HTTP_HPP
