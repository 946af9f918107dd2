// auth-apikey: authenticates backend services by a static API key in the X-API-Key header.
#ifndef MT5BRIDGE_AUTH_APIKEY_API_KEY_AUTH_HPP
#define MT5BRIDGE_AUTH_APIKEY_API_KEY_AUTH_HPP

#include <mt5bridge/sdk.hpp>

#include <array>
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
  static Digest sha256(std::string_view text);

  // Only digests are kept: comparing fixed-size digests makes the comparison time independent
  // of the presented key's length and content.
  std::vector<Digest> key_digests_;
};

}  // namespace mt5b::auth_apikey

#endif  // MT5BRIDGE_AUTH_APIKEY_API_KEY_AUTH_HPP
