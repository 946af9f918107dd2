#include "jwk_set.hpp"

#include "base64url.hpp"
#include "strict_json.hpp"

#include <mt5bridge/sdk.hpp>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <optional>

namespace mt5b::auth_jwt {
namespace {

constexpr std::size_t kMaxKidBytes = 128;
constexpr std::size_t kP256CoordinateBytes = 32;
constexpr int kMinRsaBits = 2048;
// Verifying with a larger modulus costs more than any real issuer needs; this bounds the
// work a hostile JWKS can ask of each request.
constexpr int kMaxRsaBits = 8192;
constexpr std::size_t kMaxRsaExponentBytes = 4;

[[noreturn]] void refuse(const std::string& reason) {
  throw sdk::Error(MT5B_INVALID_ARGUMENT, "the JWKS " + reason);
}

std::string_view string_of(const rapidjson::Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

bool printable_kid(std::string_view kid) {
  return !kid.empty() && kid.size() <= kMaxKidBytes &&
         std::all_of(kid.begin(), kid.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

// A string member, nullopt when absent; throws when present with another type.
std::optional<std::string_view> string_member(const rapidjson::Value& object, const char* name,
                                              const std::string& where) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd()) return std::nullopt;
  if (!it->value.IsString()) refuse(where + " has a " + name + " member that is not a string");
  return string_of(it->value);
}

std::string decoded_member(const rapidjson::Value& object, const char* name,
                           const std::string& where) {
  const std::optional<std::string_view> text = string_member(object, name, where);
  if (!text) refuse(where + " lacks its " + name + " member");
  std::optional<std::string> bytes = decode_base64url(*text);
  if (!bytes || bytes->empty()) refuse(where + " has a " + name + " member that is not base64url");
  return *std::move(bytes);
}

struct ParamBuildFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* n) const { BN_free(n); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;

EvpPkeyPtr key_from_params(const char* type, OSSL_PARAM_BLD* build, const std::string& where) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(build));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0)
    refuse(where + " is not a valid public key");
  EvpPkeyPtr key(raw);
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) <= 0)
    refuse(where + " is not a valid public key (it fails OpenSSL's public key check)");
  return key;
}

EvpPkeyPtr p256_key(const rapidjson::Value& jwk, const std::string& where) {
  const std::string x = decoded_member(jwk, "x", where);
  const std::string y = decoded_member(jwk, "y", where);
  if (x.size() != kP256CoordinateBytes || y.size() != kP256CoordinateBytes)
    refuse(where + " has P-256 coordinates that are not 32 bytes each");
  const std::string point = std::string(1, '\x04') + x + y;  // SEC 1 uncompressed point
  std::unique_ptr<OSSL_PARAM_BLD, ParamBuildFree> build(OSSL_PARAM_BLD_new());
  if (!build ||
      !OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
      !OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        point.size()))
    throw sdk::Error(MT5B_FAILED, "OpenSSL could not build EC key parameters");
  return key_from_params("EC", build.get(), where);
}

EvpPkeyPtr rsa_key(const rapidjson::Value& jwk, const std::string& where) {
  const std::string n = decoded_member(jwk, "n", where);
  const std::string e = decoded_member(jwk, "e", where);
  if (e.size() > kMaxRsaExponentBytes) refuse(where + " has an RSA exponent over 32 bits");
  BnPtr modulus(BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()),
                          static_cast<int>(n.size()), nullptr));
  BnPtr exponent(BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()),
                           static_cast<int>(e.size()), nullptr));
  if (!modulus || !exponent) throw sdk::Error(MT5B_FAILED, "OpenSSL could not read an RSA key");
  const int bits = BN_num_bits(modulus.get());
  if (bits < kMinRsaBits || bits > kMaxRsaBits)
    refuse(where + " has an RSA modulus of " + std::to_string(bits) + " bits; between " +
           std::to_string(kMinRsaBits) + " and " + std::to_string(kMaxRsaBits) + " are accepted");
  if (!BN_is_odd(exponent.get()) || BN_is_one(exponent.get()))
    refuse(where + " has an RSA exponent that is not an odd number above 1");
  std::unique_ptr<OSSL_PARAM_BLD, ParamBuildFree> build(OSSL_PARAM_BLD_new());
  if (!build || !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) ||
      !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()))
    throw sdk::Error(MT5B_FAILED, "OpenSSL could not build RSA key parameters");
  return key_from_params("RSA", build.get(), where);
}

