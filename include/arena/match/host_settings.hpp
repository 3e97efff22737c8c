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
  // Failover: every checkpoint_interval the host writes each match's new log entries and renews
  // its lease for `lease`; a match whose lease runs out (its host died) is adopted by a host that
  // runs its game, which replays the log and plays on. 0: no checkpoints (a host that dies loses
  // its matches).
  std::chrono::milliseconds checkpoint_interval{1000};
  std::chrono::milliseconds lease{5000};
  // A player offline when a host adopts their match (their session died with the old host, say
  // a restarted embedded server) has this long to come back before they leave the match (a
  // forfeit in games that forfeit); 0: they leave at once.
  std::chrono::milliseconds rejoin_grace{30'000};
  // Not settings:
  std::string node;             // this host's name in the leases (the process's node id)
  bool release_on_stop = true;  // a stopping host lets go of its leases (tests turn it off to play a crash)
  int adopt_batch = 16;         // matches adopted per checkpoint round
  // Not settings either (tests change them):
  int max_watched_per_user = 4;                 // matches one spectator watches at once, per host
  double tick_budget = 0.5;                     // of the tick period; a tick over it is an overrun
  int max_overruns = 20;                        // overruns in a row that end the match
  std::chrono::milliseconds store_retry{1000};  // a failed result write is retried this often
};

}  // namespace arena::match
