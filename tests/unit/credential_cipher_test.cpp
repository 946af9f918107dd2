// AES-256-GCM sealing of broker passwords: round trips, integrity, key rotation, and the key
// material parser. Failures must never hand back a wrong plaintext, and no message may echo a
// key or a plaintext.
#include "crypto/credential_cipher.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <array>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

namespace {

using mt5b::host::CipherError;
using mt5b::host::CipherKey;
using mt5b::host::CredentialCipher;
using mt5b::host::parse_key_material;
using Reason = CipherError::Reason;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kAccountId = "6f1c2b7e-3a4d-4e5f-8a9b-0c1d2e3f4a5b";
constexpr std::string_view kOtherAccountId = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

CipherKey key(std::string id, unsigned char seed) {
  CipherKey k{std::move(id), {}};
  for (size_t i = 0; i < k.bytes.size(); ++i) k.bytes[i] = static_cast<unsigned char>(seed + i);
  return k;
}

// The reason `fn` fails with; records a failure when it returns instead.
template <class Fn>
std::optional<Reason> failure_of(Fn&& fn, std::string* message = nullptr) {
  try {
    fn();
  } catch (const CipherError& e) {
    if (message) *message = e.what();
    return e.reason();
  }
  return std::nullopt;
}

std::string base64_of(size_t byte_count) {
  std::vector<unsigned char> bytes(byte_count, 0x5a);
  std::string out(4 * ((byte_count + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

class CredentialCipherTest : public ::testing::Test {
 protected:
  CredentialCipher cipher_{{key("k1", 1)}, "k1"};
};

// ---- sealing and opening ---------------------------------------------------------------------

TEST_F(CredentialCipherTest, round_trips_unicode_empty_long_and_binary_plaintexts) {
  const std::vector<std::string> plaintexts = {"pässwörd-密码-🔑", "", std::string(100000, 'x'),
                                               std::string("nul\0inside", 10)};
  for (const auto& plaintext : plaintexts) {
    std::string blob = cipher_.seal(plaintext, kAccountId);
    EXPECT_EQ(cipher_.open(blob, kAccountId).view(), plaintext);
    if (!plaintext.empty()) {
      EXPECT_EQ(blob.find(plaintext), std::string::npos) << "the blob holds the plaintext";
    }
  }
}

TEST_F(CredentialCipherTest, sealing_the_same_plaintext_twice_gives_different_blobs) {
  std::string first = cipher_.seal("same password", kAccountId);
  std::string second = cipher_.seal("same password", kAccountId);
  EXPECT_NE(first, second) << "each seal draws a fresh random nonce";
  EXPECT_EQ(cipher_.open(first, kAccountId).view(), "same password");
  EXPECT_EQ(cipher_.open(second, kAccountId).view(), "same password");
}

TEST_F(CredentialCipherTest, blob_records_the_key_that_sealed_it) {
  std::string blob = cipher_.seal("secret", kAccountId);
  EXPECT_EQ(CredentialCipher::key_id_of(blob), "k1");
  EXPECT_EQ(static_cast<unsigned char>(blob[0]), 0x01) << "format version byte";
}

TEST_F(CredentialCipherTest, flipping_any_bit_anywhere_never_yields_a_plaintext) {
  const std::string plaintext = "correct horse battery staple";
  const std::string blob = cipher_.seal(plaintext, kAccountId);
  const size_t header_size = 2 + std::string("k1").size();  // version, id length, id
  for (size_t byte = 0; byte < blob.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string altered = blob;
      altered[byte] = static_cast<char>(altered[byte] ^ (1 << bit));
      mt5b::sdk::SecretString opened;
      auto reason = failure_of([&] { opened = cipher_.open(altered, kAccountId); });
      ASSERT_TRUE(reason.has_value()) << "a blob with bit " << bit << " of byte " << byte
                                      << " flipped opened to '" << opened.view() << "'";
      if (byte < header_size) {
        // A damaged header can also name a key that is not configured.
        EXPECT_THAT(*reason,
                    ::testing::AnyOf(Reason::malformed, Reason::tampered, Reason::unknown_key))
            << "byte " << byte;
      } else {
        EXPECT_EQ(*reason, Reason::tampered) << "byte " << byte << " bit " << bit;
      }
    }
  }
}

TEST_F(CredentialCipherTest, a_blob_moved_to_another_account_fails_as_tampered) {
  std::string blob = cipher_.seal("secret", kAccountId);
  std::string message;
  EXPECT_EQ(failure_of([&] { cipher_.open(blob, kOtherAccountId); }, &message), Reason::tampered);
  EXPECT_THAT(message, HasSubstr("another account"));
}

TEST_F(CredentialCipherTest, truncated_blobs_are_malformed) {
  const std::string blob = cipher_.seal("secret", kAccountId);
  const size_t minimum = 2 + 2 + 12 + 16;  // header with "k1", nonce, tag
  for (size_t length = 0; length < minimum; ++length) {
    EXPECT_EQ(failure_of([&] { cipher_.open(blob.substr(0, length), kAccountId); }),
              Reason::malformed)
        << "length " << length;
  }
  for (size_t length = minimum; length < blob.size(); ++length) {
    EXPECT_TRUE(failure_of([&] { cipher_.open(blob.substr(0, length), kAccountId); }))
        << "length " << length;
  }
}

TEST_F(CredentialCipherTest, a_blob_of_another_format_version_is_malformed) {
  std::string blob = cipher_.seal("secret", kAccountId);
  blob[0] = 0x02;
  EXPECT_EQ(failure_of([&] { cipher_.open(blob, kAccountId); }), Reason::malformed);
  EXPECT_EQ(failure_of([&] { CredentialCipher::key_id_of("plain text"); }), Reason::malformed);
}

// ---- key rotation ----------------------------------------------------------------------------

TEST(CredentialCipherRotation, opens_blobs_of_a_retired_key_that_is_still_configured) {
  CredentialCipher before({key("k1", 1)}, "k1");
  std::string old_blob = before.seal("old password", kAccountId);

  CredentialCipher after({key("k1", 1), key("k2", 2)}, "k2");
  EXPECT_EQ(CredentialCipher::key_id_of(old_blob), "k1");
  EXPECT_EQ(after.open(old_blob, kAccountId).view(), "old password");
  std::string new_blob = after.seal("new password", kAccountId);
  EXPECT_EQ(CredentialCipher::key_id_of(new_blob), "k2");
  EXPECT_EQ(after.open(new_blob, kAccountId).view(), "new password");
}

TEST(CredentialCipherRotation, a_blob_whose_key_is_gone_fails_naming_the_key_id) {
  CredentialCipher before({key("k1", 1)}, "k1");
  std::string blob = before.seal("old password", kAccountId);
  CredentialCipher after({key("k2", 2)}, "k2");
  std::string message;
  EXPECT_EQ(failure_of([&] { after.open(blob, kAccountId); }, &message), Reason::unknown_key);
  EXPECT_THAT(message, HasSubstr("'k1'"));
  EXPECT_THAT(message, HasSubstr("crypto.keys"));
}

TEST(CredentialCipherRotation, a_key_with_the_same_id_but_other_bytes_fails_as_tampered) {
  std::string blob = CredentialCipher({key("k1", 1)}, "k1").seal("secret", kAccountId);
  CredentialCipher replaced({key("k1", 99)}, "k1");
  EXPECT_EQ(failure_of([&] { replaced.open(blob, kAccountId); }), Reason::tampered);
}

TEST(CredentialCipherRotation, refuses_an_active_key_id_that_is_not_configured) {
  std::string message;
  EXPECT_EQ(failure_of([&] { CredentialCipher({key("k1", 1)}, "k9"); }, &message),
            Reason::unknown_key);
  EXPECT_THAT(message, HasSubstr("'k9'"));
}

// ---- parse_key_material ----------------------------------------------------------------------

TEST(ParseKeyMaterial, accepts_base64_of_32_bytes) {
  // The development default of config/default.yaml.
  std::string error;
  auto bytes = parse_key_material("ZGV2LWVuY3J5cHRpb24ta2V5LWNoYW5nZS1tZS0wMDE=", &error);
  ASSERT_TRUE(bytes.has_value()) << error;
  EXPECT_EQ(std::string(bytes->begin(), bytes->end()), "dev-encryption-key-change-me-001");
  ASSERT_EQ(base64_of(32).size(), 44u);
  EXPECT_TRUE(parse_key_material(base64_of(32), nullptr).has_value());
}

TEST(ParseKeyMaterial, accepts_64_hex_digits_in_either_case) {
  const std::string hex = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
  auto lower = parse_key_material(hex, nullptr);
  ASSERT_TRUE(lower.has_value());
  EXPECT_EQ((*lower)[0], 0x0f);
  EXPECT_EQ((*lower)[1], 0x1e);
  std::string upper = hex;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(parse_key_material(upper, nullptr), lower);
}

TEST(ParseKeyMaterial, refuses_31_or_33_bytes_and_bad_characters_without_echoing_the_input) {
  const std::vector<std::string> refused = {
      base64_of(31),                                    // 44 characters ending in "=="
      base64_of(33),                                    // 44 characters, no padding
      std::string(62, 'a'),                             // 31 bytes of hex
      std::string(66, 'a'),                             // 33 bytes of hex
      std::string(63, 'a') + "g",                       // not hex
      "ZGV2LWVuY3J5cHRpb24ta2V5LWNoYW5nZS1tZS0wMD!=",   // not base64
      "ZGV2LWVuY3J5cHRp b24ta2V5LWNoYW5nZS1tZS0wMDE=",  // a space
      "",
      "short-but-secret-material",
  };
  for (const auto& text : refused) {
    std::string error;
    EXPECT_FALSE(parse_key_material(text, &error).has_value()) << "accepted '" << text << "'";
    EXPECT_THAT(error, HasSubstr("openssl rand -base64 32"));
    if (text.size() >= 8) {
      EXPECT_THAT(error, Not(HasSubstr(text.substr(0, 8)))) << "the error echoes the key";
    }
  }
}

}  // namespace
