// auth-apikey: authenticates backend services by a static API key in the X-API-Key header.
#ifndef MT5BRIDGE_AUTH_APIKEY_API_KEY_AUTH_HPP
#define MT5BRIDGE_AUTH_APIKEY_API_KEY_AUTH_HPP

#include <mt5bridge/sdk.hpp>

#include <openssl/evp.h>

#include <array>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace mt5b::auth_apikey {

class ApiKeyAuth final : public sdk::AuthPlugin {
 public:
  static constexpr const char* kName = "auth-apikey";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr const char* kDescription =
      "Authenticates backend services by one of the configured API keys sent in X-API-Key.";
  static constexpr std::size_t kMinKeyLength = 16;

  static std::span<const mt5b_option> options();

  ApiKeyAuth(sdk::Host host, const sdk::Config& config);

  // The principal's subject is the key's label `key-N` (1-based position in `keys`), so logs
  // and audit trails can tell services apart without ever holding a key.
  std::optional<sdk::Principal> authenticate(const mt5b_http_request& request) override;

 private:
  using Digest = std::array<unsigned char, 32>;
  Digest sha256(std::string_view text) const;

  // SHA-256, fetched from OpenSSL's provider once: EVP_sha256() would make every digest look
  // the algorithm up again (6-8% of a cached API request's CPU). Read-only, so shared by threads.
  struct MdFree {
    void operator()(EVP_MD* md) const { EVP_MD_free(md); }
  };
  std::unique_ptr<EVP_MD, MdFree> sha256_md_;

  // Only digests are kept: comparing fixed-size digests makes the comparison time independent
  // of the presented key's length and content.
  std::vector<Digest> key_digests_;
};

}  // namespace mt5b::auth_apikey

#endif  // MT5BRIDGE_AUTH_APIKEY_API_KEY_AUTH_HPP
