#include "services/accounts/account_access.hpp"

#include "log/audit_log.hpp"

#include "api/json_body.hpp"
#include "log/logger.hpp"
#include "normaliser/time_format.hpp"

namespace mt5b::host {

bool is_transient(mt5b_status s) {
  return s == MT5B_RETRY || s == MT5B_TIMEOUT || s == MT5B_UNAVAILABLE;
}

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
  if (is_transient(e.status()))
    return ApiError(503, "STORAGE_UNAVAILABLE",
                    "The database is unavailable right now; nothing was changed. Try again.");
  return ApiError(500, "STORAGE_ERROR",
                  "The database refused the operation; nothing was changed. Report the "
                  "request_id.");
}

namespace {

// 404 and 403 are distinguishable, which is safe here: ids are random v4 UUIDs (122 bits), so
// another user's id cannot be found by guessing (docs/api.md, "Authorization").
void check_owner(const Account& account, const RequestContext& ctx) {
  if (!ctx.service_on_behalf && account.user_id != ctx.acting_user)
    throw ApiError(403, "FORBIDDEN", "This account belongs to another user.");
}

}  // namespace

AccountAccess::AccountAccess(StorageClient& storage, std::vector<BrokerClient*> brokers,
                             const CredentialCipher& cipher, LastErrorTracker& last_error,
                             std::chrono::milliseconds ownership_cache_ttl)
    : storage_(storage),
      brokers_(std::move(brokers)),
      cipher_(cipher),
      last_error_(last_error),
      ownership_cache_ttl_(ownership_cache_ttl) {}

std::optional<Account> AccountAccess::read_account(const std::string& id) {
  try {
    return storage_.get(id);
  } catch (const PluginCallError& e) {
    last_error_.record(e.what(), now_unix_ms());
    throw storage_api_error(e);
  }
}

Account AccountAccess::owned_account(RequestContext& ctx) {
  std::string id = require_uuid(ctx.request.path_params["account_id"], "account_id");
  std::optional<Account> account = read_account(id);
  if (!account) throw ApiError(404, "ACCOUNT_NOT_FOUND", "No linked account has this id.", id);
  check_owner(*account, ctx);
  return std::move(*account);
}

std::shared_ptr<const Account> AccountAccess::owned_account_cached(RequestContext& ctx) {
  std::string id = require_uuid(ctx.request.path_params["account_id"], "account_id");
  // A missing account throws out of the fetch, so it is never kept: an id that later exists
  // (or a flood of random ids) costs a read each time, not memory.
  auto found = accounts_.get(
      id, ownership_cache_ttl_,
      [&] {
        std::optional<Account> account = read_account(id);
        if (!account)
          throw ApiError(404, "ACCOUNT_NOT_FOUND", "No linked account has this id.", id);
        return std::make_shared<const Account>(std::move(*account));
      },
      // A storage failure is answered as before, never with an account kept past its TTL.
      [](std::exception_ptr) { return false; });
  check_owner(*found.value, ctx);
  return std::move(found.value);
}

void AccountAccess::forget_account(const std::string& account_id) {
  accounts_.invalidate(account_id);
}

BrokerClient* AccountAccess::broker_for(const std::string& server,
                                        const std::string& preferred) const {
  for (auto* b : brokers_)
    if (!preferred.empty() && b->name() == preferred) return b;
  for (auto* b : brokers_)
    if (b->serves(server)) return b;
  return nullptr;
}

BrokerClient& AccountAccess::broker_of(const Account& account) const {
  BrokerClient* broker = broker_for(account.server, account.broker_instance);
  if (!broker)
    throw ApiError(503, "SERVER_UNREACHABLE",
                   "No broker backend serves this account's server any more.", account.server);
  return *broker;
}

sdk::SecretString AccountAccess::open_password(const Account& account, std::string_view purpose) {
  std::optional<Credential> credential;
  try {
    credential = storage_.credential(account.id);
  } catch (const PluginCallError& e) {
    throw storage_api_error(e);
  }
  if (!credential)
    throw ApiError(409, "CREDENTIALS_MISSING",
                   "No password is stored for this account; link it again.");
  try {
    sdk::SecretString password = cipher_.open(credential->ciphertext, account.id);
    AuditLog::instance().record("credential.decrypt", {{"account_id", account.id},
                                                       {"user_id", account.user_id},
                                                       {"key_id", credential->key_id},
                                                       {"purpose", std::string(purpose)}});
    return password;
  } catch (const CipherError& e) {
    log_error("stored credential cannot be opened",
              {{"account_id", account.id}, {"reason", e.what()}});
    throw ApiError(503, "CREDENTIALS_UNREADABLE",
                   "The stored password of this account cannot be decrypted; an operator must "
                   "restore the encryption key, or the user must link the account again.",
                   e.what());
  }
}

std::unique_ptr<BrokerSession> AccountAccess::login(const Account& account, uint32_t timeout_ms) {
  BrokerClient& broker = broker_of(account);
  const sdk::SecretString password = open_password(account);
  return broker.open(account.login, password.view(), account.server, timeout_ms);
}

}  // namespace mt5b::host
