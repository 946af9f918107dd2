// The request dispatcher's authorization matrix (credentials × route access × configuration)
// and its rate limits on an injected clock, with two auth plugins compiled into the test: one
// recognises the service key, the other user tokens, each refusing a wrong one as the real
// auth-apikey and auth-jwt do.
#include "api/request_dispatcher.hpp"
#include "loader/plugin_loader.hpp"

#include <mt5bridge/sdk.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace mt5b::host;
using ::testing::HasSubstr;

// The value of the header `name` (exact case: the test sends it so), or nullopt.
std::optional<std::string_view> header(const mt5b_http_request& r, std::string_view name) {
  for (uint32_t i = 0; i < r.header_count; ++i)
    if (mt5b::sdk::view(r.headers[i].name) == name) return mt5b::sdk::view(r.headers[i].value);
  return std::nullopt;
}

class MatrixAuthBase {
 public:
  static constexpr const char* kVersion = "0.0.1";
  static constexpr const char* kDescription = "Authorization matrix test double.";
  static std::span<const mt5b_option> options() { return {}; }
};

// X-API-Key: svc-key is the service; any other X-API-Key value is refused.
class MatrixServiceKey : public mt5b::sdk::AuthPlugin, public MatrixAuthBase {
 public:
  static constexpr const char* kName = "matrix-service-key";
  MatrixServiceKey(mt5b::sdk::Host, const mt5b::sdk::Config&) {}
  std::optional<mt5b::sdk::Principal> authenticate(const mt5b_http_request& r) override {
    auto key = header(r, "X-API-Key");
    if (!key) return std::nullopt;
    if (*key != "svc-key") throw mt5b::sdk::Error(MT5B_UNAUTHENTICATED, "unknown service key");
    return mt5b::sdk::Principal{MT5B_PRINCIPAL_SERVICE, "backend", "service", 0};
  }
};

// Authorization: Bearer user-1 is the user user-1; any other bearer token is refused.
class MatrixUserToken : public mt5b::sdk::AuthPlugin, public MatrixAuthBase {
 public:
  static constexpr const char* kName = "matrix-user-token";
  MatrixUserToken(mt5b::sdk::Host, const mt5b::sdk::Config&) {}
  std::optional<mt5b::sdk::Principal> authenticate(const mt5b_http_request& r) override {
    auto value = header(r, "Authorization");
    if (!value) return std::nullopt;
    if (*value != "Bearer user-1") throw mt5b::sdk::Error(MT5B_UNAUTHENTICATED, "bad token");
    return mt5b::sdk::Principal{MT5B_PRINCIPAL_USER, "user-1", "authenticated", 0};
  }
};

MT5B_DEFINE_PLUGIN_LIST(matrix_plugins, mt5b::sdk::descriptor<MatrixServiceKey>(),
                        mt5b::sdk::descriptor<MatrixUserToken>())

enum class Creds { none, key, wrong_key, token, wrong_token, key_and_token, key_and_wrong_token };
enum class Config { user_routes_need_a_token, service_key_acts_on_any_account };

