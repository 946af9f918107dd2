// What every account route needs: the account named by the path after the ownership check,
// its broker, and its password opened just before a login.
#pragma once

#include "api/router.hpp"
#include "crypto/credential_cipher.hpp"
#include "runtime/broker_client.hpp"
#include "runtime/storage_client.hpp"
#include "services/cache/ttl_cache.hpp"
#include "services/health/last_error.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace mt5b::host {

class AccountAccess {
 public:
  // How long a copy of an account may answer the ownership check (DESIGN.md: "ownership check
  // (cached)"). Deletions and changes made through this host drop the copy at once
  // (forget_account); the TTL bounds how long another host's change goes unseen here.
  static constexpr std::chrono::milliseconds kOwnershipCacheTtl{30'000};

  AccountAccess(StorageClient& storage, std::vector<BrokerClient*> brokers,
                const CredentialCipher& cipher, LastErrorTracker& last_error,
                std::chrono::milliseconds ownership_cache_ttl = kOwnershipCacheTtl);

  // The account in path parameter `account_id`: 400 INVALID_UUID, 404 ACCOUNT_NOT_FOUND,
  // 403 FORBIDDEN for another user's account (unless a service acts on behalf). Read from
  // storage every time: for routes that show or change the account's own fields.
  Account owned_account(RequestContext& ctx);
  // The same checks and errors, answered from a copy of the account at most
  // ownership_cache_ttl old: for routes that need only its owner, login and server (the market
  // data routes), so a cache hit there reads no storage. Only found accounts are kept; the owner
  // is compared on every call.
  std::shared_ptr<const Account> owned_account_cached(RequestContext& ctx);
  // Drops the copy of an account (deleted, changed, synced, erased).
  void forget_account(const std::string& account_id);
  // The broker that serves `server` (the account's own instance first when named).
  BrokerClient* broker_for(const std::string& server, const std::string& preferred = {}) const;
  // The account's broker or 503 SERVER_UNREACHABLE.
  BrokerClient& broker_of(const Account& account) const;
  // Decrypts the stored password: 409 CREDENTIALS_MISSING, 503 CREDENTIALS_UNREADABLE.
  // `purpose` goes to the audit stream with the account id (why the password was opened).
  sdk::SecretString open_password(const Account& account, std::string_view purpose = "broker_read");
  // Opens a broker session on the account within `timeout_ms`.
  std::unique_ptr<BrokerSession> login(const Account& account, uint32_t timeout_ms);

  StorageClient& storage() { return storage_; }
  const CredentialCipher& cipher() const { return cipher_; }
  LastErrorTracker& last_error() { return last_error_; }
  const std::vector<BrokerClient*>& brokers() const { return brokers_; }

 private:
  // The account from storage, nullopt when absent; storage failures become their ApiError.
  std::optional<Account> read_account(const std::string& id);

  StorageClient& storage_;
  std::vector<BrokerClient*> brokers_;
  const CredentialCipher& cipher_;
  LastErrorTracker& last_error_;
  std::chrono::milliseconds ownership_cache_ttl_;
  TtlCache<std::shared_ptr<const Account>> accounts_;
};

// Maps a broker failure to what the client sees (AUTH_FAILED, TIMEOUT, SERVER_UNREACHABLE, ...).
ApiError broker_api_error(const PluginCallError& e);
// Maps a storage failure (STORAGE_UNAVAILABLE, ...).
ApiError storage_api_error(const PluginCallError& e);
bool is_transient(mt5b_status status);

}  // namespace mt5b::host
