#pragma once
// A BotBrain that asks an external gRPC policy service (proto/arena/bot/v1/policy.proto) for
// each move. Never blocks a tick: at every tick it uses the answer to the request it sent at
// the previous tick, if that came back in time (within the deadline); otherwise the fallback
// (the game's rule-based bot) decides and the fallback is counted. Then it sends the next
// request with the current state. gRPC stays inside this library (pimpl).
#include <chrono>
#include <memory>
#include <string>

#include "arena/match/game_mode.hpp"
#include "arena/metrics/registry.hpp"

namespace arena::botpolicy {

// game_bot_policy_answers_total / game_bot_policy_fallbacks_total in the registry.
struct PolicyStats {
  explicit PolicyStats(metrics::Registry& r);
  metrics::Counter& answered;   // decisions the policy made
  metrics::Counter& fallbacks;  // decisions the rule-based bot made instead
};

// One channel to the policy service, shared by every bot that uses it.
class PolicyClient {
 public:
  // `target`: host:port (plaintext, for a sidecar or a service on a private network).
  PolicyClient(const std::string& target, std::chrono::milliseconds deadline, metrics::Registry& registry);
  ~PolicyClient();
  PolicyClient(const PolicyClient&) = delete;
  PolicyClient& operator=(const PolicyClient&) = delete;

  // A brain for one bot seat of one match.
  std::unique_ptr<match::BotBrain> brain(std::string match_id, std::string game,
                                         std::unique_ptr<match::BotBrain> fallback);
  PolicyStats& stats() { return stats_; }

  struct Impl;  // the channel and stub, shared with the brains (opaque here)

 private:
  std::shared_ptr<Impl> impl_;
  PolicyStats stats_;
};

}  // namespace arena::botpolicy
