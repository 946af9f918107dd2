// auth-static-token: maps fixed bearer tokens to user ids. For demos and load tests where no
// Supabase project exists; never for production. It shows the whole of a plugin: one class,
// one option table, one export line.
#include <mt5bridge/http.hpp>
#include <mt5bridge/sdk.hpp>
#include <mt5bridge/secrets.hpp>

#include <map>

namespace {

using mt5b::sdk::Config;
using mt5b::sdk::Error;
using mt5b::sdk::Host;
using mt5b::sdk::Principal;

class StaticTokenAuth : public mt5b::sdk::AuthPlugin {
 public:
  static constexpr const char* kName = "auth-static-token";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr const char* kDescription =
      "Accepts fixed bearer tokens as users (demos and load tests only).";

  static std::span<const mt5b_option> options() {
    static const mt5b_option table[] = {
        mt5b::sdk::option("tokens", MT5B_OPT_OBJECT, MT5B_OPT_REQUIRED | MT5B_OPT_SECRET, nullptr,
                          "Map of token to user id (UUID), e.g. { demo-token-1: <uuid> }."),
    };
    return table;
  }

  StaticTokenAuth(Host host, const Config& config) {
    const auto* tokens = config.value("tokens");
    if (!tokens || !tokens->IsObject() || tokens->MemberCount() == 0)
      throw Error(MT5B_INVALID_ARGUMENT, "tokens must map at least one token to a user id");
    for (auto it = tokens->MemberBegin(); it != tokens->MemberEnd(); ++it) {
      if (!it->value.IsString())
        throw Error(MT5B_INVALID_ARGUMENT, "every token must map to a user id string");
      users_[it->name.GetString()] = it->value.GetString();
    }
    host.warn("auth-static-token accepts fixed tokens: never use it in production");
  }

  std::optional<Principal> authenticate(const mt5b_http_request& request) override {
    auto value = mt5b::sdk::find_header(request, "Authorization").value;
    if (!value || value->size() < 7 ||
        !mt5b::sdk::equals_ignoring_case(value->substr(0, 7), "bearer "))
      return std::nullopt;
    // Every token is compared, in constant time, so the time taken says nothing about them.
    const std::string* user = nullptr;
    for (const auto& [token, user_id] : users_)
      if (mt5b::sdk::constant_time_equal(value->substr(7), token)) user = &user_id;
    if (!user) throw Error(MT5B_UNAUTHENTICATED, "unknown static token");
    return Principal{MT5B_PRINCIPAL_USER, *user, "authenticated", 0};
  }

 private:
  std::map<std::string, std::string> users_;
};

}  // namespace

MT5B_EXPORT_PLUGINS(mt5b::sdk::descriptor<StaticTokenAuth>())
