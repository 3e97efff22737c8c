#include "arena/matchmaking/service.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "arena/bus/payload.hpp"
#include "arena/core/error.hpp"
#include "arena/core/json_input.hpp"
#include "arena/core/log.hpp"
#include "arena/core/mutex.hpp"
#include "arena/core/random.hpp"
#include "arena/core/rate_limiter.hpp"
#include "arena/core/rolling_count.hpp"
#include "arena/protocol/messages.hpp"
#include "arena/protocol/subjects.hpp"
#include "arena/router/router.hpp"
#include "arena/runtime/strand.hpp"

namespace arena::matchmaking {
namespace json = boost::json;
namespace payload = bus::payload;

namespace {

constexpr std::size_t kMaxRegions = 32;
constexpr std::size_t kMaxProperties = 16;
constexpr std::size_t kRecentWaits = 1024;

struct Party {
  std::string id;
  std::string leader;
  std::vector<std::string> members;                 // in joining order
  std::map<std::string, core::SystemTime> invites;  // user -> expiry
};

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

struct ModeStats {
  std::uint64_t enqueued = 0;
  std::uint64_t matches = 0;
  std::uint64_t bot_matches = 0;
  double spread_sum = 0;
  double gap_sum = 0;
  std::deque<double> waits;         // the latest kRecentWaits
  core::RollingCount<10> enqueues;  // over the last 10 s, in fixed memory
  // The mode's metric children, resolved when the service starts.
  metrics::Counter* joined = nullptr;
  metrics::Counter* found = nullptr;
  metrics::Counter* cancelled = nullptr;
  metrics::Counter* expired = nullptr;
  metrics::Histogram* waits_hist = nullptr;
  metrics::Histogram* spreads = nullptr;
  metrics::Histogram* gaps = nullptr;
  metrics::Counter* formed_with_bots = nullptr;
  metrics::Counter* formed_without_bots = nullptr;
  std::map<std::string, metrics::Gauge*, std::less<>> queued;  // by region
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

std::vector<double> wait_buckets() {
  return {0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300};
}

}  // namespace

struct MatchmakerService::Impl {
  bus::Bus& bus;
  const core::Clock& clock;
  RatingSource& ratings;
  Settings settings;
  router::Router router;
  std::shared_ptr<spdlog::logger> log = log::get("matchmaker");

  metrics::Family<metrics::Counter>& joined;
  metrics::Family<metrics::Counter>& ended;
  metrics::Family<metrics::Gauge>& queued;
  metrics::Family<metrics::Histogram>& waits;
  metrics::Family<metrics::Histogram>& spreads;
  metrics::Family<metrics::Histogram>& gaps;
  metrics::Family<metrics::Counter>& formed;
  metrics::Counter& rounds;
  metrics::Histogram& round_seconds;

  core::Mutex mu;  // guards the state below (uncontended: everything runs on the strand)
  Matcher matcher ARENA_GUARDED_BY(mu);
  std::unordered_map<std::string, Party> parties ARENA_GUARDED_BY(mu);
  std::unordered_map<std::string, std::string> party_of ARENA_GUARDED_BY(mu);  // user -> party id
  struct InMatch {
    std::string match_id;
    core::SystemTime since;
  };
  std::unordered_map<std::string, InMatch> in_match ARENA_GUARDED_BY(mu);
  std::map<std::string, ModeStats> stats ARENA_GUARDED_BY(mu);
  // Invite spam bounds: each sender's budget (a token bucket per user), and the invites each
  // target holds (checked lazily against the parties; pruned every round).
  core::MemoryRateLimiter invite_budget;
  std::unordered_map<std::string, std::vector<std::pair<std::string, core::SystemTime>>> inbox ARENA_GUARDED_BY(mu);

  std::vector<std::unique_ptr<bus::Subscription>> subs;
  // Ops, presence and rounds run here, one at a time (null in tests that call tick()): a
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

