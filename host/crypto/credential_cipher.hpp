// AES-256-GCM sealing of broker passwords (seed story 7.1, upgraded from CBC to an AEAD).
//
// Blob layout (version 1):  0x01 | key_id length (1 byte) | key_id | nonce (12) | ciphertext | tag
// (16) The account id is the associated data, so a blob copied onto another account fails to open.
// The key id inside the blob lets several keys coexist while they are rotated.
#pragma once

#include <mt5bridge/secrets.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mt5b::host {

struct CipherKey {
  std::string id;
  std::array<unsigned char, 32> bytes{};
};

// Why a blob did not open, in words that never include the key or the plaintext.
class CipherError : public std::runtime_error {
 public:
  enum class Reason { malformed, unknown_key, tampered, internal };
  CipherError(Reason reason, const std::string& message)
      : std::runtime_error(message), reason_(reason) {}
  Reason reason() const noexcept { return reason_; }

 private:
  Reason reason_;
};

// Parses a key given as base64 of 32 bytes (`openssl rand -base64 32`) or as 64 hex digits.
// Returns nullopt and fills `error` for anything else.
std::optional<std::array<unsigned char, 32>> parse_key_material(std::string_view text,
                                                                std::string* error);

class CredentialCipher {
 public:
  // `keys` must be non-empty; `active_key_id` names the key that seals (it must be in `keys`).
  CredentialCipher(std::vector<CipherKey> keys, std::string active_key_id);

  const std::string& active_key_id() const { return active_key_id_; }

  std::string seal(std::string_view plaintext, std::string_view associated_data) const;
  // The plaintext, decrypted straight into a SecretString (wiped when it goes; never a
  // std::string, whose inline buffer a short password would live in unwiped).
  sdk::SecretString open(std::string_view blob, std::string_view associated_data) const;
  // The key id stored inside a blob; throws CipherError(malformed) when the blob is not ours.
  static std::string key_id_of(std::string_view blob);

 private:
  const CipherKey* find(std::string_view id) const;
  std::vector<CipherKey> keys_;
  std::string active_key_id_;
};

}  // namespace mt5b::host
