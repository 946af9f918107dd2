#include "services/accounts/account_service.hpp"

#include "api/json_body.hpp"
#include "api/json_response.hpp"
#include "api/views/account_json.hpp"
#include "log/audit_log.hpp"
#include "log/logger.hpp"
#include "normaliser/time_format.hpp"

#include <chrono>

namespace mt5b::host {

namespace {

void write_time_or_null(JsonWriter& w, const char* key, int64_t ms) {
  w.Key(key);
  if (ms > 0)
    w.String(iso_utc_seconds(ms));
  else
    w.Null();
}

void write_account(JsonWriter& w, const Account& a, int64_t next_sync_at_ms) {
  w.StartObject();
  w.Key("account_id");
  w.String(a.id);
  w.Key("user_id");
  w.String(a.user_id);
  w.Key("login");
  w.Int64(a.login);
  w.Key("server");
  w.String(a.server);
  w.Key("broker_name");
  w.String(a.broker_name);
  w.Key("platform");
  w.String("mt5");
  w.Key("is_active");
  w.Bool(a.is_active);
  w.Key("currency");
  w.String(a.currency);
  w.Key("leverage");
  w.Int64(a.leverage);
  w.Key("balance");
  w.Double(a.balance);
  w.Key("equity");
  w.Double(a.equity);
  w.Key("connection_status");
  w.String(a.connection_status);
  write_time_or_null(w, "last_sync_at", a.last_sync_at_ms);
  write_time_or_null(w, "last_successful_sync_at", a.last_successful_sync_at_ms);
  w.Key("last_connection_error");
  if (a.last_connection_error.empty())
    w.Null();
  else
    w.String(a.last_connection_error);
  w.Key("sync_failure_count");
  w.Int64(a.sync_failure_count);
  write_time_or_null(w, "next_sync_at", next_sync_at_ms);
  write_time_or_null(w, "created_at", a.created_at_ms);
  w.EndObject();
}

}  // namespace

AccountService::AccountService(AccountAccess& access, const ApiConfig& api, const SyncConfig& sync,
                               MetricsRegistry& metrics,
                               std::function<void(const std::string&)> on_account_removed)
    : access_(access),
      api_(api),
      sync_(sync),
      metrics_(metrics),
      on_account_removed_(std::move(on_account_removed)) {}

void AccountService::add_routes(Router& router) {
  router.add({"POST", "/api/mt5/connect", Access::service, [this](auto& c) { return connect(c); },
              RateClass::connect});
  router.add({"POST", "/api/mt5/accounts", Access::user, [this](auto& c) { return create(c); }});
  router.add({"GET", "/api/mt5/accounts", Access::user, [this](auto& c) { return list(c); }});
  router.add(
      {"GET", "/api/mt5/accounts/{account_id}", Access::user, [this](auto& c) { return get(c); }});
  router.add({"DELETE", "/api/mt5/accounts/{account_id}", Access::user,
              [this](auto& c) { return remove(c); }});
}

void AccountService::read_link_request(RequestContext& ctx, LinkRequest& out, bool user_required) {
  JsonBody body(ctx.request.body, {"user_id", "login", "password", "server", "broker_name"});
  auto login = body.integer("login");
  out.password = body.secret("password");
  out.server = body.string("server").value_or("");
  out.broker_name = body.string("broker_name").value_or("");
  auto user_field = body.string("user_id");

  if (!login || *login <= 0)
    throw ApiError(400, "INVALID_INPUT",
                   "login must be a positive integer (the MT5 account number).", "login");
  out.login = *login;
  if (out.password.size() < 6 || out.password.size() > 256)
    throw ApiError(400, "INVALID_INPUT", "password must be 6 to 256 characters.", "password");
  if (out.server.empty() || out.server.size() > 128)
    throw ApiError(400, "INVALID_INPUT",
                   "server must be the MT5 server name (1 to 128 characters), e.g. "
                   "MetaQuotes-Demo.",
                   "server");
  if (out.broker_name.empty() || out.broker_name.size() > 128)
    throw ApiError(400, "INVALID_INPUT", "broker_name must be 1 to 128 characters.", "broker_name");

  std::optional<std::string> body_user;
  if (user_field) body_user = require_uuid(*user_field, "user_id");
  if (!ctx.acting_user.empty()) {
    if (body_user && *body_user != ctx.acting_user)
      throw ApiError(403, "FORBIDDEN", "A user may link accounts only for themself.");
    out.user_id = ctx.acting_user;
  } else if (body_user) {
    out.user_id = *body_user;
  } else if (user_required) {
    throw ApiError(400, "INVALID_INPUT",
                   "user_id is required when a service key acts without a user token.", "user_id");
  }
}

BrokerClient& AccountService::broker_for_server(const std::string& server) {
  BrokerClient* broker = access_.broker_for(server);
  if (!broker)
    throw ApiError(
        400, "UNKNOWN_SERVER",
        "No broker backend of this host serves the server '" + server + "'; check the server name.",
        server);
  return *broker;
}

AccountInfo AccountService::test_login(RequestContext& ctx, const LinkRequest& req,
                                          BrokerClient& broker) {
  auto started = std::chrono::steady_clock::now();
  try {
    auto session = broker.open(req.login, req.password.view(), req.server,
                               static_cast<uint32_t>(api_.broker_timeout_ms));
    auto info = session->account_info();
    metrics_.observe(
        "mt5bridge_connect_test_seconds", "",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    return info;
  } catch (const PluginCallError& e) {
    log_info("connection test refused by the broker", {{"request_id", ctx.request.request_id},
                                                       {"login", std::to_string(req.login)},
                                                       {"server", req.server},
                                                       {"status", sdk::status_name(e.status())}});
    metrics_.counter_add("mt5bridge_broker_errors_total",
                         "broker=\"" + prometheus_label_value(broker.name()) + "\",status=\"" +
                             sdk::status_name(e.status()) + "\"",
                         1);
    if (e.status() != MT5B_UNAUTHENTICATED) access_.last_error().record(e.what(), now_unix_ms());
    throw broker_api_error(e);
  }
}

Response AccountService::connect(RequestContext& ctx) {
  LinkRequest req;
  read_link_request(ctx, req, false);
  BrokerClient& broker = broker_for_server(req.server);
  AccountInfo info = test_login(ctx, req, broker);
  rapidjson::StringBuffer sb;
  JsonWriter w(sb);
  w.StartObject();
  w.Key("success");
  w.Bool(true);
  w.Key("account_info");
  write_account_connect_shape(w, info);
  w.Key("connection_id");
  w.String("conn_" + new_uuid_v4());
  w.EndObject();
  return json_response(200, sb);
}

Response AccountService::create(RequestContext& ctx) {
  LinkRequest req;
  read_link_request(ctx, req, true);
  BrokerClient& broker = broker_for_server(req.server);
  AccountInfo info = test_login(ctx, req, broker);

  Account account;
  account.id = new_uuid_v4();
  account.user_id = req.user_id;
  account.login = req.login;
  account.server = req.server;
  account.broker_name = req.broker_name;
  account.broker_instance = broker.name();
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

  const auto& cipher = access_.cipher();
  Credential credential{account.id, req.user_id, cipher.active_key_id(),
                        cipher.seal(req.password.view(), account.id), account.created_at_ms};
  try {
    access_.storage().insert(account, credential);
  } catch (const PluginCallError& e) {
    if (e.status() == MT5B_CONFLICT)
      throw ApiError(409, "ACCOUNT_ALREADY_LINKED",
                     "This MT5 account (login and server) is already linked for this user.");
    access_.last_error().record(e.what(), now_unix_ms());
    throw storage_api_error(e);
  }
  log_info("account linked", {{"request_id", ctx.request.request_id},
                              {"account_id", account.id},
                              {"user_id", req.user_id},
                              {"broker", broker.name()}});
  metrics_.counter_add("mt5bridge_accounts_linked_total", "", 1);
  AuditLog::instance().record("account.link", {{"account_id", account.id},
                                               {"user_id", req.user_id},
                                               {"login", std::to_string(account.login)},
                                               {"server", account.server},
                                               {"broker", broker.name()}});

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

int64_t AccountService::next_sync_at_ms(const Account& account) const {
  if (!account.is_active || account.connection_status == "disabled") return 0;
  int64_t scheduled = sync_.schedule.next_after_ms(now_unix_ms());
  return std::max(scheduled, account.next_sync_at_ms);
}

Response AccountService::list(RequestContext& ctx) {
  AccountQuery query;
  query.user_id = ctx.acting_user;  // a service acting on behalf lists every account
  if (auto u = ctx.request.query_param("user_id")) {
    std::string wanted = require_uuid(*u, "user_id");
    if (!ctx.service_on_behalf && wanted != ctx.acting_user)
      throw ApiError(403, "FORBIDDEN", "A user may list only their own accounts.");
    query.user_id = wanted;
  }
  std::vector<Account> accounts;
  try {
    accounts = access_.storage().list(query);
  } catch (const PluginCallError& e) {
    throw storage_api_error(e);
  }
  rapidjson::StringBuffer sb;
  JsonWriter w(sb);
  w.StartObject();
  w.Key("success");
  w.Bool(true);
  w.Key("accounts");
  w.StartArray();
  for (const auto& a : accounts) write_account(w, a, next_sync_at_ms(a));
  w.EndArray();
  w.Key("total");
  w.Int64(static_cast<int64_t>(accounts.size()));
  w.EndObject();
  return json_response(200, sb);
}

Response AccountService::get(RequestContext& ctx) {
  Account account = access_.owned_account(ctx);
  rapidjson::StringBuffer sb;
  JsonWriter w(sb);
  w.StartObject();
  w.Key("success");
  w.Bool(true);
  w.Key("account");
  write_account(w, account, next_sync_at_ms(account));
  w.EndObject();
  return json_response(200, sb);
}

Response AccountService::remove(RequestContext& ctx) {
  Account account = access_.owned_account(ctx);
  bool removed = false;
  try {
    removed = access_.storage().remove(account.id);
  } catch (const PluginCallError& e) {
    throw storage_api_error(e);
  }
  if (!removed) throw ApiError(404, "ACCOUNT_NOT_FOUND", "No linked account has this id.");
  on_account_removed_(account.id);
  log_info("account deleted; its credential is destroyed",
           {{"request_id", ctx.request.request_id}, {"account_id", account.id}});
  AuditLog::instance().record("account.delete",
                              {{"account_id", account.id}, {"user_id", account.user_id}});
  rapidjson::StringBuffer sb;
  JsonWriter w(sb);
  w.StartObject();
  w.Key("success");
  w.Bool(true);
  w.Key("account_id");
  w.String(account.id);
  w.Key("deleted");
  w.Bool(true);
  w.EndObject();
  return json_response(200, sb);
}

}  // namespace mt5b::host
