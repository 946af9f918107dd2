// Tokens that passed every check recently, so a client that sends the same access token with
// each request pays for one full check (base64url, JSON, HMAC-SHA256) per token, not per request.
//
// Only accepted tokens are kept, never refusals, and each only for the span in which the
// validator itself would accept it again: from its nbf/iat (less the leeway) until its exp
// (plus the leeway). The policy never changes during an instance's life, so within that span
// the full check would give the same answer. Header-only: the plugin's CMakeLists lists its
// sources outside src/.
#ifndef MT5BRIDGE_AUTH_JWT_VERIFIED_TOKEN_CACHE_HPP
#define MT5BRIDGE_AUTH_JWT_VERIFIED_TOKEN_CACHE_HPP

#include "supabase_token_validator.hpp"

#include <mt5bridge/secrets.hpp>

#include <openssl/crypto.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>

namespace mt5b::auth_jwt {

class VerifiedTokenCache {
 public:
  // 16 × 64 tokens at most 4 KiB each: memory stays under 4.5 MiB whatever clients send.
  static constexpr std::size_t kShards = 16;
  static constexpr std::size_t kPerShard = 64;
  static constexpr std::size_t kMaxCachedTokenBytes = 4096;

  VerifiedTokenCache() = default;
  VerifiedTokenCache(const VerifiedTokenCache&) = delete;
  VerifiedTokenCache& operator=(const VerifiedTokenCache&) = delete;
  ~VerifiedTokenCache() {
    for (Shard& shard : shards_)
      for (Slot& slot : shard.slots) wipe(slot);
  }

  // The user of `token` when it was accepted before and would still be accepted at `now_ms`.
  std::optional<VerifiedUser> find(std::string_view token, int64_t now_ms) {
    const std::size_t hash = std::hash<std::string_view>{}(token);
    Shard& shard = shards_[hash % kShards];
    // Shared: requests with the same token (one user's, one shard) never wait for each other.
    std::shared_lock lock(shard.mutex);
    for (const Slot& slot : shard.slots) {
      // The full hash is compared first, so the bytes of a stored token are compared only with
      // a token that hashes the same, and then in constant time.
      if (slot.hash != hash || slot.token.empty() || !same_bytes(slot.token, token)) continue;
      if (now_ms < slot.user.accepted_from_ms || now_ms >= slot.user.accepted_until_ms)
        return std::nullopt;  // the full check decides, and says why
      return slot.user;
    }
    return std::nullopt;
  }

  // Keeps `token`, which the validator has just accepted as `user`.
  void remember(std::string_view token, const VerifiedUser& user, int64_t now_ms) {
    if (token.empty() || token.size() > kMaxCachedTokenBytes) return;
    const std::size_t hash = std::hash<std::string_view>{}(token);
    Shard& shard = shards_[hash % kShards];
    std::lock_guard lock(shard.mutex);
    // A slot holding this token already, else an empty or lapsed one, else the next in turn.
    Slot* target = nullptr;
    for (Slot& slot : shard.slots) {
      if (slot.hash == hash && same_bytes(slot.token, token)) {
        target = &slot;
        break;
      }
      if (!target && (slot.token.empty() || now_ms >= slot.user.accepted_until_ms)) target = &slot;
    }
    if (!target) {
      target = &shard.slots[shard.next_victim];
      shard.next_victim = (shard.next_victim + 1) % kPerShard;
    }
    wipe(*target);
    target->hash = hash;
    target->token.assign(token);
    target->user = user;
  }

 private:
  struct Slot {
    std::size_t hash = 0;
    std::string token;  // empty: unused
    VerifiedUser user;
  };
  struct Shard {
    std::shared_mutex mutex;
    std::array<Slot, kPerShard> slots;
    std::size_t next_victim = 0;
  };

  // Equality in time that depends on the length only (public: it is the header's length).
  static bool same_bytes(std::string_view a, std::string_view b) {
    return sdk::constant_time_equal(a, b);
  }

  // A bearer token is a credential: its bytes are overwritten before the memory is reused.
  static void wipe(Slot& slot) {
    if (!slot.token.empty()) OPENSSL_cleanse(slot.token.data(), slot.token.size());
    slot.token.clear();
    slot.hash = 0;
  }

  std::array<Shard, kShards> shards_;
};

}  // namespace mt5b::auth_jwt

#endif  // MT5BRIDGE_AUTH_JWT_VERIFIED_TOKEN_CACHE_HPP
