#pragma once
// The composition root: builds every module from Settings and wires them together. The only
// place that knows the wiring; `arena serve` and the integration tests both start an App.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "arena/config/settings.hpp"
#include "arena/core/clock.hpp"

namespace arena::bus {
class Bus;
}
namespace arena::http {
class Router;
}
namespace arena::runtime {
class Timers;
}

namespace arena::app {

class App {
 public:
  // `clock` must outlive the App; tests pass a FakeClock.
  explicit App(config::Settings settings, const core::Clock& clock);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Opens storage, applies migrations, starts serving. Throws std::runtime_error on failure.
  void start();
  std::uint16_t port() const;
  // Graceful stop; true when in-flight work finished within the shutdown timeout.
  bool drain();
  const std::string& node_id() const;
  bus::Bus& bus();  // after start()
  runtime::Timers& timers();
  const http::Router& routes() const;  // every route this process serves, after start()

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `arena serve`: runs until SIGINT/SIGTERM, then drains. Returns the process exit code.
int serve(const config::Settings& settings);
// `arena replay <match-id>`: re-simulates a stored match and checks its final state.
// Exit 0 verified, 1 mismatch, 2 no such match.
int replay(const config::Settings& settings, const std::string& match_id);
// `arena simulate <game>`: the game played headless by its bots (seats without a bot stay idle),
// checked as it goes; prints the result, the events, the final hash and whether the record
// replays. Exit 0 verified, 1 a replay rule broken or a mismatch, 2 bad arguments.
struct SimulateOptions {
  std::string game;
  int seats = 0;  // 0: the game's minimum
  int bots = -1;  // -1: every seat
  std::uint64_t seed = 1;
  std::uint64_t ticks = 0;  // 0: to the end
  int tick_rate = 0;        // 0: the game's
  std::vector<std::pair<std::string, std::string>> settings;
  bool json = false;
};
int simulate(const SimulateOptions& options);
// `arena jobs list|show|retry|cancel|purge`: the job queue in the data dir's database.
// Exit 0 done, 2 no such job or not in a state that allows it.
struct JobsCommand {
  std::string action;  // list, show, retry, cancel, purge
  std::int64_t id = 0;
  std::string state, queue, kind;
  std::int64_t after = 0;
  int limit = 100;
};
int jobs_command(const config::Settings& settings, const JobsCommand& command);
// `arena events tail`: game events as the events role writes them, one JSON line each (the
// stream's envelope), from `since` (unix ms; default now) on, polled every `interval_ms`; until
// interrupted, or for `seconds` when that is set.
struct EventsTail {
  std::string type;  // empty: every type
  std::optional<std::int64_t> since;
  int seconds = 0;
  int interval_ms = 500;
};
int events_tail(const config::Settings& settings, const EventsTail& command);
// `arena games`: every built-in game with its players, tick rate and settings.
int list_games();
// `arena migrate up|status`. Returns the process exit code.
int migrate(const config::Settings& settings, const std::string& action);

}  // namespace arena::app
