#include "services/privacy/privacy_service.hpp"

#include "api/json_body.hpp"
#include "api/json_response.hpp"
#include "api/views/trade_json.hpp"
#include "log/audit_log.hpp"
#include "log/logger.hpp"
#include "normaliser/time_format.hpp"
#include "runtime/sync_records.hpp"

#include <sstream>

namespace mt5b::host {

namespace {

// One CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
std::string csv(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string num(double v) {
  std::ostringstream s;
  s.precision(15);
  s << v;
  return s.str();
}

std::string time_text(int64_t ms) {
  return ms > 0 ? iso_utc_seconds(ms) : std::string();
}

struct AccountData {
  Account account;
  std::optional<Credential> credential;
  std::vector<Position> positions;
  std::vector<Trade> trades;
  std::vector<Deal> deals;
  std::vector<Transaction> transactions;
  std::vector<SyncLog> sync_logs;
};

}  // namespace

PrivacyService::PrivacyService(AccountAccess& access,
                               std::function<void(const std::string&)> on_account_removed)
    : access_(access), on_account_removed_(std::move(on_account_removed)) {}

void PrivacyService::add_routes(Router& router) {
  // A user token acts on that user only; the service key alone acts on any user (story 7.3:
  // the backend erases or exports on a user's request), whatever
  // api.service_key_acts_on_any_account says about account routes.
  router.add({"DELETE", "/api/mt5/users/{user_id}/data", Access::service_or_user,
              [this](auto& c) { return erase(c); }});
  router.add({"GET", "/api/mt5/users/{user_id}/export", Access::service_or_user,
              [this](auto& c) { return export_data(c); }});
}

std::string PrivacyService::subject_user(RequestContext& ctx) const {
  std::string user = require_uuid(ctx.request.path_params["user_id"], "user_id");
  if (!ctx.service_on_behalf && ctx.acting_user != user)
    throw ApiError(403, "FORBIDDEN", "A user may erase or export only their own data.");
  return user;
}

std::string PrivacyService::actor(const RequestContext& ctx) {
  if (ctx.auth.user) return "user:" + ctx.auth.user->subject;
  return "service:" + (ctx.auth.service ? ctx.auth.service->subject : std::string("unknown"));
}

Response PrivacyService::erase(RequestContext& ctx) {
  std::string user = subject_user(ctx);
  std::vector<Account> accounts;
  try {
    accounts = access_.storage().list(AccountQuery{user, false, 0, 0});
  } catch (const PluginCallError& e) {
    throw storage_api_error(e);
  }
  Audit audit;
  audit.id = new_uuid_v4();
  audit.at_ms = now_unix_ms();
  audit.actor = actor(ctx);
  audit.action = "user_data_deleted";
  audit.subject = user;
  audit.details_json = "{\"accounts\":" + std::to_string(accounts.size()) + ",\"request_id\":\"" +
                       ctx.request.request_id + "\"}";
  int64_t deleted = 0;
  try {
    deleted = access_.storage().user_delete(user, audit);
  } catch (const PluginCallError& e) {
    if (e.status() == MT5B_NOT_SUPPORTED)
      throw ApiError(501, "NOT_SUPPORTED", "The storage plugin cannot erase user data.", e.what());
    throw storage_api_error(e);
  }
  for (const auto& a : accounts) on_account_removed_(a.id);
  log_info("user data erased", {{"request_id", ctx.request.request_id},
                                {"user_id", user},
                                {"accounts", std::to_string(deleted)},
                                {"actor", audit.actor}});
  AuditLog::instance().record(
      "gdpr.erase",
      {{"user_id", user}, {"accounts", std::to_string(deleted)}, {"actor", audit.actor}});
  rapidjson::StringBuffer sb;
  JsonWriter w(sb);
  w.StartObject();
  w.Key("success");
  w.Bool(true);
  w.Key("user_id");
  w.String(user);
  w.Key("accounts_deleted");
  w.Int64(deleted);
  w.Key("audit_id");
  w.String(audit.id);
  w.EndObject();
  return json_response(200, sb);
}

Response PrivacyService::export_data(RequestContext& ctx) {
  std::string user = subject_user(ctx);
  std::string format = ctx.request.query_param("format").value_or("json");
  if (format != "json" && format != "csv")
    throw ApiError(400, "INVALID_INPUT", "format must be json or csv.", "format");
  std::vector<AccountData> data;
  try {
    auto& storage = access_.storage();
    for (auto& a : storage.list(AccountQuery{user, false, 0, 0})) {
      AccountData d;
      RecordQuery q;
      q.account_id = a.id;
      d.credential = storage.credential(a.id);
      d.positions = storage.position_list(q);
      d.trades = storage.trade_list(q);
      d.deals = storage.deal_list(q);
      d.transactions = storage.transaction_list(q);
      d.sync_logs = storage.sync_log_list(q);
      d.account = std::move(a);
      data.push_back(std::move(d));
    }
  } catch (const PluginCallError& e) {
    if (e.status() == MT5B_NOT_SUPPORTED)
      throw ApiError(501, "NOT_SUPPORTED", "The storage plugin cannot export user data.", e.what());
    throw storage_api_error(e);
  }
  try {
    Audit audit{
        new_uuid_v4(), actor(ctx), "user_data_exported", user, "{\"format\":\"" + format + "\"}",
        now_unix_ms()};
    access_.storage().audit_append(audit);
  } catch (const PluginCallError& e) {
    log_warn("could not audit a data export", {{"error", e.what()}});
  }
  AuditLog::instance().record("gdpr.export",
                              {{"user_id", user}, {"format", format}, {"actor", actor(ctx)}});

  if (format == "csv") {
    // One table: a record_type column, then the fields every record type shares.
    std::string out =
        "record_type,account_id,id,time,symbol,type,volume,open_price,close_price,amount,"
        "details\r\n";
    auto row = [&](std::initializer_list<std::string> fields) {
      bool first = true;
      for (const auto& f : fields) {
        if (!first) out += ',';
        out += csv(f);
        first = false;
      }
      out += "\r\n";
    };
    for (const auto& d : data) {
      const auto& a = d.account;
      row({"account", a.id, std::to_string(a.login), time_text(a.created_at_ms), "", a.server, "",
           "", "", num(a.balance),
           "broker=" + a.broker_name + ";currency=" + a.currency +
               ";status=" + a.connection_status});
      if (d.credential)
        row({"credential", a.id, d.credential->key_id, time_text(d.credential->created_at_ms), "",
             "sealed", "", "", "", "", "the password itself is never exported"});
      for (const auto& p : d.positions)
        row({"position", a.id, std::to_string(p.ticket), time_text(p.open_time_ms), p.symbol,
             p.type, num(p.volume), num(p.open_price), num(p.current_price), num(p.profit), ""});
      for (const auto& t : d.trades)
        row({"trade", a.id, std::to_string(t.ticket), time_text(t.close_time_ms), t.symbol, t.type,
             num(t.volume), num(t.open_price), num(t.close_price), num(t.net_profit),
             "close_reason=" + t.close_reason});
      for (const auto& dl : d.deals)
        row({"deal", a.id, std::to_string(dl.ticket), time_text(dl.time_ms), dl.symbol,
             std::to_string(dl.type), num(dl.volume), num(dl.price), "", num(dl.profit),
             "position_id=" + std::to_string(dl.position_id)});
      for (const auto& t : d.transactions)
        row({"transaction", a.id, std::to_string(t.ticket), time_text(t.time_ms), "", t.kind, "",
             "", "", num(t.amount), t.comment});
      for (const auto& l : d.sync_logs)
        row({"sync_log", a.id, l.id, time_text(l.started_at_ms), "", l.sync_type, "", "", "",
             std::to_string(l.trades_synced), "status=" + l.status});
    }
    Response r;
    r.body = std::move(out);
    r.set_header("Content-Type", "text/csv; charset=utf-8");
    r.set_header("Content-Disposition", "attachment; filename=\"mt5bridge-" + user + ".csv\"");
    return r;
  }

  rapidjson::StringBuffer sb;
  JsonWriter w(sb);
  w.StartObject();
  w.Key("success");
  w.Bool(true);
  w.Key("user_id");
  w.String(user);
  w.Key("exported_at");
  w.String(iso_utc_seconds(now_unix_ms()));
  w.Key("accounts");
  w.StartArray();
  for (const auto& d : data) {
    const auto& a = d.account;
    w.StartObject();
    w.Key("account_id");
    w.String(a.id);
    w.Key("login");
    w.Int64(a.login);
    w.Key("server");
    w.String(a.server);
    w.Key("broker_name");
    w.String(a.broker_name);
    w.Key("currency");
    w.String(a.currency);
    w.Key("balance");
    w.Double(a.balance);
    w.Key("equity");
    w.Double(a.equity);
    w.Key("connection_status");
    w.String(a.connection_status);
    w.Key("created_at");
    w.String(time_text(a.created_at_ms));
    w.Key("credential");
    if (d.credential) {
      w.StartObject();
      w.Key("key_id");
      w.String(d.credential->key_id);
      w.Key("created_at");
      w.String(time_text(d.credential->created_at_ms));
      w.Key("note");
      w.String("the password is stored sealed (AES-256-GCM) and never exported");
      w.EndObject();
    } else {
      w.Null();
    }
    w.Key("positions");
    w.StartArray();
    for (const auto& p : d.positions) write_position_json(w, p);
    w.EndArray();
    w.Key("trades");
    w.StartArray();
    for (const auto& t : d.trades)
      write_trade_json(w, t,
                       ServerClock::from_offset((t.close_time_broker_ms - t.close_time_ms) / 1000,
                                                OffsetSource::configured_offset));
    w.EndArray();
    w.Key("deals");
    w.StartArray();
    for (const auto& dl : d.deals) {
      w.StartObject();
      w.Key("ticket");
      w.Int64(dl.ticket);
      w.Key("position_id");
      w.Int64(dl.position_id);
      w.Key("time");
      w.String(time_text(dl.time_ms));
      w.Key("symbol");
      w.String(dl.symbol);
      w.Key("type");
      w.Int(dl.type);
      w.Key("entry");
      w.Int(dl.entry);
      w.Key("volume");
      w.Double(dl.volume);
      w.Key("price");
      w.Double(dl.price);
      w.Key("profit");
      w.Double(dl.profit);
      w.Key("commission");
      w.Double(dl.commission);
      w.Key("swap");
      w.Double(dl.swap);
      w.Key("fee");
      w.Double(dl.fee);
      w.EndObject();
    }
    w.EndArray();
    w.Key("transactions");
    w.StartArray();
    for (const auto& t : d.transactions) {
      w.StartObject();
      w.Key("ticket");
      w.Int64(t.ticket);
      w.Key("kind");
      w.String(t.kind);
      w.Key("amount");
      w.Double(t.amount);
      w.Key("time");
      w.String(time_text(t.time_ms));
      w.Key("comment");
      w.String(t.comment);
      w.EndObject();
    }
    w.EndArray();
    w.Key("sync_logs");
    w.StartArray();
    for (const auto& l : d.sync_logs) {
      w.StartObject();
      w.Key("sync_id");
      w.String(l.id);
      w.Key("sync_type");
      w.String(l.sync_type);
      w.Key("status");
      w.String(l.status);
      w.Key("started_at");
      w.String(time_text(l.started_at_ms));
      w.Key("trades_synced");
      w.Int64(l.trades_synced);
      w.Key("error");
      w.String(l.error_message);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return json_response(200, sb);
}

}  // namespace mt5b::host
