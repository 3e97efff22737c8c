#pragma once
// Events counted over a sliding window of whole seconds, in fixed memory: one counter per
// second of the window, reused as time moves on. For rates shown to operators ("tickets per
// second over the last 10 s") where keeping a timestamp per event would grow without bound.
#include <array>
#include <chrono>
#include <cstdint>

#include "arena/core/clock.hpp"

namespace arena::core {

template <std::size_t Seconds>
class RollingCount {
 public:
  void add(SystemTime now, std::uint64_t n = 1) {
    auto& b = bucket(now);
    b.count += n;
  }
  // Events in the last `Seconds` whole seconds, the current one included.
  std::uint64_t count(SystemTime now) const {
    const std::int64_t sec = second_of(now);
    std::uint64_t total = 0;
    for (const auto& b : buckets_)
      if (b.second > sec - static_cast<std::int64_t>(Seconds) && b.second <= sec) total += b.count;
    return total;
  }
  double per_second(SystemTime now) const { return static_cast<double>(count(now)) / static_cast<double>(Seconds); }

 private:
  struct Bucket {
    std::int64_t second = INT64_MIN;
    std::uint64_t count = 0;
  };
  static std::int64_t second_of(SystemTime t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  }
  Bucket& bucket(SystemTime now) {
    const std::int64_t sec = second_of(now);
    auto& b = buckets_[static_cast<std::size_t>(((sec % kN) + kN) % kN)];
    if (b.second != sec) b = Bucket{sec, 0};
    return b;
  }
  static constexpr std::int64_t kN = static_cast<std::int64_t>(Seconds);
  std::array<Bucket, Seconds> buckets_{};
};

}  // namespace arena::core
