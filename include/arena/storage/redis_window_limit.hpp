#pragma once
// core::SharedLimit in Redis: a counter per key and fixed window (keys arena:<name>:<window>:<key>,
// expiring after the window), added to in one pipelined round trip per sync, which also reads the
// counts of the keys this process used in the window (others may push them over). A key whose
// count in the current window passed `limit` is refused until the window ends.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "arena/core/clock.hpp"
#include "arena/core/mutex.hpp"
#include "arena/core/shared_limit.hpp"
#include "arena/storage/redis.hpp"

namespace arena::storage {

class RedisWindowLimit final : public core::SharedLimit {
 public:
  RedisWindowLimit(RedisPool& redis, std::string name, const core::Clock& clock, std::int64_t limit,
                   std::chrono::seconds window, std::size_t max_keys = 100'000);
  int retry_after(const std::string& key) override;
  void note(const std::string& key) override;
  void sync() override;

 private:
  RedisPool& redis_;
  const std::string name_;
  const core::Clock& clock_;
  const std::int64_t limit_;
  const std::int64_t window_;  // seconds
  const std::size_t max_keys_;
  core::Mutex mu_;
  std::unordered_map<std::string, std::int64_t> pending_ ARENA_GUARDED_BY(mu_);  // key -> uses since the last sync
  std::unordered_map<std::string, std::int64_t> blocked_ ARENA_GUARDED_BY(mu_);  // key -> until (unix s)
  std::unordered_set<std::string> seen_;  // keys used here in window `seen_window_` (sync's alone)
  std::int64_t seen_window_ = -1;
};

}  // namespace arena::storage