  Impl(bus::Bus& b, const core::Clock& c, std::vector<ModeConfig> modes, RatingSource& r, metrics::Registry& reg,
       Settings s)
      : bus(b),
        clock(c),
        ratings(r),
        settings(s),
        router(b),
        joined(reg.counter("matchmaking_join_queue_count", "Tickets that joined a queue", {"mode"})),
        ended(reg.counter("matchmaking_tickets_total", "Tickets that left a queue, by how", {"mode", "result"})),
        queued(reg.gauge("matchmaking_queue_tickets", "Tickets waiting, by mode and best region", {"mode", "region"})),
        waits(reg.histogram("matchmaking_wait_seconds", "Time from enqueue to match", {"mode"}, wait_buckets())),
        spreads(reg.histogram("matchmaking_match_rating_spread", "Highest minus lowest rating in a formed match",
                              {"mode"}, {25, 50, 100, 200, 300, 500, 1000})),
        gaps(reg.histogram("matchmaking_match_win_probability_gap",
                           "Predicted win-probability gap between the strongest and weakest side", {"mode"},
                           {0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8})),
        formed(reg.counter("matchmaking_matches_total", "Matches formed", {"mode", "bots"})),
        rounds(reg.counter("matchmaking_rounds_total", "Matching rounds run (one per interval)").with({})),
        round_seconds(reg.histogram("matchmaking_round_seconds", "Time one matching round took", {},
                                    {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5})
                          .with({})),
        matcher(std::move(modes), c),
        invite_budget(c) {
    for (const auto& m : matcher.modes()) {
      auto& st = stats[m.name];
      st.joined = &joined.with({m.name});
      st.found = &ended.with({m.name, "found"});
      st.cancelled = &ended.with({m.name, "cancelled"});
      st.expired = &ended.with({m.name, "expired"});
      st.waits_hist = &waits.with({m.name});
      st.spreads = &spreads.with({m.name});
      st.gaps = &gaps.with({m.name});
      st.formed_with_bots = &formed.with({m.name, "true"});
      st.formed_without_bots = &formed.with({m.name, "false"});
      for (const auto& region : m.regions) st.queued[region] = &queued.with({m.name, region});
    }
  }

  // ------------------------------------------------------------------ sending

  void send(Out& out) {
    for (auto& [subject, data] : out.publishes) bus.publish(subject, data);
    for (auto& p : out.pushes) router.to_users(p.users, p.op, p.d);
  }

  static void reply(bus::Bus& b, const bus::Message& m, const json::object& body) { payload::reply(b, m, body); }

  // ------------------------------------------------------------------ state views (under mu)

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

  void tell_party(const Party& p, std::string_view event, const std::string& who, Out& out,
                  std::string_view reason = {}) const ARENA_REQUIRES(mu) {
    json::object d = party_view(p);
    d["event"] = event;
    if (!who.empty()) d["user_id_changed"] = who;
    if (!reason.empty()) d["reason"] = reason;
    out.pushes.push_back({p.members, "party.updated", std::move(d)});
  }

  // Turns what the matcher decided into pushes, publishes and metrics.
  void drain(Out& out) ARENA_REQUIRES(mu) {
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
      if (auto it = stats.find(e.mode); it != stats.end()) {
        auto& st = it->second;
        if (e.state == TicketState::found) st.found->inc();
        if (e.state == TicketState::cancelled) st.cancelled->inc();
        if (e.state == TicketState::expired) st.expired->inc();
      }
      out.pushes.push_back({e.users, "mm.status", std::move(d)});
    }
    for (auto& m : matcher.take_matches()) {
      protocol::MatchFound found{m.match_id,  m.mode,       m.game,  m.region,    {},
                                 m.bots_fill, m.open_seats, m.seats, m.team_size, m.tick_rate};
      for (const auto& team : m.teams) {
        auto& players = found.teams.emplace_back();
        for (const auto& p : team) {
          players.push_back({p.user_id, p.rating, p.ping, p.party_id});
          in_match[p.user_id] = {m.match_id, now};
        }
      }
      out.publishes.emplace_back(protocol::kMatchFound, protocol::encode(found));
      auto& st = stats[m.mode];
      ++st.matches;
      st.bot_matches += m.bots_fill ? 1 : 0;
      st.spread_sum += m.rating_spread;
      st.gap_sum += m.win_gap;
      for (double w : m.waits_s) {
        st.waits_hist->observe(w);
        st.waits.push_back(w);
        if (st.waits.size() > kRecentWaits) st.waits.pop_front();
      }
      st.spreads->observe(m.rating_spread);
      st.gaps->observe(m.win_gap);
      (m.bots_fill ? st.formed_with_bots : st.formed_without_bots)->inc();
      log->info("msg=\"match formed\" match_id={} mode={} region={} players={} bots_fill={} spread={:.0f} gap={:.3f}",
                m.match_id, m.mode, m.region, m.waits_s.size(), m.bots_fill, m.rating_spread, m.win_gap);
    }
  }

