// The public keys a Supabase project signs access tokens with, read from its JWKS document
// (RFC 7517; <project>/auth/v1/.well-known/jwks.json).
#ifndef MT5BRIDGE_AUTH_JWT_JWK_SET_HPP
#define MT5BRIDGE_AUTH_JWT_JWK_SET_HPP

#include <openssl/evp.h>

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mt5b::auth_jwt {

struct EvpPkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;

// One verification key: the algorithms it may verify (its allowlist) and the OpenSSL key.
struct VerificationKey {
  std::string kid;
  std::vector<std::string> algorithms;  // ES256 for EC P-256, RS256 for RSA
  EvpPkeyPtr key;

  bool allows(std::string_view algorithm) const;
};

// Keys by kid. Immutable once parsed, so request threads share one through a shared_ptr while
// a refresh builds the next.
class JwkSet {
 public:
  static constexpr std::size_t kMaxKeys = 32;
  static constexpr std::size_t kMaxDocumentBytes = 1 << 20;

  // Parses a JWKS document. Keys usable for neither ES256 nor RS256 (oct, OKP, other curves,
  // use "enc") are skipped and named in skipped(); a key that claims to be usable but is
  // malformed (bad base64url, a point off the curve, an RSA modulus under 2048 bits), a
  // duplicate kid, or a document that is not a JWKS throws sdk::Error(MT5B_INVALID_ARGUMENT).
  // `allowed` is the configured algorithm allowlist: a key's own allowlist is its algorithm
  // when the allowlist holds it, otherwise the key is skipped.
  static std::shared_ptr<const JwkSet> parse(std::string_view document,
                                             const std::vector<std::string>& allowed);

  const VerificationKey* find(std::string_view kid) const;
  std::size_t size() const { return keys_.size(); }
  const std::vector<std::string>& skipped() const { return skipped_; }
  std::vector<std::string> kids() const;

 private:
  std::map<std::string, VerificationKey, std::less<>> keys_;
  std::vector<std::string> skipped_;
};

}  // namespace mt5b::auth_jwt

#endif  // MT5BRIDGE_AUTH_JWT_JWK_SET_HPP
