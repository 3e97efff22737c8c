#pragma once
// The host role's settings: the `host.*` section of the settings table (src/config/fields.cpp)
// parses straight into this struct.
#include <chrono>
#include <string>

namespace arena::match {

struct HostSettings {
  int threads = 2;                                    // scheduler threads shared by every match
  std::string bot_policy;                             // host:port of a gRPC bot policy service; empty: rule-based bots
  std::chrono::milliseconds bot_policy_deadline{40};  // a later answer is replaced by the rule-based bot
  int max_watchers = 100;                             // spectators per match (match.watch)
  // Not settings (tests change them):
  int max_watched_per_user = 4;                 // matches one spectator watches at once, per host
  double tick_budget = 0.5;                     // of the tick period; a tick over it is an overrun
  int max_overruns = 20;                        // overruns in a row that end the match
  std::chrono::milliseconds store_retry{1000};  // a failed result write is retried this often
};

}  // namespace arena::match
