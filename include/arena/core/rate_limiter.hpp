#pragma once
// Token-bucket rate limiting by key ("ip:1.2.3.4", "account:a@b.c"). In memory for embedded
// mode; a Redis-backed implementation of the same interface serves a cluster.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "arena/core/clock.hpp"

namespace arena::core {

struct BucketPolicy {
  double burst = 10;       // tokens when full
  double per_minute = 10;  // refill rate
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Takes one token. Returns 0 if allowed, else the whole seconds until a token is available.
  virtual int acquire(const std::string& key, const BucketPolicy& policy) = 0;
};

class MemoryRateLimiter final : public RateLimiter {
 public:
  explicit MemoryRateLimiter(const core::Clock& clock, std::size_t max_keys = 100'000)
      : clock_(clock), max_keys_(max_keys) {}
  int acquire(const std::string& key, const BucketPolicy& policy) override;
  std::size_t size() const;

 private:
  struct Bucket {
    double tokens;
    core::SystemTime updated;
    double burst;
    double per_sec;
  };
  void sweep(core::SystemTime now);  // drops buckets that have refilled completely

  const core::Clock& clock_;
  std::size_t max_keys_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace arena::core
