#pragma once
// The host's state, shared by host.cpp (match.found, starting a match, lifecycle),
// host_tick.cpp (ticks, the end, the store-retry path) and host_ops.cpp (match ops, leaves,
// presence).
#include <boost/json.hpp>

#include <map>
#include <random>
#include <unordered_map>

#include "arena/bus/payload.hpp"
#include "arena/core/log.hpp"
#include "arena/core/mutex.hpp"
#include "arena/match/host.hpp"
#include "arena/match/runner.hpp"
#include "arena/match/scheduler.hpp"
#include "arena/protocol/messages.hpp"
#include "arena/protocol/subjects.hpp"
#include "arena/router/router.hpp"

namespace arena::match {
namespace json = boost::json;
namespace payload = bus::payload;

struct MatchHost::Impl : std::enable_shared_from_this<Impl> {
  bus::Bus& bus;
  GameRegistry games;
  MatchStore& store;
  const core::Clock& clock;
  HostSettings settings;
  BotFactory make_bot;
  MatchHost::MatchEvent match_events;  // from the constructor
  router::Router router;
  std::shared_ptr<spdlog::logger> log = log::get("host");
  Scheduler scheduler;
  Scheduler upkeep;  // checkpoints and adoptions (store calls): never on a tick thread

  metrics::Family<metrics::Histogram>& tick_seconds;
  metrics::Family<metrics::Histogram>& lateness;
  metrics::Family<metrics::Counter>& behind;
  metrics::Gauge& active_matches;
  metrics::Gauge& players;
  metrics::Family<metrics::Counter>& bot_decisions;
  metrics::Family<metrics::Counter>& ended_total;
  metrics::Counter& bad_found;
  metrics::Counter& adopted_total;
  metrics::Counter& lost_total;
  metrics::Counter& checkpoints;
  metrics::Counter& checkpoint_failures;

  // The game's metric children, resolved when its match starts: a tick looks nothing up.
  struct GameMetrics {
    metrics::Histogram* tick_seconds;
    metrics::Histogram* lateness;
    metrics::Counter* behind;
    metrics::Counter* bot_decisions;
  };

  struct Match {
    core::Mutex mu;  // the runner is single-threaded: ticks, inputs and leaves take turns
    GameMetrics m{};
    std::unique_ptr<MatchRunner> runner ARENA_PT_GUARDED_BY(mu);
    std::unordered_map<std::string, int> seat_of ARENA_GUARDED_BY(mu);  // human user -> seat
    std::vector<std::string> humans ARENA_GUARDED_BY(mu);               // still in the match (left ones are removed)
    std::unique_ptr<bus::Subscription> op_sub ARENA_GUARDED_BY(mu);
    std::chrono::steady_clock::duration period{};
    int overruns ARENA_GUARDED_BY(mu) = 0;
    int bot_decisions_reported ARENA_GUARDED_BY(mu) = 0;
    bool finished ARENA_GUARDED_BY(mu) = false;
    std::vector<std::string> watchers ARENA_GUARDED_BY(mu);  // spectators (match.watch)
    // Who is owed a full snapshot (a player back online, a new spectator) and as which viewer:
    // sent by the next tick, before its delta, so a snapshot never overtakes (or trails) the
    // deltas around it.
    std::vector<std::pair<std::string, int>> snapshot_due ARENA_GUARDED_BY(mu);
    // Failover: the lease this host holds the match by, how much of the log the store has, and
    // whether the store knows the match yet (its first checkpoint writes the spec).
    Lease lease ARENA_GUARDED_BY(mu);
    std::size_t logged ARENA_GUARDED_BY(mu) = 0;
    std::size_t events_sent ARENA_GUARDED_BY(mu) = 0;  // the runner's game events already handed to match_events
    bool begun ARENA_GUARDED_BY(mu) = false;
    // Players offline when this host adopted the match, with the unix ms by which they must be
    // back (HostSettings::rejoin_grace); a tick past it makes them leave.
    std::map<std::string, std::int64_t> absent ARENA_GUARDED_BY(mu);
  };
  using MatchPtr = std::shared_ptr<Match>;

  mutable core::Mutex mu;  // the tables below; never held while a match's own lock is taken or a message sent
  std::unordered_map<std::string, MatchPtr> matches ARENA_GUARDED_BY(mu);
  std::unordered_map<std::string, std::vector<std::string>> matches_of ARENA_GUARDED_BY(mu);  // user -> match ids
  std::unordered_map<std::string, std::vector<std::string>> watching ARENA_GUARDED_BY(mu);    // spectator -> match ids
  std::vector<std::unique_ptr<bus::Subscription>> subs;

