// Mints JWTs for the tests, independently of the plugin's own decoding code.
#ifndef MT5BRIDGE_AUTH_JWT_TESTS_TOKEN_MINTING_HPP
#define MT5BRIDGE_AUTH_JWT_TESTS_TOKEN_MINTING_HPP

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace mt5b::auth_jwt::token_minting {

// Unpadded base64url (RFC 4648 section 5).
inline std::string base64url_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const auto b0 = static_cast<unsigned char>(bytes[i]);
    const auto b1 = static_cast<unsigned char>(bytes[i + 1]);
    const auto b2 = static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[b0 >> 2];
    out += kAlphabet[((b0 & 0x03) << 4) | (b1 >> 4)];
    out += kAlphabet[((b1 & 0x0f) << 2) | (b2 >> 6)];
    out += kAlphabet[b2 & 0x3f];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const auto b0 = static_cast<unsigned char>(bytes[i]);
    out += kAlphabet[b0 >> 2];
    out += kAlphabet[(b0 & 0x03) << 4];
  } else if (rest == 2) {
    const auto b0 = static_cast<unsigned char>(bytes[i]);
    const auto b1 = static_cast<unsigned char>(bytes[i + 1]);
    out += kAlphabet[b0 >> 2];
    out += kAlphabet[((b0 & 0x03) << 4) | (b1 >> 4)];
    out += kAlphabet[(b1 & 0x0f) << 2];
  }
  return out;
}

inline std::string hmac(std::string_view secret, std::string_view data,
                        const EVP_MD* digest = EVP_sha256()) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (HMAC(digest, secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &size) == nullptr)
    throw std::runtime_error("HMAC failed");
  return std::string(reinterpret_cast<const char*>(mac), size);
}

// header.payload.signature with the signature an HMAC over the first two parts.
inline std::string mint(std::string_view header_json, std::string_view payload_json,
                        std::string_view secret, const EVP_MD* digest = EVP_sha256()) {
  const std::string signing_input =
      base64url_encode(header_json) + "." + base64url_encode(payload_json);
  return signing_input + "." + base64url_encode(hmac(secret, signing_input, digest));
}

}  // namespace mt5b::auth_jwt::token_minting

#endif  // MT5BRIDGE_AUTH_JWT_TESTS_TOKEN_MINTING_HPP
