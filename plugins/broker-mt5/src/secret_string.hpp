// Secrets of broker-mt5: the SDK's SecretString (an account password, the gateway token), which
// keeps its bytes on the heap and wipes them when it goes away, as the broker ABI asks of any
// copy of a password ("only into memory the session wipes"), and redaction of log text.
#ifndef MT5B_BROKER_MT5_SECRET_STRING_HPP
#define MT5B_BROKER_MT5_SECRET_STRING_HPP

#include <mt5bridge/secrets.hpp>

#include <initializer_list>
#include <string>
#include <string_view>

namespace mt5b::broker_mt5 {

using SecretString = sdk::SecretString;

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
