#pragma once
// One running match: the game, the bots in its seats and the input log, advanced one tick at a
// time. Every accepted input is logged with the tick it takes effect at, so replay() can re-run
// the match from its seed and log and compare the final state hash. Not thread-safe: the
// scheduler runs one match on one thread at a time.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "arena/match/game_mode.hpp"

namespace arena::match {

struct MatchSpec {
  std::string match_id;
  std::string mode;  // the matchmaking mode
  std::string game;  // the GameMode's registered name
  std::string region;
  std::vector<Seat> seats;
  std::uint64_t seed = 0;
};

struct LoggedInput {
  std::uint64_t tick = 0;  // applied before this tick ran (0: before the first)
  int seat = 0;
  boost::json::value d;
};

struct MatchRecord {  // what is stored when a match ends, and what replay() needs
  MatchSpec spec;
  GameResult result;
  std::vector<LoggedInput> inputs;
  std::uint64_t ticks = 0;
  std::uint64_t final_hash = 0;
  std::string error;  // non-empty when the match ended because the mode failed
};

// Makes the brain of a bot seat; by default the game's rule-based bot. (The host passes one
// that asks an external policy service, falling back to the rule-based bot.)
using BotFactory = std::function<std::unique_ptr<BotBrain>(const GameInfo& info, const MatchSpec& spec, int seat)>;

class MatchRunner {
 public:
  MatchRunner(MatchSpec spec, const GameInfo& info, BotFactory make_bot = {});

  const MatchSpec& spec() const { return spec_; }
  const GameInfo& info() const { return info_; }
  // A player's input: validated by the game, logged when accepted. Throws InputError.
  void input(int seat, const boost::json::value& d);
  // Bots (and seats a bot took over) decide, then the game ticks. Returns the delta.
  boost::json::object step();
  bool over() const { return ended_ || game_->over(); }
  boost::json::object snapshot() const;
  std::uint64_t tick() const { return game_->tick_count(); }
  int bot_decisions() const { return bot_decisions_; }

  // Seat control: a bot takes over (or gives back) a seat whose player left.
  void set_bot(int seat, bool bot);
  bool is_bot(int seat) const;
  void forfeit(int seat);
  void rejoined(int seat);
  // Ends the match with an error result (the mode threw or overran its budget).
  void fail(const std::string& why);
  MatchRecord record() const;

 private:
  MatchSpec spec_;
  const GameInfo& info_;
  std::unique_ptr<GameMode> game_;
  BotFactory make_bot_;
  std::vector<std::unique_ptr<BotBrain>> bots_;  // per seat, null when a human plays it
  std::vector<LoggedInput> log_;
  std::string error_;
  bool ended_ = false;
  int bot_decisions_ = 0;
};

// Re-runs a stored match from its seed and input log. Returns the final state hash and tick;
// throws std::runtime_error if the game is unknown or an input that was accepted is refused now.
struct ReplayOutcome {
  std::uint64_t final_hash = 0;
  std::uint64_t ticks = 0;
  bool matches = false;  // same hash and tick as recorded
};
ReplayOutcome replay(const MatchRecord& rec, const GameRegistry& games);

// The record as JSON (what the store keeps) and back. from_json throws std::runtime_error.
boost::json::object to_json(const MatchRecord& rec);
MatchRecord record_from_json(const boost::json::value& v);

}  // namespace arena::match
