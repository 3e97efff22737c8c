// The games' Random gives one sequence per seed everywhere: its outputs are pinned here against
// the reference algorithms (SplitMix64 and xoshiro256**, computed independently), so a change
// that would make stored matches replay differently fails a test.
#include "arena/match/random.hpp"

#include <gtest/gtest.h>

#include <array>
#include <numeric>
#include <vector>

namespace arena::match {
namespace {

TEST(Random, PinnedSequencesOfTheReferenceAlgorithms) {
  Random zero(0);
  EXPECT_EQ(zero.next(), 0x99EC5F36CB75F2B4ULL);
  EXPECT_EQ(zero.next(), 0xBF6E1F784956452AULL);
  EXPECT_EQ(zero.next(), 0x1A5F849D4933E6E0ULL);
  Random r(12345);
  EXPECT_EQ(r.next(), 0xBE6A36374160D49BULL);
  EXPECT_EQ(r.next(), 0x214AAA0637A688C6ULL);
  EXPECT_EQ(r.next(), 0xF69D16DE9954D388ULL);
}

TEST(Random, ShuffleIsPinnedAndBoundedDrawsStayInRange) {
  std::vector<int> v(10);
  std::iota(v.begin(), v.end(), 0);
  Random r(7);
  r.shuffle(v.begin(), v.end());
  EXPECT_EQ(v, (std::vector<int>{8, 3, 9, 0, 7, 2, 1, 6, 5, 4}));
  Random d(99);
  std::array<int, 6> seen{};
  for (int i = 0; i < 6000; ++i) {
    const auto x = d.between(1, 6);
    ASSERT_GE(x, 1);
    ASSERT_LE(x, 6);
    ++seen[static_cast<std::size_t>(x - 1)];
  }
  for (int n : seen) EXPECT_GT(n, 800);  // roughly uniform (1,000 expected each)
  EXPECT_EQ(d.below(1), 0u);
}

}  // namespace
}  // namespace arena::match
