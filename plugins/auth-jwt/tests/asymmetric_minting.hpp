// Test keys and ES256/RS256 tokens made with OpenSSL directly, independently of the plugin's
// verification code; the end-to-end suite uses PyJWT for the same purpose.
#ifndef MT5BRIDGE_AUTH_JWT_TESTS_ASYMMETRIC_MINTING_HPP
#define MT5BRIDGE_AUTH_JWT_TESTS_ASYMMETRIC_MINTING_HPP

#include "token_minting.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mt5b::auth_jwt::token_minting {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PrivateKey = std::shared_ptr<EVP_PKEY>;

inline PrivateKey new_p256_key() {
  return PrivateKey(EVP_EC_gen("P-256"), PkeyFree());
}
inline PrivateKey new_rsa_key(unsigned bits = 2048) {
  return PrivateKey(EVP_RSA_gen(bits), PkeyFree());
}

inline std::string bn_param(EVP_PKEY* key, const char* name, int pad_to = 0) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) throw std::runtime_error("no key param");
  std::string out(pad_to > 0 ? pad_to : BN_num_bytes(bn), '\0');
  if (pad_to > 0)
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), pad_to);
  else
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

// The public JWK of `key` (EC P-256 or RSA), with `extra` members appended (",\"alg\":...").
inline std::string public_jwk(const PrivateKey& key, std::string_view kid,
                              std::string_view extra = "") {
  std::string body;
  if (EVP_PKEY_is_a(key.get(), "EC"))
    body = R"("kty":"EC","crv":"P-256","x":")" +
           base64url_encode(bn_param(key.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32)) + R"(","y":")" +
           base64url_encode(bn_param(key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32)) + "\"";
  else
    body = R"("kty":"RSA","n":")" + base64url_encode(bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N)) +
           R"(","e":")" + base64url_encode(bn_param(key.get(), OSSL_PKEY_PARAM_RSA_E)) + "\"";
  return "{" + body + R"(,"kid":")" + std::string(kid) + "\"" + std::string(extra) + "}";
}

inline std::string public_pem(const PrivateKey& key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key.get());
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return out;
}

// The DER signature OpenSSL makes over `input` with SHA-256.
inline std::string der_signature(const PrivateKey& key, std::string_view input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t size = 0;
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key.get());
  EVP_DigestSign(ctx, nullptr, &size, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string out(size, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(out.data()), &size,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  EVP_MD_CTX_free(ctx);
  out.resize(size);
  return out;
}

// JWS's r||s form of a DER ECDSA signature.
inline std::string raw_from_der(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  std::string out(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(out.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(out.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  return out;
}

enum class EcdsaForm { raw, der };

// header.payload.signature signed with `key`: RS256 for RSA keys, ES256 for EC keys.
inline std::string mint_signed(std::string_view header_json, std::string_view payload_json,
                               const PrivateKey& key, EcdsaForm form = EcdsaForm::raw) {
  const std::string input = base64url_encode(header_json) + "." + base64url_encode(payload_json);
  std::string signature = der_signature(key, input);
  if (EVP_PKEY_is_a(key.get(), "EC") && form == EcdsaForm::raw) signature = raw_from_der(signature);
  return input + "." + base64url_encode(signature);
}

}  // namespace mt5b::auth_jwt::token_minting

#endif  // MT5BRIDGE_AUTH_JWT_TESTS_ASYMMETRIC_MINTING_HPP
