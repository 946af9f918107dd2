// A string that holds a secret (an account password) and wipes its bytes when it goes away, as
// the broker ABI asks of any copy of a password ("only into memory the session wipes").
#ifndef MT5B_BROKER_MT5_SECRET_STRING_HPP
#define MT5B_BROKER_MT5_SECRET_STRING_HPP

#include <openssl/crypto.h>

#include <initializer_list>
#include <string>
#include <string_view>

namespace mt5b::broker_mt5 {

class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string_view text) : text_(text) {}
  ~SecretString() { wipe(); }
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  // Not movable: a moved-from std::string may keep the bytes in its small buffer.
  SecretString(SecretString&&) = delete;
  SecretString& operator=(SecretString&&) = delete;

  std::string_view view() const noexcept { return text_; }
  bool empty() const noexcept { return text_.empty(); }

 private:
  // OPENSSL_cleanse cannot be optimised away, unlike a plain memset before free.
  void wipe() noexcept {
    if (!text_.empty()) OPENSSL_cleanse(text_.data(), text_.size());
    text_.clear();
  }
  std::string text_;
};

// `text` with every secret of at least four characters replaced by "[redacted]". Gateways
// never echo secrets (protocol "Secrets"), but text that reaches a log or crosses the ABI gets
// a second look anyway: a leaked password in a host log cannot be taken back. Shorter secrets
// are left alone: searching for them would mangle the sentence and protect little.
inline std::string redact(std::string text, std::initializer_list<std::string_view> secrets) {
  for (auto secret : secrets) {
    if (secret.size() < 4) continue;
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
      text.replace(at, secret.size(), "[redacted]");
  }
  return text;
}

}  // namespace mt5b::broker_mt5

#endif  // MT5B_BROKER_MT5_SECRET_STRING_HPP
