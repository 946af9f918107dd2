// The plugin's options, checked, and the libpq connection string built from them.
#ifndef MT5B_STORAGE_POSTGRES_CONNECTION_SETTINGS_HPP
#define MT5B_STORAGE_POSTGRES_CONNECTION_SETTINGS_HPP

#include <mt5bridge/sdk.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mt5b::storage_postgres {

struct ConnectionSettings {
  // What libpq connects with: the url's parameters plus connect_timeout and an application
  // name. Holds the password: never log it or put it into a message.
  std::string conninfo;
  // "host:port" (comma-separated when the url lists several hosts), for messages. Never
  // holds the user or password.
  std::string endpoint;
  std::string schema = "public";
  int pool_size = 4;
  int64_t statement_timeout_ms = 10'000;
  int64_t connect_timeout_s = 5;
  bool apply_migrations = true;
  // Sync applies (sync_store.cpp): at most apply_connections transactions write them at once;
  // applies arriving meanwhile wait and go together, up to apply_group_max per transaction.
  int apply_connections = 2;
  int apply_group_max = 16;
};

// Reads and checks the options. Errors: INVALID_ARGUMENT with a sentence that never repeats
// the url (it may hold a password).
ConnectionSettings read_connection_settings(const sdk::Config& config);

// Rebuilds `url` (keyword=value conninfo or a postgresql:// URI) as a keyword=value conninfo
// with connect_timeout set and a default application name. nullopt when libpq cannot parse it.
std::optional<std::string> build_conninfo(std::string_view url, int64_t connect_timeout_s);

// "host:port" of every host the url names; "the local socket" style text when it names none.
std::string describe_endpoint(std::string_view url);

}  // namespace mt5b::storage_postgres

#endif  // MT5B_STORAGE_POSTGRES_CONNECTION_SETTINGS_HPP
