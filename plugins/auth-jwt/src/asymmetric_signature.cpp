#include "asymmetric_signature.hpp"

#include <mt5bridge/sdk.hpp>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>

#include <memory>
#include <string>

namespace mt5b::auth_jwt {
namespace {

constexpr std::size_t kEs256SignatureBytes = 64;  // r and s, 32 bytes each, big-endian

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

// The DER SEQUENCE { r, s } OpenSSL verifies, from JWS's fixed-width r||s; empty on failure.
std::string der_from_raw_es256(std::string_view raw) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes, kEs256SignatureBytes / 2, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + kEs256SignatureBytes / 2, kEs256SignatureBytes / 2, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    throw sdk::Error(MT5B_FAILED, "OpenSSL could not read an ECDSA signature");
  }
  unsigned char* der = nullptr;
  const int size = i2d_ECDSA_SIG(sig.get(), &der);
  if (size <= 0) throw sdk::Error(MT5B_FAILED, "OpenSSL could not encode an ECDSA signature");
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size));
  OPENSSL_free(der);
  return out;
}

}  // namespace

bool verify_asymmetric_signature(const VerificationKey& key, std::string_view algorithm,
                                 std::string_view signing_input, std::string_view signature) {
  if (!key.allows(algorithm)) return false;
  std::string der;
  std::string_view to_verify = signature;
  if (algorithm == "ES256") {
    if (signature.size() != kEs256SignatureBytes) return false;
    der = der_from_raw_es256(signature);
    to_verify = der;
  } else if (algorithm == "RS256") {
    if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key.key.get())))
      return false;
  } else {
    return false;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.key.get()) != 1)
    throw sdk::Error(MT5B_FAILED, "OpenSSL could not start a signature check");
  const bool valid =
      EVP_DigestVerify(
          ctx.get(), reinterpret_cast<const unsigned char*>(to_verify.data()), to_verify.size(),
          reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) == 1;
  // A refused signature leaves entries on this thread's OpenSSL error queue; other code on
  // the thread must not read them as its own.
  if (!valid) ERR_clear_error();
  return valid;
}

}  // namespace mt5b::auth_jwt
