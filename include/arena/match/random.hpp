#pragma once
// Random numbers a game may use: the same sequence for the same seed on every compiler,
// standard library and CPU. std::mt19937 is specified exactly, but std::shuffle and the
// std::*_distribution classes are not (libstdc++ and libc++ differ), so a game that used them
// would replay differently on another toolchain. This is xoshiro256** seeded through SplitMix64
// (Blackman and Vigna), with unbiased bounded draws by rejection and a Fisher-Yates shuffle.
#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace arena::match {

class Random {
 public:
  explicit Random(std::uint64_t seed) {
    for (auto& w : s_) {  // SplitMix64 fills the state: never all zero
      seed += 0x9E3779B97F4A7C15ULL;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      w = z ^ (z >> 31);
    }
  }

  std::uint64_t next() {
    const std::uint64_t out = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return out;
  }

  // Uniform in [0, n); n > 0. Rejection keeps it unbiased.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % n);
    std::uint64_t x = next();
    while (x >= limit) x = next();
    return x % n;
  }

  // Uniform in [lo, hi].
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }

  // Fisher-Yates over [first, last).
  template <class It>
  void shuffle(It first, It last) {
    const auto n = static_cast<std::uint64_t>(last - first);
    for (std::uint64_t i = n; i > 1; --i) {
      const auto j = below(i);
      using std::swap;
      swap(first[static_cast<std::ptrdiff_t>(i - 1)], first[static_cast<std::ptrdiff_t>(j)]);
    }
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<std::uint64_t, 4> s_{};
};

}  // namespace arena::match
