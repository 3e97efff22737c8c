#pragma once
// What a game is to the match host: a deterministic state machine over seats, inputs and ticks.
// A mode validates every input itself (inputs are untrusted), advances one tick at a time,
// and reports snapshots, per-tick deltas, whether it is over and the result. Given the same
// seats, seed and inputs (at the same ticks) it must end in the same state: replays and
// anti-cheat re-run it and compare state_hash(). docs/game-modes.md walks through adding one.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace arena::match {

struct Seat {
  std::string user_id;  // empty for a bot
  bool bot = false;
  int team = 0;
};

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

class GameMode {
 public:
  virtual ~GameMode() = default;
  virtual void start(const std::vector<Seat>& seats, std::uint64_t seed) = 0;
  // Applies one input of `seat` (it takes effect at the next tick). Throws InputError.
  virtual void input(int seat, const boost::json::value& d) = 0;
  // Advances one tick and writes what changed into `delta` (empty when nothing did).
  virtual void tick(boost::json::object& delta) = 0;
  virtual bool over() const = 0;
  virtual GameResult result() const = 0;
  virtual boost::json::object snapshot() const = 0;
  virtual std::uint64_t state_hash() const = 0;
  virtual std::uint64_t tick_count() const = 0;
  // A seat's player left for good (after the grace period, when the mode says forfeit).
  virtual void forfeit(int seat) = 0;
  // A seat's player left and a bot plays the seat from now on (the mode may note it).
  virtual void on_leave(int /*seat*/) {}
  // A seat's player is back with a new session (they are sent a full snapshot).
  virtual void on_rejoin(int /*seat*/) {}
};

// Drives a seat whose player is a bot (or has left and a bot took over).
class BotBrain {
 public:
  virtual ~BotBrain() = default;
  // The input this bot sends before the next tick, or null for none.
  virtual boost::json::value decide(const GameMode& game, int seat) = 0;
};

struct GameInfo {
  std::string name;
  int min_players = 2;
  int max_players = 2;
  int tick_rate = 20;             // ticks per second the host runs it at
  bool forfeit_on_leave = false;  // after the grace period: forfeit (true) or a bot takes over
  std::function<std::unique_ptr<GameMode>()> make;
  std::function<std::unique_ptr<BotBrain>()> make_bot;  // the rule-based default
};

class GameRegistry {
 public:
  void add(GameInfo info);
  const GameInfo* find(std::string_view name) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, GameInfo, std::less<>> games_;
};

// cycles (light cycles, 2-8 players, 20 Hz) and four (connect four, 2 players, turn-based).
GameRegistry builtin_games();

// FNV-1a, for state hashes.
inline std::uint64_t fnv1a(const void* data, std::size_t n, std::uint64_t h = 1469598103934665603ULL) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ULL;
  return h;
}

}  // namespace arena::match
