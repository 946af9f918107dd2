#include "connection_settings.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <map>
#include <memory>
#include <vector>

namespace mt5b::storage_postgres {
namespace {

constexpr int64_t kMaxPoolSize = 100;
constexpr int64_t kMaxConnectTimeoutS = 600;
constexpr size_t kMaxIdentifierLength = 63;  // PostgreSQL's NAMEDATALEN - 1
constexpr const char* kDefaultPort = "5432";
constexpr const char* kDefaultSocketDirectory = "/var/run/postgresql";

struct ConninfoFree {
  void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};
using ParsedConninfo = std::unique_ptr<PQconninfoOption, ConninfoFree>;

// libpq's own parser, so every form libpq accepts is accepted here. Its error text may quote
// the url, so it is dropped rather than shown.
ParsedConninfo parse(std::string_view url) {
  const std::string text(url);
  char* error = nullptr;
  ParsedConninfo parsed(PQconninfoParse(text.c_str(), &error));
  if (error != nullptr) PQfreemem(error);
  return parsed;
}

std::map<std::string, std::string> values_of(const PQconninfoOption* options) {
  std::map<std::string, std::string> values;
  for (const PQconninfoOption* o = options; o != nullptr && o->keyword != nullptr; ++o) {
    if (o->val != nullptr) values[o->keyword] = o->val;
  }
  return values;
}

// keyword='value' with the quoting libpq expects.
std::string quoted(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    parts.push_back(text.substr(start, comma == std::string::npos ? comma : comma - start));
    if (comma == std::string::npos) return parts;
    start = comma + 1;
  }
}

int64_t bounded(const sdk::Config& config, const char* key, int64_t fallback, int64_t low,
                int64_t high, const char* meaning) {
  const int64_t value = config.integer(key, fallback);
  if (value < low || value > high) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT, std::string(key) + " is " + std::to_string(value) +
                                                "; set it between " + std::to_string(low) +
                                                " and " + std::to_string(high) + " (" + meaning +
                                                ")");
  }
  return value;
}

}  // namespace

std::optional<std::string> build_conninfo(std::string_view url, int64_t connect_timeout_s) {
  ParsedConninfo parsed = parse(url);
  if (!parsed) return std::nullopt;
  std::map<std::string, std::string> values = values_of(parsed.get());
  values["connect_timeout"] = std::to_string(connect_timeout_s);
  if (!values.contains("application_name") && !values.contains("fallback_application_name")) {
    values["fallback_application_name"] = "mt5bridge-storage-postgres";
  }
  // A server that vanished without closing the connection (power loss, a dropped route) must
  // not hang a call for the kernel's default of many minutes: probe idle connections and give
  // up on unacknowledged data after 30 s. The url's own values win.
  values.try_emplace("keepalives_idle", "30");
  values.try_emplace("keepalives_interval", "10");
  values.try_emplace("keepalives_count", "3");
  values.try_emplace("tcp_user_timeout", "30000");
  std::string conninfo;
  for (const auto& [keyword, value] : values) {
    if (!conninfo.empty()) conninfo += ' ';
    conninfo += keyword + "=" + quoted(value);
  }
  return conninfo;
}

std::string describe_endpoint(std::string_view url) {
  ParsedConninfo parsed = parse(url);
  if (!parsed) return "an unparsable address";
  std::map<std::string, std::string> values = values_of(parsed.get());
  std::string hosts = values["host"];
  if (hosts.empty()) hosts = values["hostaddr"];
  if (hosts.empty()) hosts = kDefaultSocketDirectory;
  std::vector<std::string> host_list = split_commas(hosts);
  std::vector<std::string> port_list =
      split_commas(values["port"].empty() ? std::string(kDefaultPort) : values["port"]);
  std::string out;
  for (size_t i = 0; i < host_list.size(); ++i) {
    // libpq: one port for all hosts, or one per host.
    std::string port = port_list.size() == host_list.size() ? port_list[i] : port_list[0];
    if (port.empty()) port = kDefaultPort;
    std::string host = host_list[i].empty() ? std::string(kDefaultSocketDirectory) : host_list[i];
    if (!out.empty()) out += ',';
    out += host + ":" + port;
  }
  return out;
}

ConnectionSettings read_connection_settings(const sdk::Config& config) {
  ConnectionSettings settings;
  const std::string url = config.string("url");
  if (url.empty()) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "url is empty; set it to a libpq connection string such as "
                     "postgresql://user:password@host:5432/database");
  }
  settings.connect_timeout_s =
      bounded(config, "connect_timeout_s", settings.connect_timeout_s, 1, kMaxConnectTimeoutS,
              "seconds a new connection may take before the request fails as unavailable");
  auto conninfo = build_conninfo(url, settings.connect_timeout_s);
  if (!conninfo) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "url is neither a libpq keyword=value string nor a postgresql:// URL that "
                     "libpq can read; check its syntax (it is secret, so it is not repeated here)");
  }
  settings.conninfo = std::move(*conninfo);
  settings.endpoint = describe_endpoint(url);
  settings.pool_size = static_cast<int>(
      bounded(config, "pool_size", settings.pool_size, 1, kMaxPoolSize, "open connections"));
  settings.statement_timeout_ms =
      bounded(config, "statement_timeout_ms", settings.statement_timeout_ms, 0, INT32_MAX,
              "milliseconds one statement may run; 0 = no limit");
  settings.schema = config.string("schema", settings.schema);
  if (settings.schema.empty() || settings.schema.size() > kMaxIdentifierLength) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "schema must be a PostgreSQL schema name of 1 to 63 characters, such as "
                     "public");
  }
  settings.apply_migrations = config.boolean("apply_migrations", settings.apply_migrations);
  // Unset, it is at most the pool: a pool of one still works.
  settings.apply_connections = static_cast<int>(
      bounded(config, "apply_connections", std::min(settings.apply_connections, settings.pool_size),
              1, kMaxPoolSize, "connections that write sync applies at once"));
  if (settings.apply_connections > settings.pool_size) {
    throw sdk::Error(MT5B_INVALID_ARGUMENT,
                     "apply_connections (" + std::to_string(settings.apply_connections) +
                         ") is larger than pool_size (" + std::to_string(settings.pool_size) +
                         "); lower it, or raise pool_size");
  }
  settings.apply_group_max = static_cast<int>(bounded(
      config, "apply_group_max", settings.apply_group_max, 1, 1000, "accounts per transaction"));
  return settings;
}

}  // namespace mt5b::storage_postgres
