#pragma once
// One running match: the game, the bots in its seats and the input log, advanced one tick at a
// time. Every accepted input, and every leave, rejoin and forfeit, is logged with the tick it
// happened before, so replay() can re-run the match from its seed, settings and log and compare
// the final state hash and the game's events. Not thread-safe: the scheduler runs one match on
// one thread at a time.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
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
  int tick_rate = 0;             // 0: the game's own; the runner fills it in
  boost::json::object settings;  // the mode's game settings; the runner fills in the defaults
  int rules = 0;                 // the game's rules version (GameInfo::rules); the runner fills it in
};

struct LoggedInput {
  enum class Kind { input, forfeit, leave, rejoin };
  std::uint64_t tick = 0;  // applied before this tick ran (0: before the first)
  int seat = 0;
  boost::json::value d;  // the input (null for the other kinds)
  Kind kind = Kind::input;
};

// The record format. 1: before settings, events and logged leaves (a forfeit was the input
// {"forfeit":true}); 2: now.
inline constexpr int kRecordVersion = 2;

struct MatchRecord {  // what is stored when a match ends, and what replay() needs
  MatchSpec spec;
  GameResult result;
  std::vector<LoggedInput> inputs;
  std::vector<GameEvent> events;  // the game's, in order (at most MatchRunner::kMaxEvents)
  std::uint64_t events_dropped = 0;
  std::uint64_t ticks = 0;
  std::uint64_t final_hash = 0;
  std::string error;  // non-empty when the match ended because the mode failed
  int version = kRecordVersion;
};

// A game broke a rule that replays depend on (found when the runner checks, see set_checked).
class RuleBroken : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Makes the brain of a bot seat; by default the game's rule-based bot. (The host passes one
// that asks an external policy service, falling back to the rule-based bot.)
using BotFactory = std::function<std::unique_ptr<BotBrain>(const GameInfo& info, const MatchSpec& spec, int seat)>;

class MatchRunner {
 public:
  static constexpr std::size_t kMaxEvents = 10'000;  // per match; more are counted in events_dropped

  // Throws SettingError when spec.settings do not fit the game, std::invalid_argument when the
  // game cannot start with these seats.
  MatchRunner(MatchSpec spec, const GameInfo& info, BotFactory make_bot = {});
  // Takes up a match another host ran (it died): replays `log` (the entries it checkpointed) to
  // `ticks` ticks and checks the state hash, then goes on from there. Seats that left are bots
  // again (fresh brains). Throws std::runtime_error when the game runs other rules, an entry is
  // refused, or the state reached is not the one checkpointed.
  static std::unique_ptr<MatchRunner> resume(const MatchSpec& spec, const GameInfo& info, std::vector<LoggedInput> log,
                                             std::uint64_t ticks, std::uint64_t hash, BotFactory make_bot = {});

  const MatchSpec& spec() const { return spec_; }
  const GameInfo& info() const { return info_; }
  // Checks the replay rules the runner can see as it goes (costs a state hash per input): an
  // input that is refused must leave the state as it was, else RuleBroken. For tests and
  // `arena simulate`; the host does not pay for it.
  void set_checked(bool on) { checked_ = on; }
  // A player's input: validated by the game, logged when accepted. Throws InputError.
  void input(int seat, const boost::json::value& d);
  // Bots (and seats a bot took over) decide, then the game ticks. Returns what changed.
  TickOutput step();
  bool over() const { return ended_ || game_->over(); }
  boost::json::object snapshot(int viewer) const;
  std::uint64_t tick() const { return game_->tick_count(); }
  std::uint64_t state_hash() const { return game_->state_hash(); }
  // Every accepted input, leave, rejoin and forfeit so far (what a checkpoint writes).
  const std::vector<LoggedInput>& log() const { return log_; }
  int bot_decisions() const { return bot_decisions_; }
  // The game's events so far, in order (at most kMaxEvents).
  const std::vector<GameEvent>& events() const { return events_; }

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
  void take_events();
  void bot_input(int seat, boost::json::value d);

  GameSettings settings_;
  std::vector<LoggedInput> log_;
  std::vector<GameEvent> events_;
  std::uint64_t events_dropped_ = 0;
  bool checked_ = false;
  std::string error_;
  bool ended_ = false;
  int bot_decisions_ = 0;
};

// Re-runs a stored match from its seed, settings and log. Returns the final state hash and tick;
// throws std::runtime_error if the game is unknown, was recorded under other rules (or an older
// record format), or an input that was accepted is refused now.
struct ReplayOutcome {
  std::uint64_t final_hash = 0;
  std::uint64_t ticks = 0;
  bool same_events = false;  // the game emitted the recorded events again
  bool matches = false;      // same hash, tick and events as recorded
};
ReplayOutcome replay(const MatchRecord& rec, const GameRegistry& games);

// The record as JSON (what the store keeps) and back. from_json throws std::runtime_error.
boost::json::object to_json(const MatchRecord& rec);
MatchRecord record_from_json(const boost::json::value& v);
// The parts a running match's checkpoint keeps, in the record's format: the spec, and log entries
// [from, to). The readers throw std::runtime_error.
boost::json::object spec_to_json(const MatchSpec& spec);
MatchSpec spec_from_json(const boost::json::value& v);
boost::json::array log_to_json(const std::vector<LoggedInput>& log, std::size_t from, std::size_t to);
std::vector<LoggedInput> log_from_json(const boost::json::value& v, int version = kRecordVersion);

}  // namespace arena::match
