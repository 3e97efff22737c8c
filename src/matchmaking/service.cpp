#include "arena/matchmaking/service.hpp"

#include <boost/json.hpp>

#include <cmath>
#include <limits>
#include <optional>
#include <unordered_map>

#include "arena/bus/payload.hpp"
#include "arena/core/error.hpp"
#include "arena/core/json_input.hpp"
#include "arena/core/log.hpp"
#include "arena/core/mutex.hpp"
#include "arena/core/random.hpp"
#include "arena/matchmaking/parties.hpp"
#include "arena/protocol/messages.hpp"
#include "arena/protocol/subjects.hpp"
#include "arena/router/router.hpp"
#include "arena/runtime/strand.hpp"
#include "stats.hpp"
#include "ticket_args.hpp"

namespace arena::matchmaking {
namespace json = boost::json;
namespace payload = bus::payload;

namespace {

struct Push {
  std::vector<std::string> users;  // the same push to each (serialised once)
  std::string op;
  json::object d;
};

// What a locked section decided to say; sent after the lock is released.
struct Out {
  std::vector<Push> pushes;
  std::vector<std::pair<std::string_view, std::string>> publishes;
};

// The user_id argument of a party op: a user id (whether it is someone else is the parties' rule).
std::string user_arg(const json::object& d) {
  std::string u = core::Fields(d).required_string("user_id", 1, 128);
  if (!bus::valid_token(u)) throw Error(Code::invalid_field, "user_id is not a user id");
  return u;
}

}  // namespace

struct MatchmakerService::Impl {
  bus::Bus& bus;
  const core::Clock& clock;
  RatingSource& ratings;
  Settings settings;
  router::Router router;
  std::shared_ptr<spdlog::logger> log = log::get("matchmaker");

  core::Mutex mu;  // guards the state below (uncontended: everything runs on the strand)
  Matcher matcher ARENA_GUARDED_BY(mu);
  Parties parties ARENA_GUARDED_BY(mu);
  struct InMatch {
    std::string match_id;
    core::SystemTime since;
  };
  std::unordered_map<std::string, InMatch> in_match ARENA_GUARDED_BY(mu);
  MatchmakingStats stats ARENA_GUARDED_BY(mu);
  std::unordered_map<std::string, json::object> game_settings;  // mode -> its game's settings; set once

  std::vector<std::unique_ptr<bus::Subscription>> subs;
  // Ops, presence and rounds run here, one at a time (null when the owner calls tick()): a
  // round of 0.6 s delays only the matchmaker's own queue, never a bus or I/O thread.
  std::unique_ptr<runtime::Strand> strand;
  std::unique_ptr<runtime::Timers::Timer> round_timer;  // on `strand`; destroyed before it stops

  using OnMessage = void (Impl::*)(const bus::Message&);
  bus::Handler on_strand(OnMessage fn) {
    return [this, fn](const bus::Message& m) {
      if (!strand) {
        (this->*fn)(m);
        return;
      }
      strand->post([this, fn, msg = bus::OwnedMessage(m)] { (this->*fn)(msg.view()); });
    };
  }

  MatchmakerService::Emit emit;  // from the constructor, before any op

  Impl(bus::Bus& b, const core::Clock& c, std::vector<ModeConfig> modes, RatingSource& r, metrics::Registry& reg,
       Settings s)
      : bus(b),
        clock(c),
        ratings(r),
        settings(std::move(s)),
        router(b),
        matcher(std::move(modes), c),
        parties(PartyLimits{settings.max_party_size, settings.invites_per_minute, settings.max_open_invites,
                            settings.invite_ttl},
                c, [] { return core::new_uuid(); }),
        stats(reg, matcher.modes()) {
    for (const auto& m : matcher.modes()) {
      if (m.game_settings.empty()) continue;
      auto& o = game_settings[m.name];
      for (const auto& [k, v] : m.game_settings) o[k] = v;  // as written; the host checks them against the game
    }
  }

  // ------------------------------------------------------------------ sending

  void send(Out& out) {
    for (auto& [subject, data] : out.publishes) bus.publish(subject, data);
    for (auto& p : out.pushes) router.to_users(p.users, p.op, p.d);
  }

  // ------------------------------------------------------------------ views (under mu)

  std::string member_state(const std::string& user) const ARENA_REQUIRES(mu) {
    if (in_match.count(user) != 0) return "in_match";
    if (matcher.ticket_of(user)) return "queued";
    return "idle";
  }

