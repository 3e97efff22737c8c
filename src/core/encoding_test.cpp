#include "arena/core/encoding.hpp"

#include <gtest/gtest.h>

#include "arena/core/random.hpp"

namespace arena::core {

TEST(Base64Url, RoundTripsEveryLength) {
  std::string data;
  for (int n = 0; n < 70; ++n) {
    EXPECT_EQ(base64url_decode(base64url_encode(data)), data) << n;
    data.push_back(static_cast<char>(n * 37));
  }
}

TEST(Base64Url, EncodesWithoutPaddingInUrlAlphabet) {
  EXPECT_EQ(base64url_encode(std::string("\xfb\xff", 2)), "-_8");
  EXPECT_EQ(base64url_encode(std::string("ab")), "YWI");
}

TEST(Base64Url, RejectsOtherAlphabetsPaddingAndJunk) {
  EXPECT_FALSE(base64url_decode("+/8"));
  EXPECT_FALSE(base64url_decode("YWI="));
  EXPECT_FALSE(base64url_decode("YW I"));
  EXPECT_FALSE(base64url_decode("Y"));
  EXPECT_FALSE(base64url_decode("YWI\n"));
  EXPECT_FALSE(base64url_decode("YWJ"));  // non-zero unused bits: not the canonical encoding of "ab"
}

TEST(Base64Url, AgreesWithRfc4648Vectors) {
  for (auto [plain, enc] : std::vector<std::pair<std::string, std::string>>{{"", ""},
                                                                            {"f", "Zg"},
                                                                            {"fo", "Zm8"},
                                                                            {"foo", "Zm9v"},
                                                                            {"foob", "Zm9vYg"},
                                                                            {"fooba", "Zm9vYmE"},
                                                                            {"foobar", "Zm9vYmFy"}}) {
    EXPECT_EQ(base64url_encode(plain), enc);
    EXPECT_EQ(base64url_decode(enc), plain);
  }
}

TEST(Sha256, MatchesKnownVector) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Utf8, AcceptsTextRejectsControlAndInvalid) {
  EXPECT_TRUE(is_clean_utf8("Zoë 🎮 Игрок"));
  EXPECT_FALSE(is_clean_utf8("tab\there"));
  EXPECT_FALSE(is_clean_utf8(std::string("nul\0x", 5)));
  EXPECT_FALSE(is_clean_utf8("\xc3"));          // truncated
  EXPECT_FALSE(is_clean_utf8("\xc0\xaf"));      // overlong
  EXPECT_FALSE(is_clean_utf8("\xed\xa0\x80"));  // surrogate
  EXPECT_EQ(utf8_length("Zoë🎮"), 4u);
}

TEST(Random, TokensAndUuidsAreWellFormedAndDistinct) {
  const auto a = random_token(32), b = random_token(32);
  EXPECT_EQ(a.size(), 43u);
  EXPECT_NE(a, b);
  const auto id = new_uuid();
  EXPECT_TRUE(is_uuid(id)) << id;
  EXPECT_EQ(id[14], '7');
  std::string prev = new_uuid();
  for (int i = 0; i < 10000; ++i) {  // many within one millisecond: still strictly increasing
    std::string next = new_uuid();
    ASSERT_LT(prev, next);
    ASSERT_TRUE(is_uuid(next));
    prev = std::move(next);
  }
  EXPECT_FALSE(is_uuid("not-a-uuid"));
}

}  // namespace arena::core

namespace arena::core {
namespace {
TEST(Hex, RoundTripsAnyBytesAndRefusesJunk) {
  const std::string raw("\x00\xff\x10 a", 5);
  const auto hex = hex_encode({reinterpret_cast<const unsigned char*>(raw.data()), raw.size()});
  EXPECT_EQ(hex, "00ff102061");
  EXPECT_EQ(hex_decode(hex), raw);
  EXPECT_EQ(hex_decode("00FF"), std::string("\x00\xff", 2));
  EXPECT_FALSE(hex_decode("abc"));  // odd length
  EXPECT_FALSE(hex_decode("zz"));
}
}  // namespace
}  // namespace arena::core
