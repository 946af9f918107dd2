// Key rotation: every credential is listed, re-sealed by the host and written back.
#include "conformance_test.hpp"

#include <algorithm>

namespace mt5b::conformance {
namespace {

class CredentialRotation : public StorageConformance {
 protected:
  void SetUp() override {
    StorageConformance::SetUp();
    if (HasFatalFailure()) return;
    add(first_);
    add(second_);
  }
  const Account first_ = sample_account(1, 1);
  const Account second_ = sample_account(2, 2);
};

TEST_F(CredentialRotation, list_returns_every_stored_credential) {
  MT5B_REQUIRE_SLOTS(MT5B_SLOT(on_credential_list));
  std::vector<Credential> listed;
  ASSERT_OK(store().list_credentials(listed));
  std::sort(listed.begin(), listed.end(),
            [](const Credential& a, const Credential& b) { return a.account_id < b.account_id; });
  EXPECT_EQ((std::vector<Credential>{sample_credential(first_), sample_credential(second_)}),
            listed);
}

TEST_F(CredentialRotation, update_replaces_the_key_and_ciphertext_of_one_account) {
  MT5B_REQUIRE_SLOTS(MT5B_SLOT(on_credential_update));
  Credential resealed = sample_credential(first_);
  resealed.key_id = "key-2026";
  resealed.ciphertext = std::string("\0new\0sealed\xff bytes", 18);
  ASSERT_OK(store().update_credential(resealed));

  const auto stored = fetch_credential(first_.id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ("key-2026", stored->key_id);
  EXPECT_EQ(resealed.ciphertext, stored->ciphertext);
  EXPECT_EQ(first_.user_id, stored->user_id);
  EXPECT_EQ(sample_credential(second_), fetch_credential(second_.id)) << "others untouched";
}

TEST_F(CredentialRotation, update_of_an_unknown_account_is_not_found) {
  MT5B_REQUIRE_SLOTS(MT5B_SLOT(on_credential_update));
  Credential stray = sample_credential(sample_account(404, 1));
  EXPECT_STATUS(MT5B_NOT_FOUND, store().update_credential(stray));
  EXPECT_EQ(std::nullopt, fetch_credential(stray.account_id));
}

TEST_F(CredentialRotation, a_deleted_account_leaves_no_credential_to_list) {
  MT5B_REQUIRE_SLOTS(MT5B_SLOT(on_credential_list));
  ASSERT_OK(store().delete_account(first_.id));
  std::vector<Credential> listed;
  ASSERT_OK(store().list_credentials(listed));
  EXPECT_EQ(std::vector<Credential>{sample_credential(second_)}, listed);
}

}  // namespace
}  // namespace mt5b::conformance
