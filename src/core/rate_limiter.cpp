#include "arena/core/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace arena::core {
namespace {
double seconds_between(core::SystemTime a, core::SystemTime b) {
  return std::max(0.0, std::chrono::duration<double>(b - a).count());
}
}  // namespace

int MemoryRateLimiter::acquire(const std::string& key, const BucketPolicy& policy) {
  const auto now = clock_.now();
  const double per_sec = policy.per_minute / 60.0;
  std::lock_guard lock(mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) sweep(now);
    it = buckets_.emplace(key, Bucket{policy.burst, now, policy.burst, per_sec}).first;
  }
  Bucket& b = it->second;
  b.tokens = std::min(policy.burst, b.tokens + seconds_between(b.updated, now) * per_sec);
  b.updated = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  return std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / per_sec)));
}

void MemoryRateLimiter::sweep(core::SystemTime now) {
  std::erase_if(buckets_, [&](const auto& kv) {
    const Bucket& b = kv.second;
    return b.tokens + seconds_between(b.updated, now) * b.per_sec >= b.burst;
  });
  // Still full of hot keys: forget the whole table rather than grow without bound.
  if (buckets_.size() >= max_keys_) buckets_.clear();
}

std::size_t MemoryRateLimiter::size() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

}  // namespace arena::core
