#include "arena/auth/password.hpp"

#include <gtest/gtest.h>

namespace arena::auth {

TEST(Password, HashesWithArgon2idAndVerifies) {
  PasswordHasher h({1, 8 * 1024});
  const std::string hash = h.hash("correct horse");
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
  EXPECT_TRUE(h.verify(hash, "correct horse"));
  EXPECT_FALSE(h.verify(hash, "correct horsE"));
  EXPECT_FALSE(h.verify("garbage", "correct horse"));
  EXPECT_NE(h.hash("correct horse"), hash);  // salted
}

TEST(Password, RaisingTheCostAsksForARehash) {
  PasswordHasher cheap({1, 8 * 1024});
  PasswordHasher dearer({2, 16 * 1024});
  const std::string hash = cheap.hash("pw");
  EXPECT_FALSE(cheap.needs_rehash(hash));
  EXPECT_TRUE(dearer.needs_rehash(hash));
  EXPECT_TRUE(dearer.verify(hash, "pw"));  // old hashes still verify
}

}  // namespace arena::auth
