#include "arena/core/rolling_count.hpp"

#include <gtest/gtest.h>

namespace arena::core {
namespace {

using namespace std::chrono_literals;

TEST(RollingCount, CountsTheLastWindowInFixedMemory) {
  RollingCount<10> c;
  const SystemTime t0{std::chrono::seconds(1'700'000'000)};
  for (int i = 0; i < 100; ++i) c.add(t0 + std::chrono::milliseconds(i * 10));  // 100 in the first second
  EXPECT_EQ(c.count(t0 + 500ms), 100u);
  c.add(t0 + 5s, 20);
  EXPECT_EQ(c.count(t0 + 9s), 120u);
  EXPECT_DOUBLE_EQ(c.per_second(t0 + 9s), 12.0);
  EXPECT_EQ(c.count(t0 + 10s), 20u);  // the first second left the window
  EXPECT_EQ(c.count(t0 + 15s), 0u);
  // A million events over a day cost no more memory than one.
  for (int i = 0; i < 1'000'000; ++i) c.add(t0 + std::chrono::milliseconds(i * 86));
  static_assert(sizeof(RollingCount<10>) <= 10 * 16);
  EXPECT_LE(c.count(t0 + std::chrono::milliseconds(999'999 * 86)), 10u * 12u);
}

}  // namespace
}  // namespace arena::core
