// Specification of the JWKS cache: loaded once, refreshed in the background on an unknown kid
// at most once per interval, kept when a refresh fails, and both kids valid across a rotation.
#include "jwks_key_store.hpp"
#include "asymmetric_minting.hpp"

#include <mt5bridge/sdk.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>

namespace mt5b::auth_jwt {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using token_minting::new_p256_key;
using token_minting::public_jwk;

// A JWKS endpoint the test rewrites, counting fetches; `failing` makes fetches throw.
class FakeIssuer {
 public:
  void publish(std::string document) {
    std::lock_guard lock(mutex_);
    document_ = std::move(document);
  }
  void set_failing(bool failing) { failing_ = failing; }
  int fetches() const { return fetches_; }
  JwksKeyStore::Loader loader() {
    return [this] {
      ++fetches_;
      if (failing_) throw sdk::Error(MT5B_RETRY, "the issuer is down");
      std::lock_guard lock(mutex_);
      return document_;
    };
  }

 private:
  std::mutex mutex_;
  std::string document_ = R"({"keys":[]})";
  std::atomic<bool> failing_{false};
  std::atomic<int> fetches_{0};
};

std::string jwks(std::initializer_list<std::string> keys) {
  std::string out = R"({"keys":[)";
  for (const std::string& key : keys) out += (out.back() == '[' ? "" : ",") + key;
  return out + "]}";
}

class JwksKeyStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<JwksKeyStore> store(std::chrono::milliseconds min_refresh,
                                      std::chrono::milliseconds wait = 2s, bool must_load = false) {
    JwksRefreshPolicy policy;
    policy.refresh_interval = 1h;
    policy.min_refresh_interval = min_refresh;
    policy.unknown_kid_wait = wait;
    return std::make_unique<JwksKeyStore>(
        issuer_.loader(), policy,
        [this](bool warn, const std::string& line) {
          std::lock_guard lock(log_mutex_);
          (warn ? warnings_ : infos_) += line + "\n";
        },
        must_load);
  }
  std::string warnings() {
    std::lock_guard lock(log_mutex_);
    return warnings_;
  }

  FakeIssuer issuer_;
  token_minting::PrivateKey old_key_ = new_p256_key();
  token_minting::PrivateKey new_key_ = new_p256_key();
  std::mutex log_mutex_;
  std::string warnings_, infos_;
};

TEST_F(JwksKeyStoreTest, finds_keys_of_the_first_load_without_fetching_again) {
  issuer_.publish(jwks({public_jwk(old_key_, "old")}));
  auto keys = store(1h);
  EXPECT_NE(keys->find("old"), nullptr);
  EXPECT_NE(keys->find("old"), nullptr);
  EXPECT_EQ(issuer_.fetches(), 1);
}

TEST_F(JwksKeyStoreTest, refreshes_on_an_unknown_kid_so_a_rotated_key_is_found) {
  issuer_.publish(jwks({public_jwk(old_key_, "old")}));
  auto keys = store(0ms);
  // The project publishes its next key beside the current one (Supabase's standby key).
  issuer_.publish(jwks({public_jwk(old_key_, "old"), public_jwk(new_key_, "new")}));
  EXPECT_NE(keys->find("new"), nullptr);
  EXPECT_NE(keys->find("old"), nullptr) << "during the overlap both kids verify";
  EXPECT_EQ(issuer_.fetches(), 2);
  // The old key is revoked: once refreshed, it no longer verifies.
  issuer_.publish(jwks({public_jwk(new_key_, "new")}));
  EXPECT_EQ(keys->find("unknown-kid-forces-a-refresh"), nullptr);
  EXPECT_EQ(keys->find("old"), nullptr);
  EXPECT_NE(keys->find("new"), nullptr);
}

TEST_F(JwksKeyStoreTest, refreshes_at_most_once_per_interval_whatever_kids_clients_send) {
  issuer_.publish(jwks({public_jwk(old_key_, "old")}));
  auto keys = store(1h);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(keys->find("made-up-" + std::to_string(i)), nullptr);
  // The first load was attempts() == 1; within the hour no unknown kid starts another.
  EXPECT_EQ(issuer_.fetches(), 1);
  EXPECT_EQ(keys->attempts(), 1u);
}

TEST_F(JwksKeyStoreTest, one_refresh_per_interval_when_the_interval_has_passed) {
  issuer_.publish(jwks({public_jwk(old_key_, "old")}));
  auto keys = store(300ms);
  std::this_thread::sleep_for(350ms);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(keys->find("made-up-" + std::to_string(i)), nullptr);
  EXPECT_EQ(issuer_.fetches(), 2);
}

TEST_F(JwksKeyStoreTest, keeps_the_keys_held_when_a_refresh_fails) {
  issuer_.publish(jwks({public_jwk(old_key_, "old")}));
  auto keys = store(0ms);
  issuer_.set_failing(true);
  EXPECT_EQ(keys->find("new"), nullptr);
  EXPECT_NE(keys->find("old"), nullptr);
  EXPECT_THAT(warnings(),
              HasSubstr("JWKS refresh failed, keeping the keys held: the issuer is down"));
  issuer_.set_failing(false);
  issuer_.publish("not json");
  EXPECT_EQ(keys->find("new"), nullptr);
  EXPECT_NE(keys->find("old"), nullptr);
}

TEST_F(JwksKeyStoreTest, a_request_waits_no_longer_than_the_bound_for_a_slow_refresh) {
  issuer_.publish(jwks({public_jwk(old_key_, "old")}));
  JwksRefreshPolicy policy;
  policy.min_refresh_interval = 0ms;
  policy.unknown_kid_wait = 100ms;
  std::atomic<bool> slow{false};
  JwksKeyStore keys(
      [&] {
        if (slow) std::this_thread::sleep_for(1500ms);
        return jwks({public_jwk(old_key_, "old")});
      },
      policy, [](bool, const std::string&) {}, true);
  slow = true;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(keys.find("new"), nullptr);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1000ms);
  EXPECT_NE(keys.find("old"), nullptr) << "known kids never wait for a refresh";
}

TEST_F(JwksKeyStoreTest, starts_empty_when_the_first_fetch_fails_and_loads_later) {
  issuer_.set_failing(true);
  auto keys = store(0ms);
  EXPECT_THAT(warnings(), HasSubstr("JWKS not loaded yet"));
  issuer_.set_failing(false);
  issuer_.publish(jwks({public_jwk(old_key_, "old")}));
  EXPECT_NE(keys->find("old"), nullptr);
}

TEST_F(JwksKeyStoreTest, a_first_load_that_must_succeed_throws) {
  issuer_.publish("{}");
  EXPECT_THROW(store(0ms, 2s, true), sdk::Error);
}

}  // namespace
}  // namespace mt5b::auth_jwt
