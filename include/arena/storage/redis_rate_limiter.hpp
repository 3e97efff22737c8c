#pragma once
// Token buckets in Redis, shared by every process that uses the same Redis (every auth process
// of a cluster): a client spreading its attempts over processes meets one limit. One atomic
// script per acquire, on the caller's clock; buckets expire once they would be full again.
// When Redis cannot answer, acquire() falls back to this process's own buckets (a limit per
// process is better than none or than refusing everyone) and reports the error.
#include <functional>
#include <string>

#include "arena/core/rate_limiter.hpp"
#include "arena/storage/redis.hpp"

namespace arena::storage {

class RedisRateLimiter final : public core::RateLimiter {
 public:
  // `on_error` (may be empty) hears each failure that made it fall back.
  RedisRateLimiter(RedisPool& redis, const core::Clock& clock, std::function<void(const RedisError&)> on_error = {});
  int acquire(const std::string& key, const core::BucketPolicy& policy) override;

 private:
  RedisPool& redis_;
  const core::Clock& clock_;
  core::MemoryRateLimiter fallback_;
  std::function<void(const RedisError&)> on_error_;
};

}  // namespace arena::storage
