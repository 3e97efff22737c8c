#pragma once
// Playing a game without a host: for a game's own tests, `arena simulate`, and the checks that
// hold a game to the rules its replays depend on. docs/game-modes.md shows them in use.
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "arena/match/game_mode.hpp"
#include "arena/match/runner.hpp"

namespace arena::match::play {

// `humans` player seats ("p0", "p1", ...) then `bots` bot seats, each on a team of its own.
std::vector<Seat> seats(int humans, int bots);

// A spec the runner takes: the game's default tick rate, `settings` (as a mode would give them).
MatchSpec spec(const GameInfo& info, std::vector<Seat> seats, std::uint64_t seed, boost::json::object settings = {});

// Starts `game` as the runner would (settings checked, defaults filled in, the game's tick rate).
void start(GameMode& game, const GameInfo& info, const std::vector<Seat>& seats, std::uint64_t seed,
           const boost::json::object& settings = {});

// One tick of `game`: what it changed.
TickOutput tick(GameMode& game);
// The place `seat` got in `result` (-1: not placed).
int place_of(const GameResult& result, int seat);

struct Options {
  std::uint64_t max_ticks = 1'000'000;  // stop here even if the game has not ended
  // Human seats send this many junk inputs per tick (random JSON, some well-formed), to find
  // refusals that change state; 0: human seats stay idle.
  int junk_per_tick = 0;
  std::uint64_t junk_seed = 1;
};

struct Outcome {
  MatchRecord record;
  bool ended = false;  // the game ended by itself (not at max_ticks)
};

// Plays `spec` to its end with the game's bots in the bot seats, in checked mode (a refused
// input that changed the state throws RuleBroken).
Outcome self_play(const GameInfo& info, const MatchSpec& spec, const Options& options = {});

// The record through JSON (as the store keeps it) and replay(): the outcome.
ReplayOutcome replay_round_trip(const MatchRecord& record, const GameRegistry& games);

// What is wrong with a game, in words (empty: nothing found). Plays every seat count from
// min_players to max_players (bots, and a mix of idle and junk-sending humans) over `seeds`
// seeds and checks: it ends within max_ticks; refused inputs leave the state alone; two runs
// with one seed end in one state with the same events; the record replays through JSON; the
// result places every seat (1..n, ties sharing) and carries the declared score stats as
// numbers; every viewer's snapshot (each seat and kSpectator) can be taken.
std::vector<std::string> check_game(const GameInfo& info, int seeds = 3, std::uint64_t max_ticks = 100'000);

}  // namespace arena::match::play
