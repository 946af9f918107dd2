#include "api_key_auth.hpp"

#include <mt5bridge/http.hpp>
#include <mt5bridge/secrets.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace mt5b::auth_apikey {
namespace {

constexpr std::string_view kHeaderName = "X-API-Key";
constexpr const char* kHowToMakeKey = "generate one with `openssl rand -hex 32`";

constexpr std::array kOptions{
    sdk::option("keys", MT5B_OPT_STRING_LIST, MT5B_OPT_REQUIRED | MT5B_OPT_SECRET, nullptr,
                "Accepted service API keys, at least 16 characters each (e.g. from `openssl "
                "rand -hex 32`); a service authenticated by the N-th key is named key-N."),
};

// A key must survive an HTTP header unchanged: visible ASCII only.
bool is_visible_ascii(std::string_view s) {
  for (char c : s)
    if (c < '!' || c > '~') return false;
  return true;
}

}  // namespace

std::span<const mt5b_option> ApiKeyAuth::options() {
  return kOptions;
}

ApiKeyAuth::Digest ApiKeyAuth::sha256(std::string_view text) const {
  Digest digest{};
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &length, sha256_md_.get(), nullptr) !=
          1 ||
      length != digest.size())
    throw sdk::Error(MT5B_FAILED, "OpenSSL could not compute a SHA-256 digest");
  return digest;
}

ApiKeyAuth::ApiKeyAuth(sdk::Host host, const sdk::Config& config)
    : sha256_md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)) {
  if (!sha256_md_)
    throw sdk::Error(MT5B_FAILED,
                     "OpenSSL offers no SHA-256 (EVP_MD_fetch failed); check the OpenSSL "
                     "installation and its configuration (OPENSSL_CONF)");
  const std::vector<std::string> keys = config.strings("keys");
  if (keys.empty())
    throw sdk::Error(
        MT5B_INVALID_ARGUMENT,
        std::string("keys is empty; list at least one service API key (") + kHowToMakeKey + ")");
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::string entry = "keys entry " + std::to_string(i + 1);
    if (keys[i].size() < kMinKeyLength)
      throw sdk::Error(MT5B_INVALID_ARGUMENT, entry + " is shorter than " +
                                                  std::to_string(kMinKeyLength) + " characters; " +
                                                  kHowToMakeKey);
    if (!is_visible_ascii(keys[i]))
      throw sdk::Error(MT5B_INVALID_ARGUMENT,
                       entry +
                           " contains spaces, control or non-ASCII characters, which an "
                           "HTTP header cannot carry unchanged; " +
                           kHowToMakeKey);
    key_digests_.push_back(sha256(keys[i]));
    for (std::size_t j = 0; j < i; ++j)
      if (sdk::constant_time_equal(key_digests_[j], key_digests_[i]))
        throw sdk::Error(MT5B_INVALID_ARGUMENT,
                         "keys entries " + std::to_string(j + 1) + " and " + std::to_string(i + 1) +
                             " are the same key; give every service its own key so its label "
                             "names it");
  }
  host.info("accepting " + std::to_string(key_digests_.size()) +
            " service API key(s) in the X-API-Key header");
}

std::optional<sdk::Principal> ApiKeyAuth::authenticate(const mt5b_http_request& request) {
  // HTTP allows optional whitespace around a header value; it is never part of a key.
  const sdk::FoundHeader found = sdk::find_header(request, kHeaderName);
  const std::optional<std::string_view>& presented = found.value;
  if (!presented) return std::nullopt;
  // Two keys would leave it ambiguous which service is calling.
  if (found.count > 1)
    throw sdk::Error(MT5B_UNAUTHENTICATED,
                     "the request carries more than one X-API-Key header; send exactly one");
  if (presented->empty())
    throw sdk::Error(MT5B_UNAUTHENTICATED,
                     "the X-API-Key header is empty; send one of the configured service API keys");

  const Digest digest = sha256(*presented);
  // Every configured key is compared, and the match is recorded without a branch, so the time
  // taken says nothing about which key (if any) matched. Keys are unique, so at most one does.
  std::size_t matched_label = 0;
  for (std::size_t i = 0; i < key_digests_.size(); ++i) {
    const std::size_t equal =
        static_cast<std::size_t>(sdk::constant_time_equal(digest, key_digests_[i]));
    const std::size_t mask = std::size_t{0} - equal;
    matched_label = (matched_label & ~mask) | ((i + 1) & mask);
  }
  if (matched_label == 0)
    throw sdk::Error(MT5B_UNAUTHENTICATED,
                     "the X-API-Key header does not match any configured service API key; check "
                     "the key the service sends");

  sdk::Principal principal;
  principal.kind = MT5B_PRINCIPAL_SERVICE;
  principal.subject = "key-" + std::to_string(matched_label);
  principal.role = "service";
  principal.expires_at_ms = 0;
  return principal;
}

}  // namespace mt5b::auth_apikey
