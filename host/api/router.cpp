#include "api/router.hpp"

#include <algorithm>

namespace mt5b::host {

namespace {
std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}
}  // namespace

void Router::add(Route route) {
  routes_.push_back(std::move(route));
}

bool Router::match_pattern(const std::string& pattern, const std::string& path,
                           std::map<std::string, std::string>* params) {
  auto p = split(pattern);
  auto s = split(path);
  if (p.size() != s.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i].size() > 2 && p[i].front() == '{' && p[i].back() == '}') {
      found[std::string(p[i].substr(1, p[i].size() - 2))] = percent_decode(s[i], false);
    } else if (p[i] != s[i]) {
      return false;
    }
  }
  if (params) *params = std::move(found);
  return true;
}

std::vector<std::string> Router::methods_at(const std::string& path) const {
  std::vector<std::string> out;
  for (const auto& r : routes_)
    if (match_pattern(r.pattern, path, nullptr)) out.push_back(r.method);
  std::sort(out.begin(), out.end());
  return out;
}

const Route* Router::match(Request& request, bool* path_known) const {
  if (path_known) *path_known = false;
  for (const auto& r : routes_) {
    std::map<std::string, std::string> params;
    if (!match_pattern(r.pattern, request.path, &params)) continue;
    // HEAD is GET without a body (the transport drops it).
    if (r.method == request.method || (request.method == "HEAD" && r.method == "GET")) {
      request.path_params = std::move(params);
      return &r;
    }
    if (path_known) *path_known = true;
  }
  return nullptr;
}

}  // namespace mt5b::host
