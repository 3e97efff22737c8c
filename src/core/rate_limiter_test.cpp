#include "arena/core/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace arena::core {

using namespace std::chrono_literals;

TEST(RateLimiter, AllowsABurstThenRefillsOverTime) {
  core::FakeClock clock;
  MemoryRateLimiter rl(clock);
  const BucketPolicy policy{3, 6};  // 3 at once, one every 10 s
  for (int i = 0; i < 3; ++i) EXPECT_EQ(rl.acquire("ip:1", policy), 0);
  EXPECT_EQ(rl.acquire("ip:1", policy), 10);
  EXPECT_EQ(rl.acquire("ip:2", policy), 0);  // keys are independent
  clock.advance(4s);
  EXPECT_EQ(rl.acquire("ip:1", policy), 6);
  clock.advance(6s);
  EXPECT_EQ(rl.acquire("ip:1", policy), 0);
  EXPECT_GT(rl.acquire("ip:1", policy), 0);
  clock.advance(1h);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(rl.acquire("ip:1", policy), 0);  // never above the burst
  EXPECT_GT(rl.acquire("ip:1", policy), 0);
}

TEST(RateLimiter, MemoryStaysBounded) {
  core::FakeClock clock;
  MemoryRateLimiter rl(clock, 100);
  const BucketPolicy policy{2, 60};
  for (int i = 0; i < 1000; ++i) rl.acquire("ip:" + std::to_string(i), policy);
  EXPECT_LE(rl.size(), 100u);
}

}  // namespace arena::core
