#include "api/router.hpp"

#include <algorithm>

namespace mt5b::host {

namespace {
// Path segments; empty ones (repeated or trailing slashes) are skipped.
std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  out.reserve(8);
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

Router::Pattern Router::compile(std::string_view pattern) {
  Pattern out;
  for (std::string_view segment : split(pattern)) {
    bool param = segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
    out.segments.emplace_back(param ? segment.substr(1, segment.size() - 2) : segment);
    out.is_param.push_back(param);
  }
  return out;
}

void Router::add(Route route) {
  patterns_.push_back(compile(route.pattern));
  routes_.push_back(std::move(route));
}

bool Router::fits(const Pattern& pattern, const std::vector<std::string_view>& path,
                  std::map<std::string, std::string>* params) {
  if (pattern.segments.size() != path.size()) return false;
  for (size_t i = 0; i < path.size(); ++i)
    if (!pattern.is_param[i] && pattern.segments[i] != path[i]) return false;
  if (params) {
    params->clear();
    for (size_t i = 0; i < path.size(); ++i)
      if (pattern.is_param[i]) (*params)[pattern.segments[i]] = percent_decode(path[i], false);
  }
  return true;
}

std::vector<std::string> Router::methods_at(const std::string& path) const {
  auto segments = split(path);
  std::vector<std::string> out;
  for (size_t i = 0; i < routes_.size(); ++i)
    if (fits(patterns_[i], segments, nullptr)) out.push_back(routes_[i].method);
  std::sort(out.begin(), out.end());
  return out;
}

const Route* Router::match(Request& request, bool* path_known) const {
  if (path_known) *path_known = false;
  auto segments = split(request.path);
  for (size_t i = 0; i < routes_.size(); ++i) {
    const Route& r = routes_[i];
    if (!fits(patterns_[i], segments, nullptr)) continue;
    // HEAD is GET without a body (the transport drops it).
    if (r.method == request.method || (request.method == "HEAD" && r.method == "GET")) {
      fits(patterns_[i], segments, &request.path_params);
      return &r;
    }
    if (path_known) *path_known = true;
  }
  return nullptr;
}

}  // namespace mt5b::host