  Impl(bus::Bus& b, GameRegistry g, MatchStore& s, const core::Clock& c, metrics::Registry& r, HostSettings hs,
       BotFactory bots)
      : bus(b),
        games(std::move(g)),
        store(s),
        clock(c),
        settings(std::move(hs)),
        make_bot(std::move(bots)),
        router(b),
        scheduler(settings.threads),
        upkeep(settings.checkpoint_interval.count() > 0 ? 1 : 0),
        tick_seconds(r.histogram("game_tick_duration_seconds", "Time one match tick took", {"game"},
                                 {0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05})),
        lateness(r.histogram("game_tick_lateness_seconds", "How late a tick started against its schedule", {"game"},
                             {0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1})),
        behind(r.counter("game_ticks_behind_total", "Ticks that started more than one period late", {"game"})),
        active_matches(r.gauge("game_matches_active", "Matches running on this host").with({})),
        players(r.gauge("game_players_in_matches", "Human players in running matches").with({})),
        bot_decisions(r.counter("game_bot_decisions_total", "Bot decisions made", {"game"})),
        ended_total(r.counter("game_matches_ended_total", "Matches ended, by outcome", {"game", "outcome"})),
        bad_found(r.counter("host_bad_match_found_total",
                            "match.found messages refused (malformed, or a game this host does not run)")
                      .with({})),
        adopted_total(r.counter("host_matches_adopted_total",
                                "Matches this host took over from a host that stopped renewing their lease")
                          .with({})),
        lost_total(
            r.counter("host_matches_lost_total", "Matches this host stopped because another host holds their lease now")
                .with({})),
        checkpoints(r.counter("host_checkpoints_total", "Checkpoint rounds written (every running match of this host)")
                        .with({})),
        checkpoint_failures(
            r.counter("host_checkpoint_failures_total", "Checkpoint or adoption rounds the store refused").with({})) {}

  // A push decided under a match's lock and sent after it is released.
  struct Push {
    std::vector<std::string> users;
    std::string op;
    json::object d;
  };
  void send(std::vector<Push>& pushes);

  void on_found(const bus::Message& m);
  void start(const MatchSpec& requested, const GameInfo& info);
  // Puts a match with its runner and seated humans into the tables and subscribes its ops; false
  // when the match runs here already.
  bool enroll(const MatchPtr& match, std::unique_ptr<MatchRunner> runner, const std::vector<std::string>& humans);
  // Starts ticking an enrolled match.
  void schedule(const MatchPtr& match);
  // Takes a match out of the tables (and its op subscription, returned to drop outside the locks):
  // after this no op or presence change finds it. Returns who was in it, or nullopt when another
  // caller retired it already (a lost lease found by the checkpoint and by the result write).
  struct Retired {
    std::string id;
    std::vector<std::string> humans, watchers;
  };
  std::optional<Retired> retire(const MatchPtr& match, std::unique_ptr<bus::Subscription>& sub);
  // match.ended on the bus and to the players and spectators.
  void announce_end(const MatchRecord& rec, const std::vector<std::string>& told);

  // Failover (host_failover.cpp), on the upkeep thread: writes every match's checkpoint and
  // renews (or, with lease_until 0, lets go of) its lease; stops the matches another host took.
  void checkpoint_all(std::int64_t lease_until);
  // Takes over matches whose lease ran out and plays them on from their checkpoint.
  void adopt_orphans();
  void resume(AdoptedMatch adopted, const GameInfo& info);
  // A match that cannot be taken up ends with an error result, stored under the adopter's lease.
  void end_unrunnable(const AdoptedMatch& adopted, const std::string& error);
  // Another host holds the match's lease: stop it here without a result.
  void drop(const MatchPtr& match);
  // One tick of one match, on a scheduler thread. False when the match is over.
  bool tick(const MatchPtr& match, Scheduler::Clock::duration late);
  // Stores the result, then tells everyone. A failed write is retried: the result is never lost
  // and match.ended never goes out before it is stored.
  void finish(const MatchPtr& match);
  void send_game_events(Match& match) ARENA_REQUIRES(match.mu);
  // The player is gone for good: a bot takes the seat, or the seat forfeits, as the game says.
  void leave(const MatchPtr& match, const std::string& user);
  void leave_locked(Match& match, const std::string& user) ARENA_REQUIRES(match.mu);
  void on_op(const std::string& id, const bus::Message& m);
  // match.watch / match.unwatch: the answer to send.
  json::object watch(const MatchPtr& match, const std::string& id, const std::string& user);
  json::object unwatch(const MatchPtr& match, const std::string& id, const std::string& user);
  // Presence: back online (a new session) -> a fresh snapshot of every match the user is in;
  // gone for good (the session ended after the resume window) -> leave.
  void on_presence(const bus::Message& m);
};

}  // namespace arena::match
