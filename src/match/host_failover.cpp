// The host: failover. Every checkpoint_interval the upkeep thread writes each match's new log
// entries and state hash and renews its lease; it adopts the matches whose lease ran out (their
// host died, or let go as it stopped), replays them to their checkpoint and plays them on.
#include <set>

#include "host_impl.hpp"

namespace arena::match {

void MatchHost::Impl::checkpoint_all(std::int64_t lease_until) {
  std::vector<MatchPtr> all;
  {
    core::Lock lock(mu);
    for (const auto& [id, m] : matches) all.push_back(m);
  }
  std::vector<Checkpoint> cps;
  std::vector<MatchPtr> of;
  for (const auto& m : all) {
    core::Lock lock(m->mu);
    if (m->finished) continue;
    const auto& r = *m->runner;
    const auto& log_so_far = r.log();
    Checkpoint cp{r.spec().match_id, m->lease, std::nullopt, r.tick(), r.state_hash(), m->logged, {}};
    if (!m->begun) cp.spec = r.spec();
    cp.entries.assign(log_so_far.begin() + static_cast<std::ptrdiff_t>(m->logged), log_so_far.end());
    cps.push_back(std::move(cp));
    of.push_back(m);
  }
  if (cps.empty()) return;
  std::vector<std::string> lost_ids;
  try {
    lost_ids = store.checkpoint(cps, lease_until);
  } catch (const std::exception& e) {  // the leases run on; the next round writes what this one could not
    checkpoint_failures.inc();
    log->warn("msg=\"checkpoint failed\" matches={} error=\"{}\"", cps.size(), e.what());
    return;
  }
  checkpoints.inc();
  const std::set<std::string> lost(lost_ids.begin(), lost_ids.end());
  for (std::size_t i = 0; i < cps.size(); ++i) {
    if (lost.count(cps[i].match_id) != 0) {
      drop(of[i]);
      continue;
    }
    core::Lock lock(of[i]->mu);
    of[i]->begun = true;
    of[i]->logged = std::max(of[i]->logged, cps[i].logged + cps[i].entries.size());
  }
}

void MatchHost::Impl::adopt_orphans() {
  const auto now = clock.now_unix_ms();
  std::vector<AdoptedMatch> got;
  try {
    got = store.adopt(settings.node, games.names(), now, now + settings.lease.count(), settings.adopt_batch);
  } catch (const std::exception& e) {
    checkpoint_failures.inc();
    log->warn("msg=\"adopting orphaned matches failed\" error=\"{}\"", e.what());
    return;
  }
  for (auto& a : got) {
    const GameInfo* info = games.find(a.spec.game);  // adopt takes only the games this host runs
    if (info == nullptr || !a.error.empty()) {
      end_unrunnable(a, a.error.empty() ? "its game does not run here" : a.error);
      continue;
    }
    resume(std::move(a), *info);
  }
}

void MatchHost::Impl::resume(AdoptedMatch a, const GameInfo& info) {
  const std::string id = a.spec.match_id;
  {
    MatchPtr here;
    {
      core::Lock lock(mu);
      if (auto it = matches.find(id); it != matches.end()) here = it->second;
    }
    if (here) {  // this host stalled past its lease and took its own match back: it runs on as it was
      core::Lock lock(here->mu);
      here->lease = a.lease;
      return;
    }
  }
  std::unique_ptr<MatchRunner> runner;
  try {
    runner = MatchRunner::resume(a.spec, info, std::move(a.log), a.ticks, a.hash, make_bot);
  } catch (const std::exception& e) {
    end_unrunnable(a, std::string("it could not be resumed: ") + e.what());
    return;
  }
  // The humans still seated: a seat that left or forfeited is not theirs any more.
  std::vector<bool> gone(a.spec.seats.size(), false);
  for (const auto& e : runner->log())
    if (e.kind == LoggedInput::Kind::leave || e.kind == LoggedInput::Kind::forfeit)
      gone.at(static_cast<std::size_t>(e.seat)) = true;
  std::vector<std::string> humans;
  for (std::size_t i = 0; i < a.spec.seats.size(); ++i)
    if (!a.spec.seats[i].bot && !gone[i]) humans.push_back(a.spec.seats[i].user_id);
  const std::size_t logged = runner->log().size();
  const std::size_t events_sent = runner->events().size();  // the replay's: the host that died sent them
  const std::uint64_t tick = runner->tick();
  auto match = std::make_shared<Match>();
  {
    core::Lock lock(match->mu);
    match->lease = a.lease;
    match->logged = logged;
    match->events_sent = events_sent;
    match->begun = true;
  }
  if (!enroll(match, std::move(runner), humans)) return;
  {
    core::Lock lock(match->mu);  // the next tick sends each player a snapshot, before its delta
    for (const auto& u : match->humans) match->snapshot_due.emplace_back(u, match->seat_of[u]);
  }
  adopted_total.inc();
  log->warn("msg=\"match adopted\" match_id={} game={} tick={} epoch={} humans={}", id, a.spec.game, tick,
            a.lease.epoch, humans.size());
  schedule(match);
  if (humans.empty()) return;
  // A player whose session ended while no host ran the match left then: that presence change went
  // by unheard, so ask. One who is offline gets rejoin_grace to come back (their session may have
  // died with the old host, as when an embedded server restarts) before leaving.
  json::array users;
  for (const auto& u : humans) users.emplace_back(u);
  std::weak_ptr<Impl> weak = shared_from_this();
  bus.request(protocol::kPresenceQuery, json::serialize(json::object{{"users", std::move(users)}}),
              std::chrono::seconds(2), [weak, match](bus::Reply r) {
                auto self = weak.lock();
                if (!self || r.error != bus::RequestError::none) return;  // no answer: they stay seated
                const auto o = payload::parse(r.data);
                const auto* found = o ? o->if_contains("users") : nullptr;
                if (found == nullptr || !found->is_object()) return;
                const auto grace = self->settings.rejoin_grace.count();
                const auto until = self->clock.now_unix_ms() + grace;
                for (const auto& [user, p] : found->get_object()) {
                  const auto* online = p.is_object() ? p.get_object().if_contains("online") : nullptr;
                  if (online == nullptr || !online->is_bool() || online->get_bool()) continue;
                  if (grace == 0) {
                    self->leave(match, std::string(user));
                    continue;
                  }
                  core::Lock lock(match->mu);
                  if (match->seat_of.contains(std::string(user))) match->absent.emplace(std::string(user), until);
                }
              });
}

void MatchHost::Impl::end_unrunnable(const AdoptedMatch& a, const std::string& error) {
  MatchRecord rec;
  rec.spec = a.spec;
  rec.ticks = a.ticks;
  rec.error = "host failover: " + error;
  rec.result.summary = {{"error", rec.error}};  // no placements: the match did not finish
  log->error("msg=\"adopted match cannot run; ending it\" match_id={} error=\"{}\"", a.spec.match_id, error);
  try {
    if (store.save(rec, clock.now_unix(), a.lease) == Saved::lost) return;
  } catch (const std::exception& e) {  // the lease runs out and a host (maybe this one) tries again
    log->error("msg=\"storing a match result failed\" match_id={} error=\"{}\"", a.spec.match_id, e.what());
    return;
  }
  std::vector<std::string> told;
  for (const auto& s : a.spec.seats)
    if (!s.bot) told.push_back(s.user_id);
  announce_end(rec, told);
  ended_total.with({a.spec.game, "error"}).inc();
}

void MatchHost::Impl::drop(const MatchPtr& match) {
  std::unique_ptr<bus::Subscription> sub;
  const auto retired = retire(match, sub);
  if (!retired) return;
  sub.reset();
  lost_total.inc();
  active_matches.dec();
  players.dec(static_cast<double>(retired->humans.size()));
  log->warn("msg=\"match lost: another host holds its lease\" match_id={}", retired->id);
}

}  // namespace arena::match