  json::object party_view(const Party& p) const ARENA_REQUIRES(mu) {
    json::array members;
    for (const auto& u : p.members)
      members.push_back(json::object{{"user_id", u}, {"leader", u == p.leader}, {"state", member_state(u)}});
    json::array invites;
    for (const auto& [u, at] : p.invites) invites.push_back(json::string(u));
    json::object o{{"party_id", p.id},
                   {"leader", p.leader},
                   {"channel", "party:" + p.id},
                   {"members", std::move(members)},
                   {"invites", std::move(invites)}};
    if (auto t = matcher.ticket_of(p.leader)) o["ticket_id"] = *t;
    return o;
  }

  // Turns what the parties and then the matcher decided into ticket cancels, pushes, publishes
  // and metrics.
  void drain(Out& out) ARENA_REQUIRES(mu) {
    for (auto& e : parties.take_events()) {
      switch (e.kind) {
        case PartyEvent::Kind::cancel_ticket:
          if (auto t = matcher.ticket_of(e.user)) matcher.cancel(*t, e.reason);
          break;
        case PartyEvent::Kind::removed:
          out.pushes.push_back({{e.user}, "party.removed", {{"party_id", e.party_id}, {"reason", e.reason}}});
          break;
        case PartyEvent::Kind::invited:
          if (const Party* p = parties.find(e.party_id)) {
            out.pushes.push_back({{e.user},
                                  "party.invite",
                                  {{"party_id", p->id},
                                   {"from", e.from},
                                   {"members", party_view(*p).at("members")},
                                   {"expires_in_ms", settings.invite_ttl.count()}}});
          }
          break;
        case PartyEvent::Kind::updated:
          tell_party(e, out);
          emit_party_formed(e);
          break;
      }
    }
    const auto now = clock.now();
    for (auto& e : matcher.take_events()) {
      json::object d{{"state", to_string(e.state)}, {"ticket_id", e.ticket_id}, {"mode", e.mode}};
      if (!e.reason.empty()) d["reason"] = e.reason;
      if (!e.match_id.empty()) d["match_id"] = e.match_id;
      if (e.state == TicketState::queued || e.state == TicketState::searching) {
        d["rating_window"] = std::round(e.window);
        d["ping_limit_ms"] = e.ping_limit;
      }
      if (!e.party_id.empty()) d["party_id"] = e.party_id;
      emit_ticket(e);
      stats.ticket_left(e);
      out.pushes.push_back({e.users, "mm.status", std::move(d)});
    }
    for (auto& m : matcher.take_matches()) {
      protocol::MatchFound found{m.match_id,  m.mode,       m.game,  m.region,    {},
                                 m.bots_fill, m.open_seats, m.seats, m.team_size, m.tick_rate};
      if (auto gs = game_settings.find(m.mode); gs != game_settings.end()) found.settings = gs->second;
      for (const auto& team : m.teams) {
        auto& players = found.teams.emplace_back();
        for (const auto& p : team) {
          players.push_back({p.user_id, p.rating, p.ping, p.party_id});
          in_match[p.user_id] = {m.match_id, now};
        }
      }
      out.publishes.emplace_back(protocol::kMatchFound, protocol::encode(found));
      emit_formed(m);
      stats.formed(m);
      log->info("msg=\"match formed\" match_id={} mode={} region={} players={} bots_fill={} spread={:.0f} gap={:.3f}",
                m.match_id, m.mode, m.region, m.waits_s.size(), m.bots_fill, m.rating_spread, m.win_gap);
    }
  }

  // The game events of a ticket's change (mm.found is told as mm.matched, per match: emit_formed).
  void emit_ticket(const StatusEvent& e) ARENA_REQUIRES(mu) {
    if (!emit || e.users.empty()) return;
    const char* type = e.state == TicketState::queued      ? "mm.queued"
                       : e.state == TicketState::cancelled ? "mm.cancelled"
                       : e.state == TicketState::expired   ? "mm.expired"
                                                           : nullptr;
    if (type == nullptr) return;
    json::array users;
    for (const auto& u : e.users) users.push_back(json::value(u));
    json::object d{{"ticket_id", e.ticket_id}, {"users", std::move(users)}};
    if (!e.party_id.empty()) d["party_id"] = e.party_id;
    if (!e.reason.empty()) d["reason"] = e.reason;
    if (e.state == TicketState::queued) {
      d["rating_window"] = std::round(e.window);
      d["ping_limit_ms"] = e.ping_limit;
    }
    emit(type, e.users.front(), e.mode, "", "", std::move(d));
  }

  void emit_formed(const FormedMatch& m) ARENA_REQUIRES(mu) {
    if (!emit) return;
    json::array players, waits;
    std::string first;
    for (const auto& team : m.teams)
      for (const auto& p : team) {
        if (first.empty()) first = p.user_id;
        players.push_back(
            json::object{{"user_id", p.user_id},
                         {"rating", std::round(p.rating * 100) / 100},
                         {"ping_ms", p.ping},
                         {"party_id", p.party_id.empty() ? json::value(nullptr) : json::value(p.party_id)}});
      }
    for (double w : m.waits_s) waits.push_back(std::round(w * 1000) / 1000);
    emit("mm.matched", first, m.mode, m.region, m.match_id,
         {{"players", std::move(players)},
          {"waits_s", std::move(waits)},
          {"bots_fill", m.bots_fill},
          {"open_seats", m.open_seats},
          {"rating_spread", std::round(m.rating_spread)},
          {"win_gap", std::round(m.win_gap * 1000) / 1000}});
  }

