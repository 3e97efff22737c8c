#include "arena/match/host.hpp"

#include <boost/json.hpp>

#include <mutex>
#include <random>
#include <unordered_map>

#include "arena/bus/payload.hpp"
#include "arena/core/log.hpp"
#include "arena/core/mutex.hpp"
#include "arena/match/runner.hpp"
#include "arena/match/scheduler.hpp"
#include "arena/protocol/messages.hpp"
#include "arena/protocol/subjects.hpp"
#include "arena/router/router.hpp"
#include "seat_plan.hpp"

namespace arena::match {
namespace json = boost::json;
namespace payload = bus::payload;

namespace {}  // namespace

struct MatchHost::Impl : std::enable_shared_from_this<Impl> {
  bus::Bus& bus;
  GameRegistry games;
  MatchStore& store;
  const core::Clock& clock;
  HostSettings settings;
  BotFactory make_bot;
  router::Router router;
  std::shared_ptr<spdlog::logger> log = log::get("host");
  Scheduler scheduler;

  metrics::Family<metrics::Histogram>& tick_seconds;
  metrics::Family<metrics::Histogram>& lateness;
  metrics::Family<metrics::Counter>& behind;
  metrics::Gauge& active_matches;
  metrics::Gauge& players;
  metrics::Family<metrics::Counter>& bot_decisions;
  metrics::Family<metrics::Counter>& ended_total;
  metrics::Counter& bad_found;

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
  };
  using MatchPtr = std::shared_ptr<Match>;

