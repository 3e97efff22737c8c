// The host: ticking a match, its end, and the store-retry path.
#include "host_impl.hpp"

namespace arena::match {

bool MatchHost::Impl::tick(const MatchPtr& match, Scheduler::Clock::duration late) {
  std::vector<Push> pushes;
  bool over = false;
  {
    core::Lock lock(match->mu);
    if (match->finished) return false;
    auto& r = *match->runner;
    const std::string& game = r.spec().game;
    if (!match->absent.empty()) {  // adopted with players offline: those past their grace leave
      const auto now = clock.now_unix_ms();
      std::vector<std::string> gone;
      for (const auto& [user, until] : match->absent)
        if (until <= now) gone.push_back(user);
      for (const auto& user : gone) leave_locked(*match, user);
    }
    match->m.lateness->observe(std::chrono::duration<double>(late).count());
    if (late > match->period) match->m.behind->inc();
    for (auto& [user, viewer] : std::exchange(match->snapshot_due, {}))
      pushes.push_back({{std::move(user)},
                        "match.snapshot",
                        {{"match_id", r.spec().match_id}, {"tick", r.tick()}, {"state", r.snapshot(viewer)}}});
    const auto t0 = std::chrono::steady_clock::now();
    TickOutput out;
    try {
      out = r.step();
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
    if (match_events) send_game_events(*match);
    if (const int d = r.bot_decisions() - match->bot_decisions_reported; d > 0) {
      match->m.bot_decisions->inc(static_cast<std::uint64_t>(d));
      match->bot_decisions_reported = r.bot_decisions();
    }
    // The public delta goes to everyone in one push; a seat with its own part gets both alone.
    std::vector<std::string> shared = match->watchers;
    for (const auto& u : match->humans) {
      auto own = out.own_parts.find(match->seat_of[u]);
      if (own == out.own_parts.end() || own->second.empty()) {
        shared.push_back(u);
      } else {
        pushes.push_back(
            {{u},
             "match.delta",
             {{"match_id", r.spec().match_id}, {"tick", r.tick()}, {"d", out.delta}, {"own", own->second}}});
      }
    }
    if (!out.delta.empty() && !shared.empty())
      pushes.push_back({std::move(shared),
                        "match.delta",
                        {{"match_id", r.spec().match_id}, {"tick", r.tick()}, {"d", std::move(out.delta)}}});
    over = r.over();
  }
  send(pushes);  // the deltas of one match go out in tick order: its ticks never overlap
  if (!over) return true;
  finish(match);
  return false;
}

// The game's events since the last tick, each with its tick, about the seat's player when it
// names a seat (data.seat). Only queues (match_events), so under the match's lock.
void MatchHost::Impl::send_game_events(Match& match) {
  const auto& r = *match.runner;
  const auto& all = r.events();
  const auto& seats = r.spec().seats;
  for (; match.events_sent < all.size(); ++match.events_sent) {
    const auto& e = all[match.events_sent];
    json::object data = e.data;
    data["tick"] = e.tick;
    std::string_view user;
    if (const auto* seat = e.data.if_contains("seat"); seat != nullptr && seat->is_int64()) {
      const auto i = seat->as_int64();
      if (i >= 0 && i < static_cast<std::int64_t>(seats.size()) && !seats[static_cast<std::size_t>(i)].bot)
        user = seats[static_cast<std::size_t>(i)].user_id;
    }
    match_events(e.type, r.spec(), user, std::move(data));
  }
}

namespace {

// Each seat's place, with the game's stats for it or without (a game event stays small).
json::array placements_json(const MatchRecord& rec, bool with_stats) {
  json::array placements;
  for (const auto& p : rec.result.placements) {
    const auto& seat = rec.spec.seats.at(static_cast<std::size_t>(p.seat));
    json::object o{{"seat", p.seat},
                   {"user_id", seat.bot ? json::value(nullptr) : json::value(seat.user_id)},
                   {"bot", seat.bot},
                   {"place", p.place}};
    if (with_stats) o["stats"] = p.stats;
    placements.push_back(std::move(o));
  }
  return placements;
}

}  // namespace

json::object ended_event_data(const MatchRecord& rec) {
  // Without the game's stats and summary: an event stays small (events.max_data_bytes).
  json::object data{{"game", rec.spec.game}, {"ticks", rec.ticks}, {"placements", placements_json(rec, false)}};
  data["duration_ms"] = rec.spec.tick_rate > 0 ? static_cast<std::int64_t>(rec.ticks * 1000 / rec.spec.tick_rate) : 0;
  data["error"] = rec.error.empty() ? json::value(nullptr) : json::value(rec.error);
  return data;
}

namespace {

json::object result_json(const MatchRecord& rec) {
  json::object result{
      {"placements", placements_json(rec, true)}, {"summary", rec.result.summary}, {"ticks", rec.ticks}};
  if (!rec.error.empty()) result["error"] = rec.error;
  return result;
}

}  // namespace

void MatchHost::Impl::finish(const MatchPtr& match) {
  MatchRecord rec;
  Lease lease;
  {
    core::Lock lock(match->mu);
    if (match->finished) return;
    rec = match->runner->record();
    lease = match->lease;
  }
  Saved saved = Saved::stored;
  try {
    saved = store.save(rec, clock.now_unix(), lease);
  } catch (const std::exception& e) {
    log->error("msg=\"storing a match result failed; retrying\" match_id={} error=\"{}\"", rec.spec.match_id, e.what());
    std::weak_ptr<Impl> weak = shared_from_this();
    scheduler.add(settings.store_retry, [weak, match](Scheduler::Clock::duration) {
      if (auto self = weak.lock()) self->finish(match);
      return false;
    });
    return;
  }
  if (saved == Saved::lost) {  // this host stalled past its lease: the match is another host's now
    drop(match);
    return;
  }
  std::unique_ptr<bus::Subscription> sub;  // unsubscribed at the end, outside the locks
  const auto retired = retire(match, sub);
  if (!retired) return;
  std::vector<std::string> told = retired->humans;
  told.insert(told.end(), retired->watchers.begin(), retired->watchers.end());
  announce_end(rec, told);
  if (match_events) match_events("match.ended", rec.spec, {}, ended_event_data(rec));
  ended_total.with({rec.spec.game, rec.error.empty() ? "finished" : "error"}).inc();
  sub.reset();  // last: an op that raced the end still gets an answer (no_such_match)
  active_matches.dec();
  players.dec(static_cast<double>(retired->humans.size()));
  log->info("msg=\"match ended\" match_id={} ticks={} error=\"{}\"", rec.spec.match_id, rec.ticks, rec.error);
}

std::optional<MatchHost::Impl::Retired> MatchHost::Impl::retire(const MatchPtr& match,
                                                                std::unique_ptr<bus::Subscription>& sub) {
  Retired r;
  {
    core::Lock lock(match->mu);
    if (match->finished) return std::nullopt;
    match->finished = true;  // no spectator joins after this (watch checks it under this lock)
    r.id = match->runner->spec().match_id;
    r.humans = match->humans;
    r.watchers = match->watchers;
    sub = std::move(match->op_sub);
  }
  // Out of the tables before anyone hears of the end: an op after match.ended finds no match.
  core::Lock lock(mu);
  if (auto it = matches.find(r.id); it != matches.end() && it->second == match) matches.erase(it);
  auto forget = [&](std::unordered_map<std::string, std::vector<std::string>>& index, const std::string& user) {
    auto& ids = index[user];
    ids.erase(std::remove(ids.begin(), ids.end(), r.id), ids.end());
    if (ids.empty()) index.erase(user);
  };
  for (const auto& u : r.humans) forget(matches_of, u);
  for (const auto& u : r.watchers) forget(watching, u);
  return r;
}

void MatchHost::Impl::announce_end(const MatchRecord& rec, const std::vector<std::string>& told) {
  const json::object result = result_json(rec);
  bus.publish(protocol::kMatchEnded, protocol::encode(protocol::MatchEnded{rec.spec.match_id, rec.spec.mode,
                                                                           rec.spec.game, json::serialize(result)}));
  router.to_users(told, "match.ended", {{"match_id", rec.spec.match_id}, {"result", result}});
}

}  // namespace arena::match