  // party.formed: a second player joined (the party is more than its leader from now on).
  void emit_party_formed(const PartyEvent& e) ARENA_REQUIRES(mu) {
    if (!emit || e.event != "joined") return;
    const Party* p = parties.find(e.party_id);
    if (p == nullptr || p->members.size() != 2) return;
    json::array members;
    for (const auto& m : p->members) members.push_back(json::value(m));
    emit("party.formed", p->leader, "", "", "", {{"party_id", p->id}, {"members", std::move(members)}});
  }

  // party.updated to the members of the event's party, as it is now.
  void tell_party(const PartyEvent& e, Out& out) ARENA_REQUIRES(mu) {
    const Party* p = parties.find(e.party_id);
    if (p == nullptr) return;  // it emptied later in the same op
    json::object d = party_view(*p);
    d["event"] = e.event;
    if (!e.user.empty()) d["user_id_changed"] = e.user;
    if (!e.reason.empty()) d["reason"] = e.reason;
    out.pushes.push_back({p->members, "party.updated", std::move(d)});
  }

  // ------------------------------------------------------------------ ops (under mu)

  json::object op_enqueue(const std::string& user, const json::object& d) ARENA_REQUIRES(mu) {
    TicketRequest req = ticket_args(d);
    std::vector<std::string> players{user};
    if (const Party* p = parties.party_of(user)) {
      if (p->leader != user) throw Error(Code::not_party_leader, "only the party leader can queue the party");
      players = p->members;
      req.party_id = p->id;
    }
    for (const auto& u : players)
      if (in_match.count(u) != 0)
        throw Error(Code::already_in_match, u == user ? "you are in a match" : "a party member is in a match");
    for (const auto& u : players) req.players.push_back({u, ratings.rating(u, req.mode)});
    const std::string mode = req.mode;
    const std::string ticket = matcher.enqueue(std::move(req));
    stats.enqueued(mode, clock.now());
    return {{"ticket_id", ticket}, {"state", "queued"}};
  }

  json::object op_cancel(const std::string& user) ARENA_REQUIRES(mu) {
    auto t = matcher.ticket_of(user);
    if (!t) throw Error(Code::not_queued, "you have no ticket waiting (it may just have been matched)");
    matcher.cancel(*t, "requested");
    return {{"ticket_id", *t}, {"state", "cancelled"}};
  }

  json::object dispatch(const std::string& op, const std::string& user, const json::object& d) ARENA_REQUIRES(mu) {
    if (op == "mm.enqueue") return op_enqueue(user, d);
    if (op == "mm.cancel") return op_cancel(user);
    if (op == "party.create") return party_view(parties.create(user));
    if (op == "party.invite") {
      const std::string target = user_arg(d);
      return {{"party_id", parties.invite(user, target).id}, {"user_id", target}};
    }
    if (op == "party.accept")
      return party_view(parties.accept(user, core::Fields(d).required_string("party_id", 1, 64)));
    if (op == "party.decline")
      return {{"party_id", parties.decline(user, core::Fields(d).required_string("party_id", 1, 64)).id}};
    if (op == "party.leave") return {{"party_id", parties.leave_own(user)}};
    if (op == "party.kick") {
      const std::string target = user_arg(d);
      return {{"party_id", parties.kick(user, target).id}, {"user_id", target}};
    }
    if (op == "party.promote") return party_view(parties.promote(user, user_arg(d)));
    if (op == "party.check") {  // internal: gateways guard party channels
      if (!parties.is_member(user, core::Fields(d).required_string("party_id", 1, 64)))
        throw Error(Code::not_party_member, "only members of the party may join its channel");
      return {{"member", true}};
    }
    throw Error(Code::unknown_op, "the matchmaker has no op '" + op.substr(0, 64) + "'");
  }

  // ------------------------------------------------------------------ bus handlers

  // An mm.op, decoded where it is delivered (a bus thread), so the strand spends its time on
  // the op itself, not on JSON.
  struct Op {
    std::string reply;  // the requester's inbox
    protocol::ClientOp op;
  };

