#include "crypto/credential_cipher.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cctype>
#include <memory>

namespace mt5b::host {

namespace {
constexpr unsigned char kVersion = 0x01;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;

using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CtxPtr new_ctx() {
  CtxPtr ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx) throw CipherError(CipherError::Reason::internal, "cannot allocate a cipher context");
  return ctx;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<std::array<unsigned char, 32>> parse_key_material(std::string_view text,
                                                                std::string* error) {
  std::array<unsigned char, 32> out{};
  if (text.size() == 64) {
    bool all_hex = true;
    for (char c : text) all_hex = all_hex && hex_value(c) >= 0;
    if (all_hex) {
      for (size_t i = 0; i < 32; ++i)
        out[i] =
            static_cast<unsigned char>(hex_value(text[2 * i]) * 16 + hex_value(text[2 * i + 1]));
      return out;
    }
  }
  // Base64 of exactly 32 bytes is 44 characters ending in one '='.
  if (text.size() == 44) {
    unsigned char decoded[48];
    int n = EVP_DecodeBlock(decoded, reinterpret_cast<const unsigned char*>(text.data()),
                            static_cast<int>(text.size()));
    if (n == 33 && text.back() == '=' && text[42] != '=') {  // EVP_DecodeBlock counts padding
      std::copy(decoded, decoded + 32, out.begin());
      return out;
    }
  }
  if (error)
    *error =
        "an encryption key must be 32 random bytes written as base64 (44 characters, e.g. from "
        "`openssl rand -base64 32`) or as 64 hex digits";
  return std::nullopt;
}

CredentialCipher::CredentialCipher(std::vector<CipherKey> keys, std::string active_key_id)
    : keys_(std::move(keys)), active_key_id_(std::move(active_key_id)) {
  if (keys_.empty())
    throw CipherError(CipherError::Reason::internal, "no encryption key configured");
  for (const auto& k : keys_)
    if (k.id.empty() || k.id.size() > 64)
      throw CipherError(CipherError::Reason::internal, "a key id must be 1 to 64 characters");
  if (!find(active_key_id_))
    throw CipherError(CipherError::Reason::unknown_key, "the active key id '" + active_key_id_ +
                                                            "' is not among the configured keys");
}

const CipherKey* CredentialCipher::find(std::string_view id) const {
  for (const auto& k : keys_)
    if (k.id == id) return &k;
  return nullptr;
}

std::string CredentialCipher::seal(std::string_view plaintext, std::string_view aad) const {
  const CipherKey& key = *find(active_key_id_);
  unsigned char nonce[kNonceSize];
  if (RAND_bytes(nonce, sizeof nonce) != 1)
    throw CipherError(CipherError::Reason::internal, "the system random generator failed");

  std::string blob;
  blob.push_back(static_cast<char>(kVersion));
  blob.push_back(static_cast<char>(key.id.size()));
  blob += key.id;
  blob.append(reinterpret_cast<const char*>(nonce), sizeof nonce);
  size_t ct_offset = blob.size();
  blob.resize(ct_offset + plaintext.size() + kTagSize);

  auto ctx = new_ctx();
  int len = 0;
  auto* out = reinterpret_cast<unsigned char*>(blob.data() + ct_offset);
  bool ok =
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) == 1 &&
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.bytes.data(), nonce) == 1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) == 1 &&
      EVP_EncryptUpdate(ctx.get(), out, &len,
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx.get(), out + len, &len) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, out + plaintext.size()) == 1;
  if (!ok) throw CipherError(CipherError::Reason::internal, "AES-256-GCM encryption failed");
  return blob;
}

std::string CredentialCipher::key_id_of(std::string_view blob) {
  if (blob.size() < 2 || static_cast<unsigned char>(blob[0]) != kVersion)
    throw CipherError(CipherError::Reason::malformed,
                      "the stored credential is not in a format this version understands");
  size_t id_len = static_cast<unsigned char>(blob[1]);
  if (blob.size() < 2 + id_len + kNonceSize + kTagSize)
    throw CipherError(CipherError::Reason::malformed, "the stored credential is truncated");
  return std::string(blob.substr(2, id_len));
}

sdk::SecretString CredentialCipher::open(std::string_view blob, std::string_view aad) const {
  std::string id = key_id_of(blob);
  const CipherKey* key = find(id);
  if (!key)
    throw CipherError(CipherError::Reason::unknown_key,
                      "the credential was sealed with key '" + id +
                          "', which is no longer configured: add it back under crypto.keys or "
                          "ask the user to re-enter the password");
  size_t offset = 2 + id.size();
  auto* nonce = reinterpret_cast<const unsigned char*>(blob.data() + offset);
  offset += kNonceSize;
  size_t ct_len = blob.size() - offset - kTagSize;
  auto* ct = reinterpret_cast<const unsigned char*>(blob.data() + offset);
  unsigned char tag[kTagSize];
  std::copy(ct + ct_len, ct + ct_len + kTagSize, tag);

  sdk::SecretString plaintext(ct_len);
  auto ctx = new_ctx();
  int len = 0;
  auto* out = reinterpret_cast<unsigned char*>(plaintext.data());
  bool ok = EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) == 1 &&
            EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key->bytes.data(), nonce) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                              reinterpret_cast<const unsigned char*>(aad.data()),
                              static_cast<int>(aad.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), out, &len, ct, static_cast<int>(ct_len)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag) == 1;
  int final_len = 0;
  if (!ok || EVP_DecryptFinal_ex(ctx.get(), out + len, &final_len) != 1) {
    plaintext.wipe();
    throw CipherError(CipherError::Reason::tampered,
                      "the stored credential failed its integrity check (altered, or moved from "
                      "another account)");
  }
  plaintext.resize(static_cast<size_t>(len + final_len));
  return plaintext;
}

}  // namespace mt5b::host
