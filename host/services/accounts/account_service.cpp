#include "services/accounts/account_service.hpp"

#include "api/json_body.hpp"
#include "log/logger.hpp"
#include "normaliser/account_summary.hpp"
#include "normaliser/time_format.hpp"

#include <openssl/crypto.h>

#include <chrono>
#include <cmath>

namespace mt5b::host {

namespace {

Response json_response(uint16_t status, const rapidjson::StringBuffer& sb) {
  Response r;
  r.status = status;
  r.body.assign(sb.GetString(), sb.GetSize());
  r.set_header("Content-Type", "application/json");
  return r;
}

bool transient(mt5b_status s) {
  return s == MT5B_RETRY || s == MT5B_TIMEOUT || s == MT5B_UNAVAILABLE;
}

// Overwrites a plaintext password before its memory is released.
struct Wiped {
  std::string value;
  ~Wiped() {
    if (!value.empty()) OPENSSL_cleanse(value.data(), value.size());
  }
};

}  // namespace

ApiError broker_api_error(const PluginCallError& e) {
  switch (e.status()) {
    case MT5B_UNAUTHENTICATED:
      return ApiError(422, "AUTH_FAILED",
                      "Invalid credentials or server: check the login, the (investor) password "
                      "and the server name exactly as MetaTrader 5 shows them.",
                      e.what());
    case MT5B_TIMEOUT:
      return ApiError(504, "TIMEOUT",
                      "The trading server did not answer in time; try again in a minute.",
                      e.what());
    case MT5B_RETRY:
    case MT5B_UNAVAILABLE:
      return ApiError(503, "SERVER_UNREACHABLE",
                      "The trading server or terminal cannot be reached right now; try again "
                      "later.",
                      e.what());
    case MT5B_INVALID_ARGUMENT:
      return ApiError(400, "INVALID_INPUT", "The broker refused the request as malformed.",
                      e.what());
    default:
      return ApiError(502, "BROKER_ERROR",
                      "The broker backend failed; try again, and report the request_id if it "
                      "persists.",
                      e.what());
  }
}

ApiError storage_api_error(const PluginCallError& e) {
  if (transient(e.status()))
    return ApiError(503, "STORAGE_UNAVAILABLE",
                    "The database is unavailable right now; nothing was changed. Try again.");
  return ApiError(500, "STORAGE_ERROR",
                  "The database refused the operation; nothing was changed. Report the "
                  "request_id.");
}

AccountService::AccountService(StorageClient& storage, std::vector<BrokerClient*> brokers,
                               const CredentialCipher& cipher, const ApiConfig& api,
                               MetricsRegistry& metrics, LastErrorTracker& last_error)
    : storage_(storage),
      brokers_(std::move(brokers)),
      cipher_(cipher),
      api_(api),
      metrics_(metrics),
      last_error_(last_error) {}

void AccountService::add_routes(Router& router) {
  router.add(
      {"POST", "/api/mt5/accounts", Access::user, [this](RequestContext& c) { return create(c); }});
  router.add({"GET", "/api/mt5/account/{account_id}/info", Access::user,
              [this](RequestContext& c) { return info(c); }});
}

BrokerClient* AccountService::broker_for(const std::string& server,
                                         const std::string& preferred) const {
  for (auto* b : brokers_)
    if (!preferred.empty() && b->name() == preferred) return b;
  for (auto* b : brokers_)
    if (b->serves(server)) return b;
  return nullptr;
}

Response AccountService::create(RequestContext& ctx) {
  JsonBody body(ctx.request.body, {"user_id", "login", "password", "server", "broker_name"});
  auto login = body.integer("login");
  Wiped password{body.string("password").value_or("")};
  std::string server = body.string("server").value_or("");
  std::string broker_name = body.string("broker_name").value_or("");
  auto user_field = body.string("user_id");

  if (!login || *login <= 0)
    throw ApiError(400, "INVALID_INPUT",
                   "login must be a positive integer (the MT5 account number).", "login");
  if (password.value.size() < 6)
    throw ApiError(400, "INVALID_INPUT", "password must be at least 6 characters.", "password");
  if (server.empty() || server.size() > 128)
    throw ApiError(400, "INVALID_INPUT",
                   "server must be the MT5 server name (1 to 128 characters), e.g. "
                   "MetaQuotes-Demo.",
                   "server");
  if (broker_name.empty() || broker_name.size() > 128)
    throw ApiError(400, "INVALID_INPUT", "broker_name must be 1 to 128 characters.", "broker_name");

  std::string user_id;
  if (!ctx.acting_user.empty()) {
    user_id = ctx.acting_user;
    if (user_field && require_uuid(*user_field, "user_id") != user_id)
      throw ApiError(403, "FORBIDDEN", "A user may link accounts only for themself.");
  } else {
    if (!user_field)
      throw ApiError(400, "INVALID_INPUT",
                     "user_id is required when a service key acts without a user token.",
                     "user_id");
    user_id = require_uuid(*user_field, "user_id");
  }

  BrokerClient* broker = broker_for(server, {});
  if (!broker)
    throw ApiError(
        400, "UNKNOWN_SERVER",
        "No broker backend of this host serves the server '" + server + "'; check the server name.",
        server);

  Mt5AccountInfo info;
  auto started = std::chrono::steady_clock::now();
  try {
    auto session =
        broker->open(*login, password.value, server, static_cast<uint32_t>(api_.broker_timeout_ms));
    info = session->account_info();
  } catch (const PluginCallError& e) {
    log_info("account link refused by the broker", {{"request_id", ctx.request.request_id},
                                                    {"user_id", user_id},
                                                    {"login", std::to_string(*login)},
                                                    {"server", server},
                                                    {"status", sdk::status_name(e.status())}});
    if (e.status() != MT5B_UNAUTHENTICATED) last_error_.record(e.what(), now_unix_ms());
    throw broker_api_error(e);
  }
  metrics_.observe(
      "mt5bridge_connect_test_seconds", "",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());

  Account account;
  account.id = new_uuid_v4();
  account.user_id = user_id;
  account.login = *login;
  account.server = server;
  account.broker_name = broker_name;
  account.broker_instance = broker->name();
  account.currency = info.currency;
  account.leverage = info.leverage;
  account.balance = info.balance;
  account.equity = info.equity;
  account.margin = info.margin;
  account.free_margin = info.margin_free;
  account.margin_level = info.margin_level;
  account.credit = info.credit;
  account.profit = info.profit;
  account.created_at_ms = account.updated_at_ms = now_unix_ms();

  Credential credential{account.id, user_id, cipher_.active_key_id(),
                        cipher_.seal(password.value, account.id), account.created_at_ms};
  try {
    storage_.insert(account, credential);
  } catch (const PluginCallError& e) {
    if (e.status() == MT5B_CONFLICT)
      throw ApiError(409, "ACCOUNT_ALREADY_LINKED",
                     "This MT5 account (login and server) is already linked for this user.");
    last_error_.record(e.what(), now_unix_ms());
    throw storage_api_error(e);
  }
  log_info("account linked", {{"request_id", ctx.request.request_id},
                              {"account_id", account.id},
                              {"user_id", user_id},
                              {"broker", broker->name()}});
  metrics_.counter_add("mt5bridge_accounts_linked_total", "", 1);

  rapidjson::StringBuffer sb;
  JsonWriter w(sb);
  w.StartObject();
  w.Key("success");
  w.Bool(true);
  w.Key("account_id");
  w.String(account.id);
  w.Key("account_info");
  write_account_connect_shape(w, info);
  w.EndObject();
  auto response = json_response(201, sb);
  response.set_header("Location", "/api/mt5/accounts/" + account.id);
  return response;
}

Account AccountService::owned_account(RequestContext& ctx) {
  std::string id = require_uuid(ctx.request.path_params["account_id"], "account_id");
  std::optional<Account> account;
  try {
    account = storage_.get(id);
  } catch (const PluginCallError& e) {
    last_error_.record(e.what(), now_unix_ms());
    throw storage_api_error(e);
  }
  // 404 and 403 are distinguishable, which is safe here: ids are random v4 UUIDs (122 bits), so
  // another user's id cannot be found by guessing (docs/api.md, "Authorization").
  if (!account) throw ApiError(404, "ACCOUNT_NOT_FOUND", "No linked account has this id.", id);
  if (!ctx.service_on_behalf && account->user_id != ctx.acting_user)
    throw ApiError(403, "FORBIDDEN", "This account belongs to another user.");
  return *account;
}

std::string AccountService::decrypt_password(const Account& account) {
  auto credential = storage_.credential(account.id);
  if (!credential)
    throw ApiError(409, "CREDENTIALS_MISSING",
                   "No password is stored for this account; link it again.");
  try {
    return cipher_.open(credential->ciphertext, account.id);
  } catch (const CipherError& e) {
    log_error("stored credential cannot be opened",
              {{"account_id", account.id}, {"reason", e.what()}});
    throw ApiError(503, "CREDENTIALS_UNREADABLE",
                   "The stored password of this account cannot be decrypted; an operator must "
                   "restore the encryption key, or the user must link the account again.",
                   e.what());
  }
}

AccountService::InfoSnapshot AccountService::fetch_info(const Account& account) {
  BrokerClient* broker = broker_for(account.server, account.broker_instance);
  if (!broker)
    throw ApiError(503, "SERVER_UNREACHABLE",
                   "No broker backend serves this account's server any more.", account.server);
  Wiped password{decrypt_password(account)};
  auto started = std::chrono::steady_clock::now();
  auto session = broker->open(account.login, password.value, account.server,
                              static_cast<uint32_t>(api_.broker_timeout_ms));
  InfoSnapshot snap;
  snap.info = session->account_info();
  snap.positions_count = static_cast<int64_t>(session->positions().size());
  metrics_.observe(
      "mt5bridge_broker_fetch_seconds",
      "broker=\"" + prometheus_label_value(broker->name()) + "\",what=\"info\"",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return snap;
}

Response AccountService::info(RequestContext& ctx) {
  Account account = owned_account(ctx);
  TtlCache<InfoSnapshot>::Result result;
  try {
    result = info_cache_.get(
        "info:" + account.id, std::chrono::seconds(api_.info_cache_ttl_s),
        [&] { return fetch_info(account); },
        [](std::exception_ptr error) {
          try {
            std::rethrow_exception(error);
          } catch (const PluginCallError& e) {
            return transient(e.status());
          } catch (...) {
            return false;
          }
        });
  } catch (const PluginCallError& e) {
    metrics_.counter_add("mt5bridge_broker_errors_total",
                         "status=\"" + std::string(sdk::status_name(e.status())) + "\"", 1);
    last_error_.record(e.what(), now_unix_ms());
    throw broker_api_error(e);
  }
  metrics_.counter_add("mt5bridge_cache_requests_total",
                       std::string("cache=\"info\",result=\"") +
                           (result.stale    ? "stale"
                            : result.cached ? "hit"
                                            : "miss") +
                           "\"",
                       1);
  rapidjson::StringBuffer sb;
  JsonWriter w(sb);
  w.StartObject();
  w.Key("success");
  w.Bool(true);
  w.Key("account_id");
  w.String(account.id);
  w.Key("timestamp");
  w.String(iso_utc_seconds(now_unix_ms()));
  w.Key("data");
  write_account_info_shape(w, result.value.info, result.value.positions_count);
  w.Key("cached");
  w.Bool(result.cached);
  w.Key("cache_age_seconds");
  w.Int64(static_cast<int64_t>(std::floor(result.age_s)));
  if (result.stale) {
    w.Key("stale");
    w.Bool(true);
  }
  w.EndObject();
  return json_response(200, sb);
}

}  // namespace mt5b::host