  // On the delivering thread: parse, then run the op on the strand (or here without one).
  void take_op(const bus::Message& m) {
    auto op = protocol::decode<protocol::ClientOp>(m.data);
    if (!op) {
      payload::reply(bus, m, payload::error(Code::invalid_request, "mm.op needs op and user_id"));
      return;
    }
    Op parsed{std::string(m.reply), std::move(*op)};
    if (!strand) {
      run_op(parsed);
      return;
    }
    strand->post([this, parsed = std::move(parsed)] { run_op(parsed); });
  }

  void run_op(const Op& op) {
    Out out;
    json::object result;
    try {
      core::Lock lock(mu);
      static const json::object kNone;
      result = dispatch(op.op.op, op.op.user_id, op.op.d.is_object() ? op.op.d.get_object() : kNone);
      drain(out);
    } catch (const Error& e) {
      core::Lock lock(mu);
      (void)parties.take_events();  // an op that threw changed nothing
      payload::reply_to(bus, op.reply, payload::error(e));
      return;
    }
    payload::reply_to(bus, op.reply, {{"d", std::move(result)}});
    send(out);
  }

  void on_offline(const bus::Message& m) {
    const auto change = protocol::decode<protocol::PresenceChanged>(m.data);
    if (!change || change->online) return;
    const std::string& user = change->user_id;
    Out out;
    {
      core::Lock lock(mu);
      if (auto t = matcher.ticket_of(user)) matcher.cancel(*t, "disconnected");
      parties.leave(user, "disconnected", "party_member_disconnected");
      drain(out);
    }
    send(out);
  }

  void on_match_ended(const bus::Message& m) {
    const auto ended_match = protocol::decode<protocol::MatchEnded>(m.data);
    if (!ended_match) return;
    core::Lock lock(mu);
    std::erase_if(in_match, [&](const auto& e) { return e.second.match_id == ended_match->match_id; });
  }

  void on_stats(const bus::Message& m) {
    json::array modes;
    {
      core::Lock lock(mu);
      modes = stats.render(matcher.modes(), matcher.pools(), clock.now());
    }
    payload::reply(bus, m, {{"modes", std::move(modes)}});
  }

  // A round: on its own (tests, the fuzz target) all at once; on the strand in slices of
  // kAnchorsPerSlice anchors, each slice posted behind the ops that arrived during the last, so
  // an op waits for one slice (milliseconds), not for a round of 100k tickets.
  static constexpr std::size_t kAnchorsPerSlice = 2'000;
  std::optional<std::chrono::steady_clock::time_point> round_started;  // on the strand: a round is under way

  void tick() {
    if (round_started) return;  // the last round is still going, slice by slice
    round_started = std::chrono::steady_clock::now();
    {
      core::Lock lock(mu);
      const auto now = clock.now();
      parties.expire();
      std::erase_if(in_match, [&](const auto& e) { return now - e.second.since >= settings.match_hold; });
    }
    slice();
  }

  void slice() {
    Out out;
    bool complete = false;
    {
      core::Lock lock(mu);
      complete = matcher.tick_slice(strand ? kAnchorsPerSlice : std::numeric_limits<std::size_t>::max());
      drain(out);
      if (complete) {
        stats.round(matcher.pools(),
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - *round_started).count());
      }
    }
    send(out);
    if (complete) {
      round_started.reset();
    } else {
      strand->post([this] { slice(); });
    }
  }
};

MatchmakerService::MatchmakerService(bus::Bus& bus, const core::Clock& clock, std::vector<ModeConfig> modes,
                                     RatingSource& ratings, metrics::Registry& registry, const Settings& settings,
                                     runtime::Timers* timers, Emit emit)
    : impl_(std::make_unique<Impl>(bus, clock, std::move(modes), ratings, registry, settings)) {
  auto& im = *impl_;
  im.emit = std::move(emit);
  if (timers != nullptr) im.strand = std::make_unique<runtime::Strand>("matchmaker", runtime::Priority::background);
  im.subs.push_back(bus.subscribe(
      protocol::kMatchmakerOp, [&im](const bus::Message& m) { im.take_op(m); }, protocol::kMatchmakerGroup));
  im.subs.push_back(
      bus.subscribe(protocol::kMatchmakerStats, im.on_strand(&Impl::on_stats), protocol::kMatchmakerGroup));
  im.subs.push_back(bus.subscribe(protocol::kPresenceChangedAll, im.on_strand(&Impl::on_offline)));
  im.subs.push_back(bus.subscribe(protocol::kMatchEnded, im.on_strand(&Impl::on_match_ended)));
  if (im.strand)
    im.round_timer = timers->every("matchmaker-round", im.settings.interval, *im.strand, [&im] { im.tick(); });
}

MatchmakerService::~MatchmakerService() {
  impl_->subs.clear();  // no more posts
  impl_->round_timer.reset();
  if (impl_->strand) impl_->strand->stop();
}

void MatchmakerService::tick() {
  impl_->tick();
}

}  // namespace arena::matchmaking