std::string name_of(Creds c) {
  switch (c) {
    case Creds::none: return "no credential";
    case Creds::key: return "service key";
    case Creds::wrong_key: return "wrong service key";
    case Creds::token: return "user token";
    case Creds::wrong_token: return "wrong user token";
    case Creds::key_and_token: return "service key + user token";
    case Creds::key_and_wrong_token: return "service key + wrong user token";
  }
  return "?";
}

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    loader_.register_static(&matrix_plugins, "unit-test");
    for (const char* name : {"matrix-service-key", "matrix-user-token"}) {
      InstanceConfig config;
      config.kind = MT5B_KIND_AUTH;
      config.name = name;
      config.plugin = name;
      config.config_json = "{}";
      config.loaded = loader_.find(name);
      instances_.push_back(PluginInstance::create(config, metrics_));
      chain_.add(*instances_.back());
    }
    auto echo = [](RequestContext& ctx) {
      Response r;
      r.body = "acting_user=" + ctx.acting_user + (ctx.service_on_behalf ? " on_behalf" : "");
      return r;
    };
    router_.add({"GET", "/open", Access::open, echo, RateClass::health});
    router_.add({"GET", "/service", Access::service, echo});
    router_.add({"GET", "/user", Access::user, echo});
    router_.add({"POST", "/connect", Access::service, echo, RateClass::connect});
    api_.rate_limits.per_key_per_min = 0;
    api_.rate_limits.connect_per_min = 0;
    api_.rate_limits.health_per_ip_per_min = 0;
  }

  RequestDispatcher& dispatcher() {
    if (!dispatcher_)
      dispatcher_ = std::make_unique<RequestDispatcher>(router_, chain_, api_, metrics_,
                                                        [this] { return now_; });
    return *dispatcher_;
  }

  Response call(const std::string& method, const std::string& path, Creds creds) {
    std::vector<mt5b_header> headers;
    auto add = [&](const char* n, const char* v) {
      headers.push_back({mt5b::sdk::str(n), mt5b::sdk::str(v)});
    };
    if (creds == Creds::key || creds == Creds::key_and_token || creds == Creds::key_and_wrong_token)
      add("X-API-Key", "svc-key");
    if (creds == Creds::wrong_key) add("X-API-Key", "not-the-key");
    if (creds == Creds::token || creds == Creds::key_and_token)
      add("Authorization", "Bearer user-1");
    if (creds == Creds::wrong_token || creds == Creds::key_and_wrong_token)
      add("Authorization", "Bearer forged");
    auto r = mt5b::sdk::make<mt5b_http_request>();
    r.method = mt5b::sdk::str(method);
    r.path = mt5b::sdk::str(path);
    r.headers = headers.data();
    r.header_count = static_cast<uint32_t>(headers.size());
    r.client_ip = mt5b::sdk::str("192.0.2.7");
    return dispatcher().handle(r);
  }

  static std::string header_of(const Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return {};
  }

  PluginLoader loader_{std::vector<std::filesystem::path>{}};
  MetricsRegistry metrics_;
  std::vector<std::unique_ptr<PluginInstance>> instances_;
  AuthChain chain_;
  Router router_;
  ApiConfig api_;
  RateLimiter::Clock::time_point now_ = RateLimiter::Clock::time_point{} + std::chrono::hours(1);
  std::unique_ptr<RequestDispatcher> dispatcher_;
};

// One row of the matrix: what a request with `creds` on `path` gets under `config`.
struct Expected {
  Creds creds;
  Config config;
  std::string path;
  uint16_t status;
  std::string outcome;  // the error code, or the handler's body
};

TEST_F(DispatcherTest, authorization_matrix) {
  using C = Creds;
  const Config strict = Config::user_routes_need_a_token;
  const Config lenient = Config::service_key_acts_on_any_account;
  const std::vector<Expected> matrix = {
      // Open routes need nothing and ignore what is sent.
      {C::none, strict, "/open", 200, "acting_user="},
      {C::wrong_key, strict, "/open", 200, "acting_user="},
      {C::wrong_token, lenient, "/open", 200, "acting_user="},
      // Service routes: the key, whatever else comes with it.
      {C::none, strict, "/service", 401, "API_KEY_REQUIRED"},
      {C::token, strict, "/service", 401, "API_KEY_REQUIRED"},
      {C::wrong_key, strict, "/service", 401, "AUTHENTICATION_FAILED"},
      {C::wrong_token, strict, "/service", 401, "AUTHENTICATION_FAILED"},
      {C::key, strict, "/service", 200, "acting_user="},
      {C::key_and_wrong_token, strict, "/service", 200, "acting_user="},
      {C::key, lenient, "/service", 200, "acting_user="},
      // User routes: the key and a user token; the key alone only when the config says so.
      {C::none, strict, "/user", 401, "API_KEY_REQUIRED"},
      {C::none, lenient, "/user", 401, "API_KEY_REQUIRED"},
      {C::token, strict, "/user", 401, "API_KEY_REQUIRED"},
      {C::token, lenient, "/user", 401, "API_KEY_REQUIRED"},
      {C::wrong_key, lenient, "/user", 401, "AUTHENTICATION_FAILED"},
      {C::key, strict, "/user", 401, "USER_TOKEN_REQUIRED"},
      {C::key, lenient, "/user", 200, "acting_user= on_behalf"},
      {C::key_and_token, strict, "/user", 200, "acting_user=user-1"},
      {C::key_and_token, lenient, "/user", 200, "acting_user=user-1"},
      // A refused token is never replaced by the key's reach, even where the key alone would do.
      {C::key_and_wrong_token, strict, "/user", 401, "INVALID_TOKEN"},
      {C::key_and_wrong_token, lenient, "/user", 401, "INVALID_TOKEN"},
  };
  for (const auto& row : matrix) {
    api_.service_key_acts_on_any_account = row.config == lenient;
    dispatcher_.reset();
    Response r = call("GET", row.path, row.creds);
    std::string where = name_of(row.creds) + " on " + row.path +
                        (row.config == lenient ? " (service key acts on any account)" : "");
    EXPECT_EQ(row.status, r.status) << where << ": " << r.body;
    EXPECT_THAT(r.body, HasSubstr(row.outcome)) << where;
    if (r.status == 401) {
      EXPECT_EQ(row.outcome == "API_KEY_REQUIRED" ? "" : "Bearer", header_of(r, "WWW-Authenticate"))
          << where;
    }
  }
}

