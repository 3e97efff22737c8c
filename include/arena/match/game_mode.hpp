#pragma once
// What a game is to the match host: a deterministic state machine over seats, inputs and ticks.
// A mode validates every input itself (inputs are untrusted), advances one tick at a time,
// and reports snapshots, per-tick deltas, whether it is over and the result. Given the same
// seats, seed, settings and inputs (at the same ticks) it must end in the same state: replays
// and anti-cheat re-run it and compare state_hash(). docs/game-modes.md walks through adding
// one, and lists the rules a game keeps so that its matches replay.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "arena/match/game_settings.hpp"
#include "arena/match/random.hpp"

namespace arena::match {

struct Seat {
  std::string user_id;  // empty for a bot
  bool bot = false;
  int team = 0;
};

// The viewer of a snapshot who has no seat: a spectator (match.watch) sees the public view.
inline constexpr int kSpectator = -1;

// A refused input: `code` is stable (sent to the client in an error frame).
class InputError : public std::runtime_error {
 public:
  InputError(std::string code, const std::string& message) : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

struct Placement {
  int seat = 0;
  int place = 0;  // 1 = best; seats that tie share a place
  boost::json::object stats;
};

struct GameResult {
  std::vector<Placement> placements;
  boost::json::object summary;
};

// What start() is given. Copy what you need: the references are valid during start() only.
struct GameStart {
  const std::vector<Seat>& seats;
  std::uint64_t seed = 0;  // all randomness comes from it (use Random, not std::shuffle)
  int tick_rate = 0;       // ticks per second this match runs at (the mode may change the game's)
  const GameSettings& settings;
  // Whole ticks for a span of seconds at this match's rate (at least one).
  int ticks(double seconds) const {
    const double t = seconds * tick_rate;
    return t < 1 ? 1 : static_cast<int>(std::lround(t));
  }
};

// What one tick changed. `delta` is public: every player and spectator gets it. own(seat) is
// what only that seat may see (hidden information: its cards, what its fog of war reveals); a
// seat with an own part gets {"d": delta, "own": its part}.
struct TickOutput {
  boost::json::object delta;
  std::map<int, boost::json::object> own_parts;
  boost::json::object& own(int seat) { return own_parts[seat]; }
};

// Something the game wants recorded beyond its state ("tag.tagged", "cycles.crash"): kept with
// the match record (and, once the event pipeline exists, sent into it). `tick` is stamped by
// the runner.
struct GameEvent {
  std::uint64_t tick = 0;
  std::string type;
  boost::json::object data;
};

class GameMode {
 public:
  virtual ~GameMode() = default;
  virtual void start(const GameStart& s) = 0;
  // Applies one input of `seat` (it takes effect at the next tick). Throws InputError, and only
  // before it changes anything: a refused input leaves the state as it was.
  virtual void input(int seat, const boost::json::value& d) = 0;
  // Advances one tick and writes what changed (leave it empty when nothing did: nothing is sent).
  virtual void tick(TickOutput& out) = 0;
  virtual bool over() const = 0;
  virtual GameResult result() const = 0;
  // The state as `viewer` (a seat, or kSpectator) may see it, enough for a client that knows
  // nothing. A game without hidden information ignores `viewer`.
  virtual boost::json::object snapshot(int viewer) const = 0;
  virtual std::uint64_t state_hash() const = 0;
  virtual std::uint64_t tick_count() const = 0;
  // A seat's player left for good (after the grace period, when the mode says forfeit).
  virtual void forfeit(int seat) = 0;
  // A seat's player left and a bot plays the seat from now on; and when they are back. Both are
  // in the input log (replays call them at the same tick), so the game may change state here.
  virtual void on_leave(int /*seat*/) {}
  virtual void on_rejoin(int /*seat*/) {}

  // Events emitted since the last call (the runner takes them after every input and tick).
  std::vector<GameEvent> take_events() { return std::exchange(events_, {}); }
  std::uint64_t events_dropped() const { return events_dropped_; }

 protected:
  // Records an event; at most kMaxPendingEvents wait between two takes, more are counted, not kept.
  void emit(std::string type, boost::json::object data = {});
  static constexpr std::size_t kMaxPendingEvents = 256;

 private:
  std::vector<GameEvent> events_;
  std::uint64_t events_dropped_ = 0;
};

// Drives a seat whose player is a bot (or has left and a bot took over).
class BotBrain {
 public:
  virtual ~BotBrain() = default;
  // The input this bot sends before the next tick, or null for none.
  virtual boost::json::value decide(const GameMode& game, int seat) = 0;
};

// A bot for one game: choose() gets the game as its own type.
template <class Game>
class Bot : public BotBrain {
 public:
  virtual boost::json::value choose(const Game& game, int seat) = 0;
  boost::json::value decide(const GameMode& game, int seat) final {
    return choose(static_cast<const Game&>(game), seat);  // the registry pairs a game with its own bot
  }
};

struct GameInfo {
  std::string name;
  int min_players = 2;
  int max_players = 2;
  int tick_rate = 20;                    // ticks per second the host runs it at, unless the mode says otherwise
  bool forfeit_on_leave = false;         // after the grace period: forfeit (true) or a bot takes over
  std::vector<SettingSpec> settings;     // what a mode's [..settings] table may set
  std::vector<std::string> score_stats;  // numeric per-seat result stats that score leaderboards may take
  // The types of the events the game emits ("<name>.<what>": docs/game-modes.md): the game-event
  // pipeline records these; another type is dead-lettered (unknown_type).
  std::vector<std::string> event_types;
  int rules = 1;  // bump when a change makes old records replay differently: replay refuses them
  std::function<std::unique_ptr<GameMode>()> make;
  std::function<std::unique_ptr<BotBrain>()> make_bot;  // the rule-based default
};

// `info` with the factories of Game and its bot filled in.
template <class Game, class BotT>
GameInfo game(GameInfo info) {
  info.make = [] { return std::make_unique<Game>(); };
  info.make_bot = [] { return std::make_unique<BotT>(); };
  return info;
}

class GameRegistry {
 public:
  void add(GameInfo info);
  const GameInfo* find(std::string_view name) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, GameInfo, std::less<>> games_;
};

// Every game built into this binary: one per directory games/<name>/ (games/CMakeLists.txt
// generates the list; each game's file registers itself with ARENA_GAME). Defined in arena::games.
GameRegistry builtin_games();

// FNV-1a, for state hashes.
inline std::uint64_t fnv1a(const void* data, std::size_t n, std::uint64_t h = 1469598103934665603ULL) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ULL;
  return h;
}

}  // namespace arena::match

// In games/<name>/<name>.cpp, at file scope:
//   ARENA_GAME(tag) { return arena::match::game<Tag, TagBot>({.name = "tag", ...}); }
// The identifier is the directory's name; the build calls the function to register the game.
#define ARENA_GAME(id) ::arena::match::GameInfo arena_game_##id()
