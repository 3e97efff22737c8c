// The host: match ops from players (match.<id>.op), leaving, and presence changes.
#include "host_impl.hpp"

namespace arena::match {

void MatchHost::Impl::leave(const MatchPtr& match, const std::string& user) {
  core::Lock lock(match->mu);
  leave_locked(*match, user);
}

void MatchHost::Impl::leave_locked(Match& match, const std::string& user) {
  match.absent.erase(user);
  auto it = match.seat_of.find(user);
  if (it == match.seat_of.end() || match.finished) return;
  const int seat = it->second;
  const bool forfeit = match.runner->info().forfeit_on_leave;
  if (forfeit) {
    match.runner->forfeit(seat);
  } else {
    match.runner->set_bot(seat, true);
  }
  if (match_events)
    match_events("match.player_left", match.runner->spec(), user,
                 {{"seat", seat}, {"tick", match.runner->tick()}, {"forfeit", forfeit}});
  match.humans.erase(std::remove(match.humans.begin(), match.humans.end(), user), match.humans.end());
  match.seat_of.erase(it);
  players.dec();
}

void MatchHost::Impl::on_op(const std::string& id, const bus::Message& m) {
  const auto op = protocol::decode<protocol::ClientOp>(m.data);
  if (!op) {
    payload::reply(bus, m, payload::error(Code::invalid_request, "match ops need op and user_id"));
    return;
  }
  const std::string& user = op->user_id;
  MatchPtr match;
  {
    core::Lock lock(mu);
    if (auto it = matches.find(id); it != matches.end()) match = it->second;
  }
  if (!match) {
    payload::reply(bus, m, payload::error(Code::no_such_match, "that match is not running"));
    return;
  }
  const std::string& name = op->op;
  if (name == "match.watch") {
    payload::reply(bus, m, watch(match, id, user));
    return;
  }
  if (name == "match.unwatch") {
    payload::reply(bus, m, unwatch(match, id, user));
    return;
  }
  if (name == "match.leave") {
    bool seated = false;
    {
      core::Lock lock(match->mu);
      seated = match->seat_of.count(user) != 0;
    }
    if (!seated) {
      payload::reply(bus, m, payload::error(Code::not_in_match, "you are not playing in this match"));
      return;
    }
    leave(match, user);
    payload::reply(bus, m, {{"d", {{"match_id", id}}}});
    return;
  }
  json::object answer;  // decided under the match's lock, sent after it
  {
    core::Lock lock(match->mu);
    auto seat = match->seat_of.find(user);
    const bool watcher = std::find(match->watchers.begin(), match->watchers.end(), user) != match->watchers.end();
    if (name == "match.snapshot" && seat == match->seat_of.end() && watcher) {
      answer = {
          {"d", {{"match_id", id}, {"tick", match->runner->tick()}, {"state", match->runner->snapshot(kSpectator)}}}};
    } else if (seat == match->seat_of.end()) {
      answer = payload::error(Code::not_in_match, "you are not playing in this match");
    } else if (name == "match.input") {
      try {
        match->runner->input(seat->second, op->d);
        answer = {{"d", {{"match_id", id}, {"tick", match->runner->tick()}}}};
      } catch (const InputError& e) {
        answer = payload::error(e.code(), e.what());  // the game's own code
      }
    } else if (name == "match.snapshot") {
      answer = {
          {"d", {{"match_id", id}, {"tick", match->runner->tick()}, {"state", match->runner->snapshot(seat->second)}}}};
    } else {
      answer = payload::error(Code::unknown_op, "no match op '" + name.substr(0, 64) + "'");
    }
  }
  payload::reply(bus, m, answer);
}

json::object MatchHost::Impl::watch(const MatchPtr& match, const std::string& id, const std::string& user) {
  {
    core::Lock lock(mu);  // first in the table, so that a finish that races this cleans it up
    auto& ids = watching[user];
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
      if (static_cast<int>(ids.size()) >= settings.max_watched_per_user)
        return payload::error(Code::too_many_watchers, "you already watch as many matches as one player may");
      ids.push_back(id);
    }
  }
  json::object answer;
  bool added = false;
  {
    core::Lock lock(match->mu);
    auto& w = match->watchers;
    const bool already = std::find(w.begin(), w.end(), user) != w.end();
    if (match->finished) {
      answer = payload::error(Code::no_such_match, "that match is not running");
    } else if (match->seat_of.count(user) != 0) {
      answer = payload::error(Code::already_in_match, "you play in this match: match.snapshot gives its state");
    } else if (!already && static_cast<int>(w.size()) >= settings.max_watchers) {
      answer = payload::error(Code::too_many_watchers, "this match has as many spectators as it takes");
    } else {
      if (!already) w.push_back(user);
      added = true;
      match->snapshot_due.emplace_back(user, kSpectator);  // the next tick sends it, then the deltas
      answer = {{"d", {{"match_id", id}, {"tick", match->runner->tick()}}}};
    }
  }
  if (!added) {
    core::Lock lock(mu);
    if (auto it = watching.find(user); it != watching.end()) {
      auto& ids = it->second;
      ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
      if (ids.empty()) watching.erase(it);
    }
  }
  return answer;
}

json::object MatchHost::Impl::unwatch(const MatchPtr& match, const std::string& id, const std::string& user) {
  bool was = false;
  {
    core::Lock lock(match->mu);
    auto& w = match->watchers;
    auto it = std::find(w.begin(), w.end(), user);
    was = it != w.end();
    if (was) w.erase(it);
    auto& due = match->snapshot_due;
    due.erase(std::remove_if(due.begin(), due.end(),
                             [&](const auto& d) { return d.first == user && d.second == kSpectator; }),
              due.end());
  }
  {
    core::Lock lock(mu);
    if (auto it = watching.find(user); it != watching.end()) {
      auto& ids = it->second;
      ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
      if (ids.empty()) watching.erase(it);
    }
  }
  if (!was) return payload::error(Code::not_in_match, "you are not watching this match");
  return {{"d", {{"match_id", id}}}};
}

void MatchHost::Impl::on_presence(const bus::Message& m) {
  const auto change = protocol::decode<protocol::PresenceChanged>(m.data);
  if (!change) return;
  const std::string& user = change->user_id;
  std::vector<MatchPtr> mine;
  std::vector<std::pair<std::string, MatchPtr>> watched;
  {
    core::Lock lock(mu);
    if (auto it = matches_of.find(user); it != matches_of.end())
      for (const auto& id : it->second)
        if (auto mt = matches.find(id); mt != matches.end()) mine.push_back(mt->second);
    if (auto it = watching.find(user); it != watching.end() && !change->online)
      for (const auto& id : it->second)
        if (auto mt = matches.find(id); mt != matches.end()) watched.emplace_back(id, mt->second);
  }
  for (const auto& [id, match] : watched) unwatch(match, id, user);  // a spectator gone offline stops watching
  for (const auto& match : mine) {
    if (!change->online) {
      leave(match, user);
      continue;
    }
    core::Lock lock(match->mu);
    match->absent.erase(user);  // back within the grace of an adoption
    if (auto seat = match->seat_of.find(user); seat != match->seat_of.end()) {
      if (match_events)  // presence came back while seated: the input log has a rejoin too
        match_events("match.player_rejoined", match->runner->spec(), user,
                     {{"seat", seat->second}, {"tick", match->runner->tick()}});
      match->runner->rejoined(seat->second);
      match->snapshot_due.emplace_back(user, seat->second);  // the next tick sends it, in order with the deltas
    }
  }
}

}  // namespace arena::match
