#include "arena/storage/redis_window_limit.hpp"

#include <vector>

namespace arena::storage {

RedisWindowLimit::RedisWindowLimit(RedisPool& redis, std::string name, const core::Clock& clock, std::int64_t limit,
                                   std::chrono::seconds window, std::size_t max_keys)
    : redis_(redis),
      name_(std::move(name)),
      clock_(clock),
      limit_(limit),
      window_(std::max<std::int64_t>(1, window.count())),
      max_keys_(max_keys) {}

int RedisWindowLimit::retry_after(const std::string& key) {
  const auto now = clock_.now_unix();
  core::Lock lock(mu_);
  auto it = blocked_.find(key);
  if (it == blocked_.end()) return 0;
  if (it->second <= now) {
    blocked_.erase(it);
    return 0;
  }
  return static_cast<int>(it->second - now);
}

void RedisWindowLimit::note(const std::string& key) {
  core::Lock lock(mu_);
  if (pending_.size() >= max_keys_ && !pending_.contains(key)) return;  // bounded: the local limit still holds
  ++pending_[key];
}

void RedisWindowLimit::sync() {
  const auto now = clock_.now_unix();
  const auto window = now / window_;
  const auto until = (window + 1) * window_;
  std::unordered_map<std::string, std::int64_t> counts;
  {
    core::Lock lock(mu_);
    counts.swap(pending_);
    std::erase_if(blocked_, [&](const auto& b) { return b.second <= now; });
  }
  if (window != seen_window_) {
    seen_.clear();
    seen_window_ = window;
  }
  for (const auto& [key, n] : counts)
    if (seen_.size() < max_keys_) seen_.insert(key);
  if (seen_.empty()) return;
  // Ours added, and everyone's read, for every key used here in this window.
  std::vector<std::string> keys;
  std::vector<std::vector<std::string>> commands;
  keys.reserve(seen_.size());
  commands.reserve(seen_.size() + counts.size());
  for (const auto& key : seen_) {
    const std::string k = "arena:" + name_ + ":" + std::to_string(window) + ":" + key;
    keys.push_back(key);
    auto n = counts.find(key);
    if (n == counts.end()) {
      commands.push_back({"GET", k});  // not INCRBY 0: that would make a key without an expiry
    } else {
      commands.push_back({"INCRBY", k, std::to_string(n->second)});
      commands.push_back({"EXPIRE", k, std::to_string(2 * window_)});
    }
  }
  const auto replies = redis_.with([&](Redis& r) { return r.pipeline(commands); });
  core::Lock lock(mu_);
  std::size_t at = 0;
  for (const auto& key : keys) {
    const auto& r = replies.at(at);
    const std::int64_t total = r.type == RedisValue::Type::string ? std::stoll(r.str) : r.integer;  // nil: 0
    if (total > limit_) blocked_[key] = until;
    at += counts.contains(key) ? 2 : 1;
  }
}

}  // namespace arena::storage
