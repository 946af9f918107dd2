// Specification of the strict base64url decoder.
#include "base64url.hpp"

#include "token_minting.hpp"

#include <gtest/gtest.h>

namespace mt5b::auth_jwt {
namespace {

TEST(Base64Url, decodes_the_rfc_4648_vectors_without_padding) {
  EXPECT_EQ(decode_base64url(""), "");
  EXPECT_EQ(decode_base64url("Zg"), "f");
  EXPECT_EQ(decode_base64url("Zm8"), "fo");
  EXPECT_EQ(decode_base64url("Zm9v"), "foo");
  EXPECT_EQ(decode_base64url("Zm9vYg"), "foob");
  EXPECT_EQ(decode_base64url("Zm9vYmE"), "fooba");
  EXPECT_EQ(decode_base64url("Zm9vYmFy"), "foobar");
}

TEST(Base64Url, decodes_the_url_safe_alphabet) {
  EXPECT_EQ(decode_base64url("-_8"), std::string("\xfb\xff"));
}

TEST(Base64Url, round_trips_every_byte_value) {
  std::string bytes;
  for (int b = 0; b < 256; ++b) bytes += static_cast<char>(b);
  for (std::size_t length = 0; length <= bytes.size(); length += 37) {
    const std::string original = bytes.substr(0, length);
    EXPECT_EQ(decode_base64url(token_minting::base64url_encode(original)), original);
  }
}

TEST(Base64Url, refuses_padding) {
  EXPECT_FALSE(decode_base64url("Zg=="));
  EXPECT_FALSE(decode_base64url("Zm8="));
}

TEST(Base64Url, refuses_characters_of_standard_base64_and_others) {
  for (const char* text : {"+_8", "-/8", "Zm 9v", "Zm9v\n", "Zm.v", "Zm9*"})
    EXPECT_FALSE(decode_base64url(text)) << text;
  EXPECT_FALSE(decode_base64url(std::string_view("Zm\0v", 4)));
}

TEST(Base64Url, refuses_a_length_that_cannot_encode_whole_bytes) {
  EXPECT_FALSE(decode_base64url("Z"));
  EXPECT_FALSE(decode_base64url("Zm9vY"));
}

TEST(Base64Url, refuses_non_zero_unused_bits_so_each_value_has_one_spelling) {
  EXPECT_FALSE(decode_base64url("Zh"));   // "f" is Zg
  EXPECT_FALSE(decode_base64url("Zm9"));  // "fo" is Zm8
}

}  // namespace
}  // namespace mt5b::auth_jwt
