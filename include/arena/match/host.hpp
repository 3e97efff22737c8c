#pragma once
// The match host role. Takes match.found (queue group "host": one host per match), seats the
// players and bots, tells the players match.assigned and a full snapshot, ticks every match at
// its game's rate on a few scheduler threads, sends per-tick deltas through the router, and at
// the end stores the result durably before it publishes match.ended. Client ops reach a match
// on the bus subject match.<match_id>.op (the gateway forwards match.input/leave/snapshot).
// A mode that throws or keeps overrunning its tick budget ends only its own match.
#include <chrono>
#include <functional>
#include <memory>

#include "arena/bus/bus.hpp"
#include "arena/core/clock.hpp"
#include "arena/match/game_mode.hpp"
#include "arena/match/host_settings.hpp"
#include "arena/match/runner.hpp"
#include "arena/match/store.hpp"
#include "arena/metrics/registry.hpp"

namespace arena::match {

// The data of a match's match.ended game event (docs/events.md), from its record.
boost::json::object ended_event_data(const MatchRecord& rec);

class MatchHost {
 public:
  // What happens to matches, for the game-event stream: "match.started" (data: game, seats, bots,
  // tick_rate) once a match is seated, "match.ended" (data: game, ticks, duration_ms, placements,
  // error) once its result is stored, "match.player_left" / "match.player_rejoined" (user: the
  // player; data: seat, tick, forfeit / -), and the game's own events ("cycles.crash": its data
  // and the tick) after the tick that made them. `user_id` is empty when the event is about no
  // one player. Called on the host's threads (a bus thread, a tick thread): it must only queue.
  using MatchEvent = std::function<void(std::string_view type, const MatchSpec& spec, std::string_view user_id,
                                        boost::json::object data)>;

  // make_bot empty: each game's rule-based bot; events empty: none.
  MatchHost(bus::Bus& bus, GameRegistry games, MatchStore& store, const core::Clock& clock, metrics::Registry& registry,
            HostSettings settings, BotFactory make_bot = {}, MatchEvent events = {});
  ~MatchHost();
  MatchHost(const MatchHost&) = delete;
  MatchHost& operator=(const MatchHost&) = delete;

  std::size_t active() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace arena::match
