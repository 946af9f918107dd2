#include "config/yaml_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>

namespace mt5b::host {

bool parse_int64(const std::string& text, int64_t& out) {
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || end != text.c_str() + text.size()) return false;
  out = v;
  return true;
}

bool parse_double(const std::string& text, double& out) {
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || end != text.c_str() + text.size()) return false;
  out = v;
  return true;
}

bool parse_bool(const std::string& text, bool& out) {
  if (text == "true") {
    out = true;
    return true;
  }
  if (text == "false") {
    out = false;
    return true;
  }
  return false;
}

namespace {
// The content of the file `reference` names (without one trailing newline), or nullopt with
// `why` set. Files are capped at 64 KiB: a secret is small, and a wrong path (a log, a device)
// must not be read whole.
std::optional<std::string> secret_from_file(const std::string& reference,
                                            const std::optional<std::string>& credentials_dir,
                                            std::string* why) {
  std::string path;
  if (reference.rfind("file:", 0) == 0) {
    path = reference.substr(5);
    if (path.empty() || path[0] != '/') {
      *why = "${" + reference + "} needs an absolute path, e.g. ${file:/etc/mt5bridge/api_key}";
      return std::nullopt;
    }
  } else {
    const std::string name = reference.substr(11);
    if (!credentials_dir || credentials_dir->empty()) {
      *why = "${" + reference +
             "} reads $CREDENTIALS_DIRECTORY, which is not set; start the host from a systemd "
             "unit with LoadCredential=" +
             name + ":/path/to/file";
      return std::nullopt;
    }
    if (name.empty() || name.find('/') != std::string::npos) {
      *why = "${" + reference + "}: a credential name is a plain file name";
      return std::nullopt;
    }
    path = *credentials_dir + "/" + name;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *why = "cannot read " + path + " (named by ${" + reference + "}): " + std::strerror(errno);
    return std::nullopt;
  }
  constexpr size_t kMax = 64 * 1024;
  std::string content(kMax + 1, '\0');
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  content.resize(static_cast<size_t>(in.gcount()));
  if (content.size() > kMax) {
    *why = path + " (named by ${" + reference +
           "}) is larger than 64 KiB; a secret file holds "
           "the secret alone";
    return std::nullopt;
  }
  if (!content.empty() && content.back() == '\n') content.pop_back();
  if (!content.empty() && content.back() == '\r') content.pop_back();
  if (content.empty()) {
    *why = path + " (named by ${" + reference + "}) is empty";
    return std::nullopt;
  }
  return content;
}
}  // namespace

void YamlReader::check_duplicate_keys(const YAML::Node& n, const std::string& path) {
  if (n.IsSequence()) {
    for (std::size_t i = 0; i < n.size(); ++i)
      check_duplicate_keys(n[i], path + "[" + std::to_string(i) + "]");
    return;
  }
  if (!n.IsMap()) return;
  // Configuration mappings have a few dozen keys at most: a linear search per key is enough.
  std::vector<std::pair<std::string, YAML::Mark>> seen;
  for (const auto& entry : n) {
    const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : std::string();
    const std::string child = path.empty() ? key : path + "." + key;
    auto earlier = std::find_if(seen.begin(), seen.end(),
                                [&](const auto& s) { return !key.empty() && s.first == key; });
    if (earlier != seen.end()) {
      problem(entry.first, child,
              "the key '" + key + "' appears twice in one mapping (first at line " +
                  std::to_string(earlier->second.line + 1) +
                  "); only one would count: remove or merge the duplicate");
    } else {
      seen.emplace_back(key, entry.first.Mark());
    }
    check_duplicate_keys(entry.second, child);
  }
}

std::string YamlReader::where(const YAML::Node& n) const {
  if (!n || n.Mark().is_null()) return file_ + ": ";
  return file_ + ":" + std::to_string(n.Mark().line + 1) + ":" +
         std::to_string(n.Mark().column + 1) + ": ";
}

void YamlReader::problem(const YAML::Node& n, const std::string& path, const std::string& message) {
  std::string place = path.find(file_) == 0 ? path : where(n) + path;
  problems_.push_back(place + (path.empty() ? "" : ": ") + message);
}