// The one algorithm a key of this type verifies, or nullopt with the reason it is skipped.
std::optional<std::string> algorithm_of(const rapidjson::Value& jwk, std::string_view kty,
                                        const std::string& where, std::string& why_skipped) {
  const std::optional<std::string_view> crv = string_member(jwk, "crv", where);
  std::string natural;
  if (kty == "EC" && crv == "P-256")
    natural = "ES256";
  else if (kty == "RSA")
    natural = "RS256";
  else {
    why_skipped = kty == "EC" ? "an EC curve other than P-256" : "a key type other than EC or RSA";
    return std::nullopt;
  }
  if (const std::optional<std::string_view> alg = string_member(jwk, "alg", where);
      alg && *alg != natural) {
    why_skipped = "an algorithm other than ES256 (EC P-256) or RS256 (RSA)";
    return std::nullopt;
  }
  return natural;
}

}  // namespace

bool VerificationKey::allows(std::string_view algorithm) const {
  return std::find(algorithms.begin(), algorithms.end(), algorithm) != algorithms.end();
}

std::shared_ptr<const JwkSet> JwkSet::parse(std::string_view document,
                                            const std::vector<std::string>& allowed) {
  if (document.size() > kMaxDocumentBytes)
    refuse("is larger than " + std::to_string(kMaxDocumentBytes) + " bytes");
  rapidjson::Document json;
  if (const char* problem = parse_strict_json_object(document, json)) refuse(problem);
  auto keys = json.FindMember("keys");
  if (keys == json.MemberEnd() || !keys->value.IsArray())
    refuse("has no keys array: it is not a JSON Web Key Set");
  if (keys->value.Size() > kMaxKeys)
    refuse("holds more than " + std::to_string(kMaxKeys) + " keys");

  auto set = std::make_shared<JwkSet>();
  std::size_t index = 0;
  for (const rapidjson::Value& jwk : keys->value.GetArray()) {
    std::string where = "key #" + std::to_string(index++);
    if (!jwk.IsObject()) refuse(where + " is not a JSON object");
    const std::optional<std::string_view> kid = string_member(jwk, "kid", where);
    if (kid && printable_kid(*kid)) where += " (kid " + std::string(*kid) + ")";
    // Private material in a published key set means the signing key has leaked.
    if (jwk.HasMember("d") || jwk.HasMember("p") || jwk.HasMember("k"))
      refuse(where + " holds private or symmetric key material; publish public keys only");
    const std::optional<std::string_view> kty = string_member(jwk, "kty", where);
    if (!kty) refuse(where + " lacks its kty member");
    if (const auto use = string_member(jwk, "use", where); use && *use != "sig") {
      set->skipped_.push_back(where + ": not a signing key (use " + std::string(*use) + ")");
      continue;
    }
    std::string why_skipped;
    const std::optional<std::string> algorithm = algorithm_of(jwk, *kty, where, why_skipped);
    if (!algorithm) {
      set->skipped_.push_back(where + ": " + why_skipped);
      continue;
    }
    if (std::find(allowed.begin(), allowed.end(), *algorithm) == allowed.end()) {
      set->skipped_.push_back(where + ": " + *algorithm + " is not in algorithms");
      continue;
    }
    if (!kid || !printable_kid(*kid))
      refuse(where + " has no kid of 1 to 128 printable characters, so tokens cannot name it");
    if (set->keys_.count(*kid) != 0) refuse("names two keys with the kid " + std::string(*kid));
    VerificationKey key;
    key.kid = std::string(*kid);
    key.algorithms = {*algorithm};
    key.key = *algorithm == "ES256" ? p256_key(jwk, where) : rsa_key(jwk, where);
    set->keys_.emplace(key.kid, std::move(key));
  }
  return set;
}

const VerificationKey* JwkSet::find(std::string_view kid) const {
  auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : &it->second;
}

std::vector<std::string> JwkSet::kids() const {
  std::vector<std::string> out;
  for (const auto& [kid, key] : keys_) out.push_back(kid);
  return out;
}

}  // namespace mt5b::auth_jwt
