#include "arena/storage/redis_rate_limiter.hpp"

#include <chrono>
#include <cstdio>

namespace arena::storage {

namespace {

// KEYS[1]: the bucket; ARGV: now (ms), burst, refill per ms. Returns whole seconds to wait (0:
// a token was taken), as MemoryRateLimiter does.
constexpr const char* kScript = R"(
local b = redis.call('HMGET', KEYS[1], 't', 'ts')
local now, burst, rate = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tokens, ts = tonumber(b[1]), tonumber(b[2])
if tokens == nil or ts == nil then tokens, ts = burst, now end
if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate); ts = now end
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.max(1, math.ceil((1 - tokens) / rate / 1000)) end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', tostring(ts))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate) + 1000)
return wait
)";

std::string exact(double v) {  // what reads back as the same double
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

RedisRateLimiter::RedisRateLimiter(RedisPool& redis, const core::Clock& clock,
                                   std::function<void(const RedisError&)> on_error)
    : redis_(redis), clock_(clock), fallback_(clock), on_error_(std::move(on_error)) {}

int RedisRateLimiter::acquire(const std::string& key, const core::BucketPolicy& policy) {
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch()).count();
  const double per_ms = policy.per_minute / 60'000.0;
  try {
    // The script travels with each call (a few hundred bytes): nothing to reload after a restart.
    const auto r = redis_.command(
        {"EVAL", kScript, "1", "arena:rl:" + key, std::to_string(now_ms), exact(policy.burst), exact(per_ms)});
    return static_cast<int>(r.integer);
  } catch (const RedisError& e) {
    if (on_error_) on_error_(e);
    return fallback_.acquire(key, policy);
  }
}

}  // namespace arena::storage
