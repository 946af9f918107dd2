#include "services/sync/sync_routes.hpp"

#include "api/json_body.hpp"
#include "api/json_response.hpp"
#include "normaliser/time_format.hpp"

namespace mt5b::host {

namespace {
void time_or_null(JsonWriter& w, const char* key, int64_t ms) {
  w.Key(key);
  if (ms > 0)
    w.String(iso_utc_seconds(ms));
  else
    w.Null();
}
}  // namespace

SyncRoutes::SyncRoutes(SyncEngine* engine, AccountAccess& access, std::string unavailable_reason,
                       int64_t lease_ttl_ms)
    : engine_(engine),
      access_(access),
      unavailable_reason_(std::move(unavailable_reason)),
      lease_ttl_ms_(lease_ttl_ms) {}

SyncEngine& SyncRoutes::engine() {
  if (!engine_)
    throw ApiError(501, "SYNC_UNAVAILABLE",
                   "This host cannot sync accounts: " + unavailable_reason_ + ".");
  return *engine_;
}

void SyncRoutes::add_routes(Router& router) {
  router.add(
      {"POST", "/api/mt5/sync/run", Access::service, [this](auto& c) { return run_cycle(c); }});
  router.add({"POST", "/api/mt5/account/{account_id}/sync", Access::user,
              [this](auto& c) { return manual_sync(c); }});
  router.add(
      {"GET", "/api/mt5/sync/{sync_id}", Access::user, [this](auto& c) { return status(c); }});
}

Response SyncRoutes::run_cycle(RequestContext&) {
  auto started = engine().trigger_cycle("api");
  if (!started)
    throw ApiError(409, "SYNC_CYCLE_RUNNING",
                   "A sync cycle is already running; it will pick up every due account.");
  rapidjson::StringBuffer sb;
  JsonWriter w(sb);
  w.StartObject();
  w.Key("success");
  w.Bool(true);
  w.Key("cycle_id");
  w.String(started->cycle_id);
  w.Key("started_at");
  w.String(iso_utc_seconds(started->started_at_ms));
  w.Key("status");
  w.String("processing");
  w.EndObject();
  return json_response(202, sb);
}

Response SyncRoutes::manual_sync(RequestContext& ctx) {
  SyncEngine& sync_engine = engine();
  Account account = access_.owned_account(ctx);
  SyncRequest request;
  request.sync_type = "manual";
  if (!ctx.request.body.empty()) {
    JsonBody body(ctx.request.body, {"sync_type", "sync_history", "history_days"});
    std::string type = body.string("sync_type").value_or("incremental");
    if (type != "full" && type != "incremental")
      throw ApiError(400, "INVALID_INPUT", "sync_type must be full or incremental.", "sync_type");
    request.full = type == "full";
    request.include_history = body.boolean("sync_history").value_or(true);
    request.history_days = body.integer("history_days").value_or(30);
    if (request.history_days < 1 || request.history_days > 3650)
      throw ApiError(400, "INVALID_INPUT", "history_days must be from 1 to 3650.", "history_days");
  }
  auto decision = manual_limiter_.take(account.id, 1);
  if (!decision.allowed) throw RateLimitError(decision.retry_after_s);

  request.sync_id = new_uuid_v4();
  SyncLog log;
  try {
    log = sync_engine.start_manual(account, request);
  } catch (const PluginCallError& e) {
    manual_limiter_.give_back(account.id, 1);  // nothing ran: the minute is not used up
    if (e.status() == MT5B_CONFLICT)
      throw ApiError(409, "SYNC_IN_PROGRESS",
                     "This account is being synced right now; query its sync status instead.");
    throw storage_api_error(e);
  }
  rapidjson::StringBuffer sb;
  JsonWriter w(sb);
  w.StartObject();
  w.Key("success");
  w.Bool(true);
  w.Key("sync_id");
  w.String(log.id);
  w.Key("started_at");
  w.String(iso_utc_seconds(log.started_at_ms));
  w.Key("estimated_duration_seconds");
  w.Int64(15);  // story 3.6's figure; a login is seconds, the calls after it far less
  w.Key("status");
  w.String("processing");
  w.EndObject();
  auto r = json_response(202, sb);
  r.set_header("Location", "/api/mt5/sync/" + log.id);
  return r;
}

Response SyncRoutes::status(RequestContext& ctx) {
  engine();
  std::string id = require_uuid(ctx.request.path_params["sync_id"], "sync_id");
  std::optional<SyncLog> log;
  try {
    log = access_.storage().sync_log_get(id);
  } catch (const PluginCallError& e) {
    throw storage_api_error(e);
  }
  if (!log) throw ApiError(404, "SYNC_NOT_FOUND", "No sync has this id.", id);
  ctx.request.path_params["account_id"] = log->account_id;
  Account account = access_.owned_account(ctx);  // 403 for another user's sync
  // A sync still "processing" after the account was synced again, or long after any lease
  // could last, was lost with the host that ran it (killed mid-sync): say so, and record it,
  // instead of "processing" forever.
  if (log->status == "processing" && (account.last_sync_at_ms > log->started_at_ms ||
                                      now_unix_ms() - log->started_at_ms > 2 * lease_ttl_ms_)) {
    log->status = "failed";
    log->completed_at_ms = now_unix_ms();
    log->error_message = "the host that ran this sync stopped before it finished; sync again";
    try {
      access_.storage().sync_log_put(*log);
    } catch (const PluginCallError&) {
    }
  }
  rapidjson::StringBuffer sb;
  JsonWriter w(sb);
  w.StartObject();
  w.Key("success");
  w.Bool(true);
  w.Key("sync_id");
  w.String(log->id);
  w.Key("account_id");
  w.String(log->account_id);
  w.Key("sync_type");
  w.String(log->sync_type);
  w.Key("status");
  w.String(log->status);
  time_or_null(w, "started_at", log->started_at_ms);
  time_or_null(w, "completed_at", log->completed_at_ms);
  w.Key("duration_ms");
  w.Int64(log->duration_ms);
  w.Key("trades_synced");
  w.Int64(log->trades_synced);
  w.Key("deals_synced");
  w.Int64(log->deals_synced);
  w.Key("error");
  if (log->error_message.empty())
    w.Null();
  else
    w.String(log->error_message);
  w.EndObject();
  return json_response(200, sb);
}

}  // namespace mt5b::host