  mutable core::Mutex mu;  // the tables below; never held while a match's own lock is taken or a message sent
  std::unordered_map<std::string, MatchPtr> matches ARENA_GUARDED_BY(mu);
  std::unordered_map<std::string, std::vector<std::string>> matches_of ARENA_GUARDED_BY(mu);  // user -> match ids
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
                      .with({})) {}

  // ------------------------------------------------------------------ starting

  void on_found(const bus::Message& m) {
    const auto found = protocol::decode<protocol::MatchFound>(m.data);
    const GameInfo* info = found ? games.find(found->game) : nullptr;
    if (info == nullptr) {  // malformed, or a game this host does not run: never a default game
      bad_found.inc();
      log->error("msg=\"match.found refused\" match_id={} game={}", found ? found->match_id : "?",
                 found ? found->game : "?");
      return;
    }
    MatchSpec spec;
    spec.match_id = found->match_id;
    spec.game = found->game;
    spec.mode = found->mode;
    spec.region = found->region;
    spec.seats = plan_seats(*found, *info);
    spec.seed = std::random_device{}() * 0x9E3779B97F4A7C15ULL ^ std::random_device{}();
    const int rate = found->tick_rate > 0 ? found->tick_rate : info->tick_rate;  // a mode may run it faster or slower
    start(std::move(spec), *info, rate);
  }

  void start(MatchSpec spec, const GameInfo& info, int tick_rate) {
    auto match = std::make_shared<Match>();
    match->m = {&tick_seconds.with({spec.game}), &lateness.with({spec.game}), &behind.with({spec.game}),
                &bot_decisions.with({spec.game})};
    try {
      match->runner = std::make_unique<MatchRunner>(spec, info, make_bot);
    } catch (const std::exception& e) {
      log->error("msg=\"match could not start\" match_id={} error=\"{}\"", spec.match_id, e.what());
      return;
    }
    json::array teams;
    std::vector<std::string> seated;  // the humans at the start
    {
      core::Lock lock(match->mu);  // not shared yet; the lock is for the analysis and costs nothing
      for (std::size_t i = 0; i < spec.seats.size(); ++i) {
        const auto& s = spec.seats[i];
        if (!s.bot) {
          match->seat_of[s.user_id] = static_cast<int>(i);
          match->humans.push_back(s.user_id);
        }
        teams.push_back(json::object{{"seat", i},
                                     {"user_id", s.bot ? json::value(nullptr) : json::value(s.user_id)},
                                     {"bot", s.bot},
                                     {"team", s.team}});
      }
      seated = match->humans;
    }
    match->period =
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::seconds(1)) / tick_rate;
    const std::string id = spec.match_id;
    // Once the match is in the tables another bus thread may see it (a presence change makes a
    // player leave): its fields are read only under its lock (the analysis checks).
    {
      core::Lock lock(mu);
      if (matches.count(id) != 0) return;  // a redelivered match.found
      matches[id] = match;
      for (const auto& u : seated) matches_of[u].push_back(id);
    }
    std::weak_ptr<Impl> weak = shared_from_this();
    auto op_sub = bus.subscribe(protocol::match_op(id), [weak, id](const bus::Message& msg) {
      if (auto self = weak.lock()) self->on_op(id, msg);
    });
    {
      core::Lock lock(match->mu);
      match->op_sub = std::move(op_sub);
    }
    active_matches.inc();
    players.inc(static_cast<double>(seated.size()));
    {
      core::Lock lock(match->mu);
      for (const auto& u : match->humans) {  // still seated (one may have left already)
        router.to_user(u, "match.assigned",
                       {{"match_id", id},
                        {"mode", spec.mode},
                        {"game", spec.game},
                        {"region", spec.region},
                        {"teams", teams},
                        {"tick_rate", tick_rate},
                        {"seat", match->seat_of[u]}});
      }
      router.to_users(match->humans, "match.snapshot",
                      {{"match_id", id}, {"tick", 0}, {"state", match->runner->snapshot()}});
    }
    log->info("msg=\"match started\" match_id={} game={} seats={} humans={}", id, spec.game, spec.seats.size(),
              seated.size());
    // The first tick at a random point of the period: matches do not all fall due together.
    const auto phase = match->period * static_cast<long>(std::random_device{}() % 1000) / 1000;
    scheduler.add(match->period, phase, [weak, match](Scheduler::Clock::duration late) {
      auto self = weak.lock();
      return self && self->tick(match, late);
    });
  }

  // ------------------------------------------------------------------ ticking

  // One tick of one match, on a scheduler thread. False when the match is over.
  bool tick(const MatchPtr& match, Scheduler::Clock::duration late) {
    core::UniqueLock lock(match->mu);
    if (match->finished) return false;
    auto& r = *match->runner;
    const std::string& game = r.spec().game;
    match->m.lateness->observe(std::chrono::duration<double>(late).count());
    if (late > match->period) match->m.behind->inc();
    const auto t0 = std::chrono::steady_clock::now();
    json::object delta;
    try {
      delta = r.step();
    } catch (const std::exception& e) {
      log->error("msg=\"game mode failed; ending its match\" match_id={} game={} error=\"{}\"", r.spec().match_id, game,
                 e.what());
      r.fail(std::string("mode error: ") + e.what());
    }
    const auto spent = std::chrono::steady_clock::now() - t0;
    match->m.tick_seconds->observe(std::chrono::duration<double>(spent).count());
    if (!r.over()) {
      match->overruns = spent > match->period * settings.tick_budget ? match->overruns + 1 : 0;
      if (match->overruns >= settings.max_overruns) {
        log->error("msg=\"game mode overran its tick budget; ending its match\" match_id={} game={}", r.spec().match_id,
                   game);
        r.fail("tick budget overrun");
      }
    }
    if (const int d = r.bot_decisions() - match->bot_decisions_reported; d > 0) {
      match->m.bot_decisions->inc(static_cast<std::uint64_t>(d));
      match->bot_decisions_reported = r.bot_decisions();
    }
    if (!delta.empty())
      router.to_users(match->humans, "match.delta",
                      {{"match_id", r.spec().match_id}, {"tick", r.tick()}, {"d", std::move(delta)}});
    if (!r.over()) return true;
    lock.unlock();
    finish(match);
    return false;
  }

  // Stores the result, then tells everyone. A failed write is retried: the result is never lost
  // and match.ended never goes out before it is stored.
  void finish(const MatchPtr& match) {
    MatchRecord rec;
    std::vector<std::string> humans;
    {
      core::Lock lock(match->mu);
      if (match->finished) return;
      rec = match->runner->record();
      humans = match->humans;
    }
    try {
      store.save(rec, clock.now_unix());
    } catch (const std::exception& e) {
      log->error("msg=\"storing a match result failed; retrying\" match_id={} error=\"{}\"", rec.spec.match_id,
                 e.what());
      std::weak_ptr<Impl> weak = shared_from_this();
      scheduler.add(settings.store_retry, [weak, match](Scheduler::Clock::duration) {
        if (auto self = weak.lock()) self->finish(match);
        return false;
      });
      return;
    }
    {
      core::Lock lock(match->mu);
      match->finished = true;
    }
    // Out of the tables before anyone hears of the end: an op after match.ended finds no match.
    {
      core::Lock lock(mu);
      matches.erase(rec.spec.match_id);
      for (const auto& u : humans) {
        auto& ids = matches_of[u];
        ids.erase(std::remove(ids.begin(), ids.end(), rec.spec.match_id), ids.end());
        if (ids.empty()) matches_of.erase(u);
      }
    }
    json::array placements;
    for (const auto& p : rec.result.placements) {
      const auto& seat = rec.spec.seats.at(static_cast<std::size_t>(p.seat));
      placements.push_back(json::object{{"seat", p.seat},
                                        {"user_id", seat.bot ? json::value(nullptr) : json::value(seat.user_id)},
                                        {"bot", seat.bot},
                                        {"place", p.place},
                                        {"stats", p.stats}});
    }
    json::object result{{"placements", std::move(placements)}, {"summary", rec.result.summary}, {"ticks", rec.ticks}};
    if (!rec.error.empty()) result["error"] = rec.error;
    bus.publish(protocol::kMatchEnded, protocol::encode(protocol::MatchEnded{rec.spec.match_id, rec.spec.mode,
                                                                             rec.spec.game, json::serialize(result)}));
    router.to_users(humans, "match.ended", {{"match_id", rec.spec.match_id}, {"result", result}});
    ended_total.with({rec.spec.game, rec.error.empty() ? "finished" : "error"}).inc();
    std::unique_ptr<bus::Subscription> sub;
    {
      core::Lock lock(match->mu);
      sub = std::move(match->op_sub);
    }
    sub.reset();
    active_matches.dec();
    players.dec(static_cast<double>(humans.size()));
    log->info("msg=\"match ended\" match_id={} ticks={} error=\"{}\"", rec.spec.match_id, rec.ticks, rec.error);
  }

  // ------------------------------------------------------------------ players

  // The player is gone for good: a bot takes the seat, or the seat forfeits, as the game says.
  void leave(const MatchPtr& match, const std::string& user) {
    core::Lock lock(match->mu);
    auto it = match->seat_of.find(user);
    if (it == match->seat_of.end() || match->finished) return;
    const int seat = it->second;
    if (match->runner->info().forfeit_on_leave) {
      match->runner->forfeit(seat);
    } else {
      match->runner->set_bot(seat, true);
    }
    match->humans.erase(std::remove(match->humans.begin(), match->humans.end(), user), match->humans.end());
    match->seat_of.erase(it);
    players.dec();
  }

  void on_op(const std::string& id, const bus::Message& m) {
    auto o = payload::parse(m.data);
    const std::string user = o ? payload::token(*o, "user_id") : std::string();
    const auto* op = o ? o->if_contains("op") : nullptr;
    if (!o || user.empty() || op == nullptr || !op->is_string()) {
      payload::reply(bus, m, payload::error(Code::invalid_request, "match ops need op and user_id"));
      return;
    }
    MatchPtr match;
    {
      core::Lock lock(mu);
      if (auto it = matches.find(id); it != matches.end()) match = it->second;
    }
    if (!match) {
      payload::reply(bus, m, payload::error(Code::no_such_match, "that match is not running"));
      return;
    }
    const std::string name(op->as_string());
    core::UniqueLock lock(match->mu);
    auto seat = match->seat_of.find(user);
    if (seat == match->seat_of.end()) {
      payload::reply(bus, m, payload::error(Code::not_in_match, "you are not playing in this match"));
      return;
    }
    if (name == "match.input") {
      const auto* d = o->if_contains("d");
      try {
        match->runner->input(seat->second, d != nullptr ? *d : json::value(nullptr));
      } catch (const InputError& e) {
        payload::reply(bus, m, payload::error(e.code(), e.what()));
        return;
      }
      payload::reply(bus, m, {{"d", {{"match_id", id}, {"tick", match->runner->tick()}}}});
    } else if (name == "match.snapshot") {
      payload::reply(
          bus, m, {{"d", {{"match_id", id}, {"tick", match->runner->tick()}, {"state", match->runner->snapshot()}}}});
    } else if (name == "match.leave") {
      lock.unlock();
      leave(match, user);
      payload::reply(bus, m, {{"d", {{"match_id", id}}}});
    } else {
      payload::reply(bus, m, payload::error(Code::unknown_op, "no match op '" + name.substr(0, 64) + "'"));
    }
  }

  // Presence: back online (a new session) -> a fresh snapshot of every match the user is in;
  // gone for good (the session ended after the resume window) -> leave.
  void on_presence(const bus::Message& m) {
    const auto change = protocol::decode<protocol::PresenceChanged>(m.data);
    if (!change) return;
    const std::string& user = change->user_id;
    std::vector<MatchPtr> mine;
    {
      core::Lock lock(mu);
      if (auto it = matches_of.find(user); it != matches_of.end())
        for (const auto& id : it->second)
          if (auto mt = matches.find(id); mt != matches.end()) mine.push_back(mt->second);
    }
    for (const auto& match : mine) {
      if (change->online) {
        core::Lock lock(match->mu);
        auto& r = *match->runner;
        if (auto seat = match->seat_of.find(user); seat != match->seat_of.end()) r.rejoined(seat->second);
        router.to_user(user, "match.snapshot",
                       {{"match_id", r.spec().match_id}, {"tick", r.tick()}, {"state", r.snapshot()}});
      } else {
        leave(match, user);
      }
    }
  }
};

MatchHost::MatchHost(bus::Bus& bus, GameRegistry games, MatchStore& store, const core::Clock& clock,
                     metrics::Registry& registry, HostSettings settings, BotFactory make_bot)
    : impl_(std::make_shared<Impl>(bus, std::move(games), store, clock, registry, std::move(settings),
                                   std::move(make_bot))) {
  std::weak_ptr<Impl> weak = impl_;
  impl_->subs.push_back(bus.subscribe(
      protocol::kMatchFound,
      [weak](const bus::Message& m) {
        if (auto self = weak.lock()) self->on_found(m);
      },
      protocol::kHostGroup));
  impl_->subs.push_back(bus.subscribe(protocol::kPresenceChangedAll, [weak](const bus::Message& m) {
    if (auto self = weak.lock()) self->on_presence(m);
  }));
}

MatchHost::~MatchHost() {
  impl_->subs.clear();
  impl_->scheduler.stop();
  core::Lock lock(impl_->mu);
  for (auto& [id, m] : impl_->matches) m->op_sub.reset();
}

std::size_t MatchHost::active() const {
  core::Lock lock(impl_->mu);
  return impl_->matches.size();
}

}  // namespace arena::match