TEST_F(DispatcherTest, refusals_never_echo_the_credential) {
  Response r = call("GET", "/service", Creds::wrong_key);
  EXPECT_EQ(401, r.status);
  EXPECT_THAT(r.body, ::testing::Not(HasSubstr("not-the-key")));
}

TEST_F(DispatcherTest, per_key_limit_refuses_with_retry_after_and_refills_by_the_clock) {
  api_.rate_limits.per_key_per_min = 2;  // one token every 30 s
  EXPECT_EQ(200, call("GET", "/service", Creds::key).status);
  Response second = call("GET", "/service", Creds::key);
  EXPECT_EQ(200, second.status);
  EXPECT_EQ("2", header_of(second, "RateLimit-Limit"));
  EXPECT_EQ("0", header_of(second, "RateLimit-Remaining"));
  Response refused = call("GET", "/service", Creds::key);
  EXPECT_EQ(429, refused.status);
  EXPECT_EQ("30", header_of(refused, "Retry-After"));
  now_ += std::chrono::seconds(29);
  EXPECT_EQ(429, call("GET", "/service", Creds::key).status) << "refilled too fast";
  now_ += std::chrono::seconds(1);
  EXPECT_EQ(200, call("GET", "/service", Creds::key).status) << "not refilled after 30 s";
}

TEST_F(DispatcherTest, connect_has_its_own_tighter_bucket_on_top_of_the_key_bucket) {
  api_.rate_limits.per_key_per_min = 100;
  api_.rate_limits.connect_per_min = 1;
  EXPECT_EQ(200, call("POST", "/connect", Creds::key).status);
  EXPECT_EQ(429, call("POST", "/connect", Creds::key).status);
  EXPECT_EQ(200, call("GET", "/service", Creds::key).status) << "other routes keep their bucket";
  now_ += std::chrono::seconds(60);
  EXPECT_EQ(200, call("POST", "/connect", Creds::key).status);
}

TEST_F(DispatcherTest, unauthenticated_requests_take_no_key_tokens) {
  api_.rate_limits.per_key_per_min = 1;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(401, call("GET", "/service", Creds::wrong_key).status);
  EXPECT_EQ(200, call("GET", "/service", Creds::key).status);
}

TEST_F(DispatcherTest, health_routes_are_limited_per_client_ip) {
  api_.rate_limits.health_per_ip_per_min = 1;
  EXPECT_EQ(200, call("GET", "/open", Creds::none).status);
  EXPECT_EQ(429, call("GET", "/open", Creds::none).status);
  now_ += std::chrono::seconds(60);
  EXPECT_EQ(200, call("GET", "/open", Creds::none).status);
}

}  // namespace
