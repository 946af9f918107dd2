#include "pool_settings.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <sstream>

namespace mt5b::broker_mt5 {

namespace {

constexpr mt5b_option kOptions[] = {
    sdk::option("terminals", MT5B_OPT_OBJECT_LIST, MT5B_OPT_REQUIRED, nullptr,
                "One entry per MT5 terminal gateway: {name, host, port, token_file (or token), "
                "tls (default true), ca_file and/or fingerprint_sha256, and client_cert_file + "
                "client_key_file for a gateway that requires a client certificate}. Prefer "
                "token_file: the "
                "host redacts secret options only at the top level, not inside this list."),
    sdk::option("connect_timeout_ms", MT5B_OPT_INT, 0, "5000",
                "Deadline for a TCP connect plus TLS handshake and hello to one gateway."),
    sdk::option("call_timeout_ms", MT5B_OPT_INT, 0, "10000",
                "Deadline of one data call (account_info, positions_get, ...) on a gateway."),
    sdk::option("login_timeout_ms", MT5B_OPT_INT, 0, "30000",
                "Deadline of one login on a terminal (MT5 logins take seconds); a session "
                "open that gives timeout_ms 0 gets this much in all."),
    sdk::option("session_idle_s", MT5B_OPT_INT, 0, "300",
                "A session or a terminal's logged-in account unused this long is released; "
                "the next call logs in again."),
    sdk::option("probe_interval_s", MT5B_OPT_INT, 0, "30",
                "How often every terminal is pinged; a probe that answers brings a terminal in "
                "ERROR back to CONNECTED."),
    sdk::option("retry_backoff_ms", MT5B_OPT_STRING_LIST, 0, "[\"1000\",\"2000\",\"4000\"]",
                "Waits in milliseconds before the 1st, 2nd, 3rd... retry of a transient "
                "failure, as a list of whole numbers (quoted or not); the last repeats."),
    sdk::option("max_retries", MT5B_OPT_INT, 0, "3",
                "Retries of a transient failure (IPC -10003/-10004/-10005, timeout, busy, "
                "network) before the call fails; 0 turns retries off."),
};

constexpr const char* kTerminalKeys[] = {"name",
                                         "host",
                                         "port",
                                         "token",
                                         "token_file",
                                         "tls",
                                         "ca_file",
                                         "fingerprint_sha256",
                                         "client_cert_file",
                                         "client_key_file"};

[[noreturn]] void refuse(const std::string& message) {
  throw sdk::Error(MT5B_INVALID_ARGUMENT, message);
}

int64_t positive(const sdk::Config& config, const char* key, int64_t fallback, int64_t max) {
  int64_t v = config.integer(key, fallback);
  if (v <= 0 || v > max)
    refuse("option `" + std::string(key) + "` must be a whole number from 1 to " +
           std::to_string(max) + ", not " + std::to_string(v));
  return v;
}

std::string terminal_phrase(size_t index, const std::string& name) {
  return "terminals[" + std::to_string(index) + "]" + (name.empty() ? "" : " ('" + name + "')");
}

const rapidjson::Value* member(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  return it == obj.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

std::string string_field(const rapidjson::Value& obj, const char* key, const std::string& where) {
  const auto* v = member(obj, key);
  if (v == nullptr) return {};
  if (!v->IsString()) refuse(where + "." + key + " must be a string");
  return std::string(v->GetString(), v->GetStringLength());
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '.' || c == '-';
  });
}

// The token file holds the token alone; a trailing newline (as `echo` writes) is not part of it.
std::string read_token_file(const std::string& path, const std::string& where) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    refuse(where + ".token_file '" + path +
           "' cannot be read; check the path and that the service user may read it");
  std::string token((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  if (token.empty())
    refuse(where + ".token_file '" + path + "' is empty; put the gateway's token in it");
  return token;
}

TerminalSettings read_terminal(const rapidjson::Value& obj, size_t index) {
  auto where = terminal_phrase(index, {});
  if (!obj.IsObject()) refuse(where + " must be a mapping");
  for (const auto& kv : obj.GetObject()) {
    std::string key(kv.name.GetString(), kv.name.GetStringLength());
    if (std::find(std::begin(kTerminalKeys), std::end(kTerminalKeys), key) ==
        std::end(kTerminalKeys))
      refuse(where + " has unknown key '" + key +
             "'; a terminal takes name, host, port, token_file or token, tls, ca_file, "
             "fingerprint_sha256, client_cert_file, client_key_file");
  }
  TerminalSettings t;
  t.name = string_field(obj, "name", where);
  if (!valid_name(t.name))
    refuse(where +
           ".name must be 1 to 64 letters, digits, '_', '.' or '-' (it names the terminal in "
           "logs and metrics)");
  where = terminal_phrase(index, t.name);
  t.host = string_field(obj, "host", where);
  if (t.host.empty()) refuse(where + ".host is required: the gateway's host name or address");
  const auto* port = member(obj, "port");
  if (port == nullptr || !port->IsInt64() || port->GetInt64() < 1 || port->GetInt64() > 65535)
    refuse(where + ".port is required and must be a whole number from 1 to 65535");
  t.port = static_cast<uint16_t>(port->GetInt64());

  auto token_file = string_field(obj, "token_file", where);
  auto has_token = member(obj, "token") != nullptr;
  if (has_token == !token_file.empty())
    refuse(where +
           " needs exactly one of token_file (preferred) and token: the shared secret "
           "the gateway was started with");
  if (has_token) {
    // Copied straight into wiped memory; the message never shows it.
    const auto* v = member(obj, "token");
    if (!v->IsString() || v->GetStringLength() == 0)
      refuse(where + ".token must be a non-empty string");
    t.token = std::make_shared<const SecretString>(
        SecretString::copy_of(std::string_view(v->GetString(), v->GetStringLength())));
  } else {
    auto token = read_token_file(token_file, where);
    t.token = std::make_shared<const SecretString>(SecretString::copy_of(token));
    OPENSSL_cleanse(token.data(), token.size());
  }

  if (const auto* tls = member(obj, "tls")) {
    if (!tls->IsBool()) refuse(where + ".tls must be true or false");
    t.tls = tls->GetBool();
  }
  t.ca_file = string_field(obj, "ca_file", where);
  auto pin = string_field(obj, "fingerprint_sha256", where);
  if (!pin.empty()) {
    t.fingerprint_sha256 = normalise_fingerprint(pin);
    if (t.fingerprint_sha256.empty())
      refuse(where +
             ".fingerprint_sha256 must be the certificate's SHA-256 digest as 64 hex digits "
             "(colons allowed), e.g. from `openssl x509 -noout -fingerprint -sha256 -in "
             "gateway.crt`");
  }
  t.client_cert_file = string_field(obj, "client_cert_file", where);
  t.client_key_file = string_field(obj, "client_key_file", where);
  if (t.client_cert_file.empty() != t.client_key_file.empty())
    refuse(where +
           " needs both client_cert_file and client_key_file (PEM) for a client certificate, "
           "or neither");
  if (!t.tls && !t.client_cert_file.empty())
    refuse(where + ": a client certificate needs tls: true");
  if (t.tls && t.ca_file.empty() && t.fingerprint_sha256.empty())
    refuse(where +
           " needs ca_file or fingerprint_sha256 so the gateway's certificate can be checked "
           "(or tls: false, for tests on loopback only)");
  return t;
}

std::vector<milliseconds> read_backoff(const sdk::Config& config) {
  const auto* list = config.value("retry_backoff_ms");
  if (list == nullptr) return {milliseconds(1000), milliseconds(2000), milliseconds(4000)};
  auto bad = [] {
    refuse(
        "option `retry_backoff_ms` must be a non-empty list of waits in milliseconds from 0 to "
        "600000, e.g. [1000, 2000, 4000]");
  };
  if (!list->IsArray() || list->Empty()) bad();
  std::vector<milliseconds> out;
  for (const auto& e : list->GetArray()) {
    int64_t ms = -1;
    if (e.IsInt64()) {
      ms = e.GetInt64();
    } else if (e.IsString()) {
      std::string text(e.GetString(), e.GetStringLength());
      size_t used = 0;
      try {
        ms = std::stoll(text, &used);
      } catch (const std::exception&) {
        bad();
      }
      if (used != text.size()) bad();
    }
    if (ms < 0 || ms > 600000) bad();
    out.emplace_back(ms);
  }
  return out;
}

}  // namespace

milliseconds PoolSettings::backoff_before_retry(int retry) const {
  if (retry_backoff.empty()) return milliseconds(0);
  auto i = std::clamp<size_t>(static_cast<size_t>(std::max(retry, 0)), 0, retry_backoff.size() - 1);
  return retry_backoff[i];
}

std::span<const mt5b_option> pool_options() {
  return kOptions;
}

std::string normalise_fingerprint(std::string_view text) {
  std::string hex;
  for (char c : text) {
    if (c == ':' || c == ' ') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return {};
    hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return hex.size() == 64 ? hex : std::string();
}

PoolSettings read_pool_settings(const sdk::Config& config) {
  PoolSettings s;
  const auto* terminals = config.value("terminals");
  if (terminals == nullptr || !terminals->IsArray() || terminals->Empty())
    refuse(
        "option `terminals` must list at least one MT5 terminal gateway ({name, host, port, "
        "token_file, ca_file or fingerprint_sha256})");
  std::set<std::string> names;
  size_t index = 0;
  for (const auto& obj : terminals->GetArray()) {
    auto t = read_terminal(obj, index++);
    if (!names.insert(t.name).second)
      refuse("terminal name '" + t.name + "' appears twice in `terminals`; names must be unique");
    s.terminals.push_back(std::move(t));
  }
  constexpr int64_t kDay = 86400;
  s.connect_timeout = milliseconds(positive(config, "connect_timeout_ms", 5000, kDay * 1000));
  s.call_timeout = milliseconds(positive(config, "call_timeout_ms", 10000, kDay * 1000));
  s.login_timeout = milliseconds(positive(config, "login_timeout_ms", 30000, kDay * 1000));
  s.session_idle = std::chrono::seconds(positive(config, "session_idle_s", 300, kDay));
  s.probe_interval = std::chrono::seconds(positive(config, "probe_interval_s", 30, kDay));
  s.retry_backoff = read_backoff(config);
  auto retries = config.integer("max_retries", 3);
  if (retries < 0 || retries > 100)
    refuse("option `max_retries` must be a whole number from 0 to 100, not " +
           std::to_string(retries));
  s.max_retries = static_cast<int>(retries);
  return s;
}

}  // namespace mt5b::broker_mt5