std::string YamlReader::scalar(const YAML::Node& n, const std::string& path, bool secret) {
  const std::string raw = n.Scalar();
  std::string out;
  bool used_default = false;
  size_t i = 0;
  while (i < raw.size()) {
    if (raw.compare(i, 2, "${") != 0) {
      out += raw[i++];
      continue;
    }
    size_t close = raw.find('}', i);
    if (close == std::string::npos) {
      problem(n, path, "unterminated ${ in '" + (secret ? std::string("<secret>") : raw) + "'");
      return out;
    }
    std::string expr = raw.substr(i + 2, close - i - 2);
    std::string name = expr, fallback;
    bool has_default = false;
    if (auto sep = expr.find(":-"); sep != std::string::npos) {
      name = expr.substr(0, sep);
      fallback = expr.substr(sep + 2);
      has_default = true;
    }
    if (name.rfind("file:", 0) == 0 || name.rfind("credential:", 0) == 0) {
      // A secret kept in a file (`${file:/path}`) or handed over by systemd's LoadCredential=
      // (`${credential:name}`, read from $CREDENTIALS_DIRECTORY): never in the environment.
      std::string why;
      if (auto content = secret_from_file(name, env_("CREDENTIALS_DIRECTORY"), &why)) {
        add_secret(*content);
        out += *content;
      } else {
        problem(n, path, why);
      }
      i = close + 1;
      continue;
    }
    auto value = env_(name);
    if (value && !value->empty()) {
      out += *value;
    } else if (has_default) {
      out += fallback;
      used_default = true;
    } else {
      problem(n, path,
              "the environment variable " + name +
                  " is not set; export it before starting, or write ${" + name +
                  ":-default} in the file");
    }
    i = close + 1;
  }
  if (secret) {
    add_secret(out);
    if (used_default)
      warning(path +
              " uses its development default because its environment variable is unset; "
              "set it before exposing this host to anyone");
  }
  return out;
}

bool YamlReader::expect_map(const YAML::Node& n, const std::string& path) {
  if (n && n.IsMap()) return true;
  problem(n, path, "must be a mapping of key: value");
  return false;
}

void YamlReader::check_keys(const YAML::Node& map, const std::string& path,
                            const std::vector<std::string>& allowed) {
  for (const auto& kv : map) {
    std::string key = kv.first.Scalar();
    bool ok = false;
    for (const auto& a : allowed) ok = ok || a == key;
    if (ok) continue;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    problem(kv.first, path.empty() ? key : path + "." + key,
            "unknown key '" + key + "'; allowed keys here: " + list);
  }
}

std::string YamlReader::string_or(const YAML::Node& n, const std::string& path,
                                  std::string fallback, bool secret) {
  if (!n || n.IsNull()) return fallback;
  if (!n.IsScalar()) {
    problem(n, path, "must be a single value (a string)");
    return fallback;
  }
  return scalar(n, path, secret);
}

int64_t YamlReader::int_or(const YAML::Node& n, const std::string& path, int64_t fallback,
                           int64_t min, int64_t max) {
  if (!n || n.IsNull()) return fallback;
  int64_t v = 0;
  if (!n.IsScalar() || !parse_int64(scalar(n, path), v)) {
    problem(n, path, "must be a whole number");
    return fallback;
  }
  if (v < min || v > max) {
    problem(n, path,
            "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", not " +
                std::to_string(v));
    return fallback;
  }
  return v;
}

bool YamlReader::bool_or(const YAML::Node& n, const std::string& path, bool fallback) {
  if (!n || n.IsNull()) return fallback;
  bool v = false;
  if (!n.IsScalar() || !parse_bool(scalar(n, path), v)) {
    problem(n, path, "must be true or false");
    return fallback;
  }
  return v;
}

std::vector<std::string> YamlReader::string_list(const YAML::Node& n, const std::string& path,
                                                 bool secret) {
  std::vector<std::string> out;
  if (!n || n.IsNull()) return out;
  if (!n.IsSequence()) {
    problem(n, path, "must be a list, e.g. [ a, b ]");
    return out;
  }
  for (size_t i = 0; i < n.size(); ++i) {
    std::string p = path + "[" + std::to_string(i) + "]";
    if (!n[i].IsScalar()) {
      problem(n[i], p, "must be a string");
      continue;
    }
    out.push_back(scalar(n[i], p, secret));
  }
  return out;
}

}  // namespace mt5b::host
