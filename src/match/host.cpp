// The host: match.found, starting a match, and the host's lifecycle.
#include <mutex>

#include "arena/core/random.hpp"
#include "host_impl.hpp"
#include "seat_plan.hpp"

namespace arena::match {

void MatchHost::Impl::send(std::vector<Push>& pushes) {
  for (auto& p : pushes) router.to_users(p.users, p.op, p.d);
  pushes.clear();
}

void MatchHost::Impl::on_found(const bus::Message& m) {
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
  spec.tick_rate = found->tick_rate;  // 0: the game's own (a mode may run it faster or slower)
  spec.settings = found->settings;    // checked against the game's declaration by the runner
  start(spec, *info);
}

void MatchHost::Impl::start(const MatchSpec& requested, const GameInfo& info) {
  std::unique_ptr<MatchRunner> runner;
  try {
    runner = std::make_unique<MatchRunner>(requested, info, make_bot);
  } catch (const std::exception& e) {  // settings that do not fit the game, or seats it cannot take
    bad_found.inc();
    log->error("msg=\"match could not start\" match_id={} error=\"{}\"", requested.match_id, e.what());
    return;
  }
  const MatchSpec spec = runner->spec();  // with the tick rate and every setting filled in
  json::array teams;
  std::vector<std::string> seated;  // the humans at the start
  for (std::size_t i = 0; i < spec.seats.size(); ++i) {
    const auto& s = spec.seats[i];
    if (!s.bot) seated.push_back(s.user_id);
    teams.push_back(json::object{{"seat", i},
                                 {"user_id", s.bot ? json::value(nullptr) : json::value(s.user_id)},
                                 {"bot", s.bot},
                                 {"team", s.team}});
  }
  auto match = std::make_shared<Match>();
  {
    core::Lock lock(match->mu);  // not shared yet; the lock is for the analysis and costs nothing
    match->lease = {settings.node, 1};
  }
  if (!enroll(match, std::move(runner), seated)) return;  // a redelivered match.found
  const std::string& id = spec.match_id;
  std::vector<Push> pushes;
  {
    core::Lock lock(match->mu);
    for (const auto& u : match->humans) {  // still seated (one may have left already)
      const int seat = match->seat_of[u];
      pushes.push_back({{u},
                        "match.assigned",
                        {{"match_id", id},
                         {"mode", spec.mode},
                         {"game", spec.game},
                         {"region", spec.region},
                         {"teams", teams},
                         {"tick_rate", spec.tick_rate},
                         {"settings", spec.settings},
                         {"seat", seat}}});
      pushes.push_back(
          {{u}, "match.snapshot", {{"match_id", id}, {"tick", 0}, {"state", match->runner->snapshot(seat)}}});
    }
  }
  send(pushes);
  log->info("msg=\"match started\" match_id={} game={} seats={} humans={}", id, spec.game, spec.seats.size(),
            seated.size());
  if (match_events)
    match_events("match.started", spec, {},
                 {{"game", spec.game},
                  {"seats", teams},
                  {"bots", static_cast<std::int64_t>(spec.seats.size() - seated.size())},
                  {"tick_rate", spec.tick_rate}});
  schedule(match);
}

bool MatchHost::Impl::enroll(const MatchPtr& match, std::unique_ptr<MatchRunner> runner,
                             const std::vector<std::string>& humans) {
  const MatchSpec& spec = runner->spec();
  const std::string id = spec.match_id;
  match->m = {&tick_seconds.with({spec.game}), &lateness.with({spec.game}), &behind.with({spec.game}),
              &bot_decisions.with({spec.game})};
  match->period =
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::seconds(1)) / spec.tick_rate;
  {
    core::Lock lock(match->mu);
    for (const auto& u : humans) {
      for (std::size_t i = 0; i < spec.seats.size(); ++i)
        if (!spec.seats[i].bot && spec.seats[i].user_id == u) match->seat_of[u] = static_cast<int>(i);
      match->humans.push_back(u);
    }
    match->runner = std::move(runner);
  }
  // Once the match is in the tables another bus thread may see it (a presence change makes a
  // player leave): its fields are read only under its lock (the analysis checks).
  {
    core::Lock lock(mu);
    if (matches.count(id) != 0) return false;
    matches[id] = match;
    for (const auto& u : humans) matches_of[u].push_back(id);
  }
  std::weak_ptr<Impl> weak = shared_from_this();
  auto op_sub = bus.subscribe(protocol::match_op(id), [weak, id](const bus::Message& msg) {
    if (auto self = weak.lock()) self->on_op(id, msg);
  });
  active_matches.inc();
  players.inc(static_cast<double>(humans.size()));
  core::Lock lock(match->mu);
  match->op_sub = std::move(op_sub);
  return true;
}

void MatchHost::Impl::schedule(const MatchPtr& match) {
  std::weak_ptr<Impl> weak = shared_from_this();
  // The first tick at a random point of the period: matches do not all fall due together.
  const auto phase = match->period * static_cast<long>(std::random_device{}() % 1000) / 1000;
  scheduler.add(match->period, phase, [weak, match](Scheduler::Clock::duration late) {
    auto self = weak.lock();
    return self && self->tick(match, late);
  });
}

MatchHost::MatchHost(bus::Bus& bus, GameRegistry games, MatchStore& store, const core::Clock& clock,
                     metrics::Registry& registry, HostSettings settings, BotFactory make_bot, MatchEvent events)
    : impl_(std::make_shared<Impl>(bus, std::move(games), store, clock, registry, std::move(settings),
                                   std::move(make_bot))) {
  impl_->match_events = std::move(events);
  if (impl_->settings.node.empty()) impl_->settings.node = "host-" + core::random_token(6);
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
  if (impl_->settings.checkpoint_interval.count() > 0)
    impl_->upkeep.add(impl_->settings.checkpoint_interval, [weak](Scheduler::Clock::duration) {
      auto self = weak.lock();
      if (!self) return false;
      self->checkpoint_all(self->clock.now_unix_ms() + self->settings.lease.count());
      self->adopt_orphans();
      return true;
    });
}

MatchHost::~MatchHost() {
  impl_->subs.clear();
  impl_->upkeep.stop();
  impl_->scheduler.stop();
  // Another host (or this one, started again) takes the matches up from here, at once.
  if (impl_->settings.checkpoint_interval.count() > 0 && impl_->settings.release_on_stop) impl_->checkpoint_all(0);
  std::vector<std::unique_ptr<bus::Subscription>> subs;  // unsubscribed after the locks are released
  std::vector<Impl::MatchPtr> all;
  {
    core::Lock lock(impl_->mu);
    for (auto& [id, m] : impl_->matches) all.push_back(m);
  }
  for (auto& m : all) {
    core::Lock lock(m->mu);
    subs.push_back(std::move(m->op_sub));
  }
}

std::size_t MatchHost::active() const {
  core::Lock lock(impl_->mu);
  return impl_->matches.size();
}

}  // namespace arena::match