  // ------------------------------------------------------------------ ops (under mu)

  Party& party_for(const std::string& user) ARENA_REQUIRES(mu) {
    auto it = party_of.find(user);
    if (it == party_of.end()) throw Error(Code::not_in_party, "you are not in a party");
    return parties.at(it->second);
  }

  Party& led_party(const std::string& user) ARENA_REQUIRES(mu) {
    Party& p = party_for(user);
    if (p.leader != user) throw Error(Code::not_party_leader, "only the party leader can do this");
    return p;
  }

  void cancel_ticket_of(const std::string& user, std::string_view reason) ARENA_REQUIRES(mu) {
    if (auto t = matcher.ticket_of(user)) matcher.cancel(*t, reason);
  }

  static std::string user_arg(const json::object& d, const std::string& self) {
    std::string u = core::Fields(d).required_string("user_id", 1, 128);
    if (!bus::valid_token(u)) throw Error(Code::invalid_field, "user_id is not a user id");
    if (u == self) throw Error(Code::invalid_field, "user_id may not be yourself");
    return u;
  }

  json::object op_enqueue(const std::string& user, const json::object& d) ARENA_REQUIRES(mu) {
    const std::string mode = core::Fields(d).required_string("mode", 1, 32);
    TicketRequest req;
    req.mode = mode;
    const auto* regions = d.if_contains("regions");
    if (regions == nullptr)
      throw Error(Code::missing_field, "regions is required: {\"<region>\": <ping ms>}");
    if (!regions->is_object() || regions->as_object().empty() || regions->as_object().size() > kMaxRegions)
      throw Error(Code::invalid_field, "regions must be an object of 1-32 region pings");
    for (const auto& [name, ping] : regions->as_object()) {
      if (!ping.is_number() || name.size() > 32)
        throw Error(Code::invalid_field, "regions maps region names to pings in milliseconds");
      const double ms = ping.to_number<double>();
      if (!std::isfinite(ms) || ms < 0 || ms > 60'000)
        throw Error(Code::invalid_field, "pings are 0..60000 ms");
      req.pings[std::string(name)] = static_cast<int>(std::lround(ms));
    }
    if (const auto* props = d.if_contains("properties"); props != nullptr && !props->is_null()) {
      if (!props->is_object() || props->as_object().size() > kMaxProperties)
        throw Error(Code::invalid_field, "properties must be an object of at most 16 entries");
      for (const auto& [k, v] : props->as_object()) {
        if (k.empty() || k.size() > 32)
          throw Error(Code::invalid_field, "property names are 1-32 characters");
        if (v.is_string() && v.as_string().size() <= 64) {
          req.properties[std::string(k)] = std::string(v.as_string());
        } else if (v.is_number() && std::isfinite(v.to_number<double>())) {
          req.properties[std::string(k)] = v.to_number<double>();
        } else {
          throw Error(Code::invalid_field, "property values are strings (up to 64 characters) or numbers");
        }
      }
    }
    std::vector<std::string> players{user};
    if (auto it = party_of.find(user); it != party_of.end()) {
      const Party& p = parties.at(it->second);
      if (p.leader != user) throw Error(Code::not_party_leader, "only the party leader can queue the party");
      players = p.members;
      req.party_id = p.id;
    }
    for (const auto& u : players)
      if (in_match.count(u) != 0)
        throw Error(Code::already_in_match, u == user ? "you are in a match" : "a party member is in a match");
    for (const auto& u : players) req.players.push_back({u, ratings.rating(u, mode)});
    const std::string ticket = matcher.enqueue(std::move(req));
    auto& st = stats[mode];
    st.joined->inc();
    ++st.enqueued;
    st.enqueues.add(clock.now());
    return {{"ticket_id", ticket}, {"state", "queued"}};
  }

  json::object op_cancel(const std::string& user) ARENA_REQUIRES(mu) {
    auto t = matcher.ticket_of(user);
    if (!t) throw Error(Code::not_queued, "you have no ticket waiting (it may just have been matched)");
    matcher.cancel(*t, "requested");
    return {{"ticket_id", *t}, {"state", "cancelled"}};
  }

  json::object op_party_create(const std::string& user, Out& out) ARENA_REQUIRES(mu) {
    if (party_of.count(user) != 0) throw Error(Code::already_in_party, "leave your party first");
    cancel_ticket_of(user, "joined_party");
    Party p{core::new_uuid(), user, {user}, {}};
    const std::string id = p.id;
    parties.emplace(id, std::move(p));
    party_of[user] = id;
    tell_party(parties.at(id), "created", user, out);
    return party_view(parties.at(id));
  }

  json::object op_party_invite(const std::string& user, const json::object& d, Out& out) ARENA_REQUIRES(mu) {
    const std::string target = user_arg(d, user);
    Party& p = led_party(user);
    if (std::find(p.members.begin(), p.members.end(), target) != p.members.end())
      throw Error(Code::already_member, "that player is already in the party");
    const bool renewal = p.invites.count(target) != 0;
    if (static_cast<int>(p.members.size() + p.invites.size()) >= settings.max_party_size && !renewal)
      throw Error(Code::party_full, "the party is full (members and open invites)");
    const auto now = clock.now();
    spend_invite(user);
    auto& held = open_invites(target, now);
    if (!renewal && static_cast<int>(held.size()) >= settings.max_open_invites)
      throw Error(Code::too_many_invites, "that player holds too many open invites; try again later");
    p.invites[target] = now + settings.invite_ttl;
    if (!renewal) held.emplace_back(p.id, now + settings.invite_ttl);
    out.pushes.push_back({{target},
                          "party.invite",
                          {{"party_id", p.id},
                           {"from", user},
                           {"members", party_view(p).at("members")},
                           {"expires_in_ms", settings.invite_ttl.count()}}});
    tell_party(p, "invited", target, out);
    return {{"party_id", p.id}, {"user_id", target}};
  }

  // Takes one invite from the sender's budget (invites_per_minute, the same as a burst).
  void spend_invite(const std::string& user) ARENA_REQUIRES(mu) {
    const double cap = settings.invites_per_minute;
    if (const int wait = invite_budget.acquire(user, {cap, cap}); wait > 0)
      throw Error(Code::too_many_invites, "you are sending invites too fast").with_retry_after(wait);
  }

  // The invites `target` holds that are still open, pruned of the rest.
  std::vector<std::pair<std::string, core::SystemTime>>& open_invites(const std::string& target, core::SystemTime now)
      ARENA_REQUIRES(mu) {
    auto& held = inbox[target];
    // The predicate runs here, under the caller's lock (the analysis cannot follow it into erase_if).
    std::erase_if(held, [&](const auto& e) ARENA_NO_THREAD_SAFETY_ANALYSIS {
      if (e.second <= now) return true;
      auto it = parties.find(e.first);
      return it == parties.end() || it->second.invites.count(target) == 0;
    });
    return held;
  }

  Party& invited_party(const std::string& user, const json::object& d) ARENA_REQUIRES(mu) {
    const std::string id = core::Fields(d).required_string("party_id", 1, 64);
    auto it = parties.find(id);
    if (it == parties.end()) throw Error(Code::no_such_party, "that party does not exist any more");
    auto inv = it->second.invites.find(user);
    if (inv == it->second.invites.end() || inv->second <= clock.now())
      throw Error(Code::not_invited, "you have no open invite to that party");
    return it->second;
  }

  json::object op_party_accept(const std::string& user, const json::object& d, Out& out) ARENA_REQUIRES(mu) {
    Party& p = invited_party(user, d);
    if (party_of.count(user) != 0) throw Error(Code::already_in_party, "leave your party first");
    if (static_cast<int>(p.members.size()) >= settings.max_party_size)
      throw Error(Code::party_full, "the party is full");
    p.invites.erase(user);
    cancel_ticket_of(user, "joined_party");
    cancel_ticket_of(p.leader, "party_changed");  // the party's ticket no longer has every member
    p.members.push_back(user);
    party_of[user] = p.id;
    tell_party(p, "joined", user, out);
    return party_view(p);
  }

  json::object op_party_decline(const std::string& user, const json::object& d, Out& out) ARENA_REQUIRES(mu) {
    Party& p = invited_party(user, d);
    p.invites.erase(user);
    tell_party(p, "declined", user, out);
    return {{"party_id", p.id}};
  }

  // Takes `user` out of their party; `why` is told to everyone (and the ticket's cancel reason).
  void leave_party(const std::string& user, std::string_view why, std::string_view ticket_reason, Out& out)
      ARENA_REQUIRES(mu) {
    auto it = party_of.find(user);
    if (it == party_of.end()) return;
    const std::string id = it->second;
    Party& p = parties.at(id);
    cancel_ticket_of(p.leader, ticket_reason);
    p.members.erase(std::remove(p.members.begin(), p.members.end(), user), p.members.end());
    party_of.erase(it);
    out.pushes.push_back({{user}, "party.removed", {{"party_id", id}, {"reason", why}}});
    if (p.members.empty()) {
      parties.erase(id);
      return;
    }
    if (p.leader == user) p.leader = p.members.front();
    tell_party(p, why == "kicked" ? "kicked" : "left", user, out, why);
  }

  json::object op_party_leave(const std::string& user, Out& out) ARENA_REQUIRES(mu) {
    const std::string id = party_for(user).id;
    leave_party(user, "left", "party_member_left", out);
    return {{"party_id", id}};
  }

  json::object op_party_kick(const std::string& user, const json::object& d, Out& out) ARENA_REQUIRES(mu) {
    const std::string target = user_arg(d, user);
    Party& p = led_party(user);
    if (std::find(p.members.begin(), p.members.end(), target) == p.members.end())
      throw Error(Code::not_member, "that player is not in your party");
    const std::string id = p.id;
    leave_party(target, "kicked", "party_member_kicked", out);
    return {{"party_id", id}, {"user_id", target}};
  }

  json::object op_party_promote(const std::string& user, const json::object& d, Out& out) ARENA_REQUIRES(mu) {
    const std::string target = user_arg(d, user);
    Party& p = led_party(user);
    if (std::find(p.members.begin(), p.members.end(), target) == p.members.end())
      throw Error(Code::not_member, "that player is not in your party");
    p.leader = target;
    tell_party(p, "promoted", target, out);
    return party_view(p);
  }

  json::object op_party_check(const std::string& user, const json::object& d) const ARENA_REQUIRES(mu) {
    const std::string id = core::Fields(d).required_string("party_id", 1, 64);
    auto it = party_of.find(user);
    if (it == party_of.end() || it->second != id)
      throw Error(Code::not_party_member, "only members of the party may join its channel");
    return {{"member", true}};
  }

  json::object dispatch(const std::string& op, const std::string& user, const json::object& d, Out& out)
      ARENA_REQUIRES(mu) {
    if (op == "mm.enqueue") return op_enqueue(user, d);
    if (op == "mm.cancel") return op_cancel(user);
    if (op == "party.create") return op_party_create(user, out);
    if (op == "party.invite") return op_party_invite(user, d, out);
    if (op == "party.accept") return op_party_accept(user, d, out);
    if (op == "party.decline") return op_party_decline(user, d, out);
    if (op == "party.leave") return op_party_leave(user, out);
    if (op == "party.kick") return op_party_kick(user, d, out);
    if (op == "party.promote") return op_party_promote(user, d, out);
    if (op == "party.check") return op_party_check(user, d);  // internal: gateways guard party channels
    throw Error(Code::unknown_op, "the matchmaker has no op '" + op.substr(0, 64) + "'");
  }

  // ------------------------------------------------------------------ bus handlers

  void on_op(const bus::Message& m) {
    auto o = payload::parse(m.data);
    const std::string user = o ? payload::token(*o, "user_id") : std::string();
    const auto* op = o ? o->if_contains("op") : nullptr;
    if (!o || user.empty() || op == nullptr || !op->is_string()) {
      reply(bus, m, payload::error(Code::invalid_request, "mm.op needs op, user_id and d"));
      return;
    }
    static const json::object kEmpty;
    const auto* d = o->if_contains("d");
    const json::object& args = d != nullptr && d->is_object() ? d->as_object() : kEmpty;
    Out out;
    json::object result;
    try {
      core::Lock lock(mu);
      result = dispatch(std::string(op->as_string()), user, args, out);
      drain(out);
    } catch (const Error& e) {
      reply(bus, m, payload::error(e.code(), e.message()));
      return;
    }
    reply(bus, m, {{"d", std::move(result)}});
    send(out);
  }

  void on_offline(const bus::Message& m) {
    const auto change = protocol::decode<protocol::PresenceChanged>(m.data);
    if (!change || change->online) return;
    const std::string& user = change->user_id;
    Out out;
    {
      core::Lock lock(mu);
      cancel_ticket_of(user, "disconnected");
      leave_party(user, "disconnected", "party_member_disconnected", out);
      drain(out);
    }
    send(out);
  }

  void on_match_ended(const bus::Message& m) {
    const auto ended_match = protocol::decode<protocol::MatchEnded>(m.data);
    if (!ended_match) return;
    const std::string& id = ended_match->match_id;
    core::Lock lock(mu);
    for (auto it = in_match.begin(); it != in_match.end();) {
      if (it->second.match_id == id) {
        it = in_match.erase(it);
      } else {
        ++it;
      }
    }
  }

  void on_stats(const bus::Message& m) {
    json::array modes;
    {
      core::Lock lock(mu);
      const auto now = clock.now();
      const auto pools = matcher.pools();
      for (const auto& mode : matcher.modes()) {
        auto& st = stats[mode.name];
        json::array regions;
        std::size_t tickets = 0;
        std::size_t players = 0;
        for (const auto& p : pools) {
          if (p.mode != mode.name) continue;
          tickets += p.tickets;
          players += p.players;
          regions.push_back(json::object{{"region", p.region},
                                         {"tickets", p.tickets},
                                         {"players", p.players},
                                         {"oldest_wait_s", p.oldest_wait_s}});
        }
        const std::vector<double> recent(st.waits.begin(), st.waits.end());
        const double n = static_cast<double>(st.matches);
        modes.push_back(json::object{
            {"mode", mode.name},
            {"queued_tickets", tickets},
            {"queued_players", players},
            {"regions", std::move(regions)},
            {"enqueued_total", st.enqueued},
            {"tickets_per_second", st.enqueues.per_second(now)},
            {"matches_total", st.matches},
            {"bot_fill_matches_total", st.bot_matches},
            {"wait_seconds",
             {{"p50", percentile(recent, 0.5)}, {"p90", percentile(recent, 0.9)}, {"p99", percentile(recent, 0.99)}}},
            {"mean_rating_spread", st.matches ? st.spread_sum / n : 0.0},
            {"mean_win_probability_gap", st.matches ? st.gap_sum / n : 0.0},
        });
      }
    }
    reply(bus, m, {{"modes", std::move(modes)}});
  }

  void tick() {
    Out out;
    const auto started = std::chrono::steady_clock::now();
    {
      core::Lock lock(mu);
      const auto now = clock.now();
      for (auto& [id, p] : parties) {
        for (auto it = p.invites.begin(); it != p.invites.end();) {
          if (it->second <= now) {
            it = p.invites.erase(it);
          } else {
            ++it;
          }
        }
      }
      for (auto it = inbox.begin(); it != inbox.end();) {
        std::erase_if(it->second, [&](const auto& inv) { return inv.second <= now; });
        it = it->second.empty() ? inbox.erase(it) : std::next(it);
      }
      for (auto it = in_match.begin(); it != in_match.end();) {
        if (now - it->second.since >= settings.match_hold) {
          it = in_match.erase(it);
        } else {
          ++it;
        }
      }
      matcher.tick();
      drain(out);
      for (auto& [name, st] : stats)  // a pool that emptied is not listed: it reads 0
        for (auto& [region, g] : st.queued) g->set(0);
      for (const auto& p : matcher.pools()) {
        auto st = stats.find(p.mode);
        if (st == stats.end()) continue;
        if (auto g = st->second.queued.find(p.region); g != st->second.queued.end())
          g->second->set(static_cast<double>(p.tickets));
      }
    }
    rounds.inc();
    round_seconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    send(out);
  }
};

MatchmakerService::MatchmakerService(bus::Bus& bus, const core::Clock& clock, std::vector<ModeConfig> modes,
                                     RatingSource& ratings, metrics::Registry& registry, Settings settings,
                                     runtime::Timers* timers)
    : impl_(std::make_unique<Impl>(bus, clock, std::move(modes), ratings, registry, settings)) {
  auto& im = *impl_;
  if (timers != nullptr) im.strand = std::make_unique<runtime::Strand>("matchmaker", runtime::Priority::background);
  im.subs.push_back(bus.subscribe(protocol::kMatchmakerOp, im.on_strand(&Impl::on_op), protocol::kMatchmakerGroup));
  im.subs.push_back(
      bus.subscribe(protocol::kMatchmakerStats, im.on_strand(&Impl::on_stats), protocol::kMatchmakerGroup));
  im.subs.push_back(bus.subscribe(protocol::kPresenceChangedAll, im.on_strand(&Impl::on_offline)));
  im.subs.push_back(bus.subscribe(protocol::kMatchEnded, im.on_strand(&Impl::on_match_ended)));
  if (im.strand) im.round_timer = timers->every("matchmaker-round", settings.interval, *im.strand, [&im] { im.tick(); });
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
