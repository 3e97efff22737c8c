#pragma once
// The gateway's inside, shared by its files: gateway.cpp (metrics, op table, lifecycle and the
// sweep, the public API), upgrade.cpp (upgrade auth, the per-user session cap, resume, frames
// in), fanout.cpp (sessions, bus subscriptions and delivery), ops_services.cpp (replies and
// the ops answered by other roles), ops_channels.cpp and ops_social.cpp (the gateway's own ops).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <atomic>
#include <condition_variable>
#include <map>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "arena/core/error.hpp"
#include "arena/core/json_input.hpp"
#include "arena/core/log.hpp"
#include "arena/core/mutex.hpp"
#include "arena/core/rate_limiter.hpp"
#include "arena/protocol/messages.hpp"
#include "arena/protocol/subjects.hpp"
#include "arena/router/router.hpp"
#include "arena/runtime/strand.hpp"
#include "arena/runtime/timers.hpp"
#include "connection.hpp"
#include "mirror_writer.hpp"

namespace arena::gateway {
namespace json = boost::json;

using ConnPtr = std::shared_ptr<Link>;
using SessionPtr = std::shared_ptr<Session>;

// A frame shared by every recipient.
std::shared_ptr<const std::string> frame_ptr(std::string s);
std::int64_t unix_ms(core::SystemTime t);
// "arena.v1, bearer.<token>" (browsers cannot set Authorization on a WebSocket).
std::string token_from_subprotocols(std::string_view header, bool& offered_v1);
// A push body as the router frames it: the rest of a JSON object after `{"seq":N,`, holding a
// string "op" and a "d". Checked once per bus message, before any recipient gets it.
bool valid_push(std::string_view body);

struct Gateway::Impl final : LinkOwner {
  Impl(Settings s, bus::Bus& b, auth::TokenVerifier& v, const core::Clock& c, runtime::Timers& t, metrics::Registry& r)
      : settings(std::move(s)),
        bus(b),
        verifier(v),
        clock(c),
        timers(t),
        registry(r),
        metrics(r),
        routes(b.open_no_echo(settings.node_id + "-routes")),
        router(*routes, [this](std::string_view subject, std::string_view data) { deliver_here(subject, data); }),
        upgrade_limiter(c),
        log(log::get("gateway")),
        unknown_ops(metrics.ops.with({"unknown"})) {
    for (const auto& e : table()) op_counts.push_back(&metrics.ops.with({e.info.name}));
  }

  struct Ctx {
    ConnPtr conn;
    SessionPtr session;
    json::value rid;
    json::object& d;
    std::string_view op;
  };
  using OpHandler = void (Impl::*)(Ctx&);
  struct OpEntry {
    OpInfo info;
    OpHandler handler;
  };
  static const std::vector<OpEntry>& table();

  Settings settings;
  bus::Bus& bus;
  auth::TokenVerifier& verifier;
  const core::Clock& clock;
  runtime::Timers& timers;
  metrics::Registry& registry;
  GatewayMetrics metrics;
  // route.* subscriptions and this gateway's own route messages, on a client of the bus that
  // never echoes: the router hands them to sessions here itself (deliver_here), and the bus
  // carries them only to other gateways. Declared before every subscription it makes.
  std::unique_ptr<bus::Bus> routes;
  router::Router router;
  core::MemoryRateLimiter upgrade_limiter;       // WebSocket upgrades per client IP
  core::SharedLimit* shared_upgrades = nullptr;  // the same, counted with the other gateways (set once, at start)
  // Sessions that move between gateways (both or neither; set once, at start).
  SessionMirror* mirror = nullptr;
  bus::History* history = nullptr;
  std::unique_ptr<MirrorWriter> writer;  // with `mirror`
  std::function<void(const Gateway::SessionChange&)> session_changes;  // set once, at start
  std::shared_ptr<spdlog::logger> log;
  // Resolved once: nothing per message looks a label up.
  std::vector<metrics::Counter*> op_counts;  // by table() index
  metrics::Counter& unknown_ops;

  struct Fanout {
    std::vector<SessionPtr> sessions;
    std::unique_ptr<bus::Subscription> sub;
    std::uint64_t generation = 0;  // 0: nobody subscribes yet; else the subscribe in progress or done
  };
  // Never held while publishing, subscribing, unsubscribing, flushing or doing I/O.
  mutable core::Mutex mu;
  std::uint64_t next_generation ARENA_GUARDED_BY(mu) = 0;
  // Makes sure map[key] has its bus subscription, subscribing outside `mu`. Returns true if this
  // call subscribed (the caller may want to flush).
  using FanoutMap = std::unordered_map<std::string, Fanout>;
  bool ensure_subscribed(FanoutMap Impl::*map, const std::string& key, const std::string& subject) ARENA_EXCLUDES(mu);
  std::unordered_map<std::string, SessionPtr> sessions ARENA_GUARDED_BY(mu);
  std::unordered_map<std::string, Fanout> users ARENA_GUARDED_BY(mu);
  std::unordered_map<std::string, Fanout> channels ARENA_GUARDED_BY(mu);
  std::unordered_set<ConnPtr> conns ARENA_GUARDED_BY(mu);
  // Detached sessions by when their resume window ends (an entry may be stale: the session
  // resumed, or detached again later; the sweep checks). The sweep only looks at what is due.
  std::multimap<core::SystemTime, std::weak_ptr<Session>> resume_deadlines ARENA_GUARDED_BY(mu);
  // Sessions moved here lately, by when they stop checking for pushes they got twice.
  std::multimap<core::SystemTime, std::weak_ptr<Session>> settling ARENA_GUARDED_BY(mu);
  std::condition_variable_any conns_cv;
  std::unique_ptr<bus::Subscription> resync_sub;

  // The sweep (resume expiry, token expiry, idle pings, the node heartbeat) every 200 ms, on a
  // strand of its own: no I/O thread runs it, and nothing else waits for it.
  runtime::Strand sweeper{"gateway-sweep"};
  // session.opened/closed go out from here, in the order they happen: the first one of a user
  // waits for the bus to confirm the user's subscription (a NATS round trip), on this strand,
  // never on the I/O thread that opened the session.
  runtime::Strand announcer{"gateway-announce"};
  // Take over sessions from other gateways (Redis and the bus's history: blocking calls, never on
  // an I/O thread): a move is mostly round trips, so several go at once, one per strand.
  std::array<runtime::Strand, 4> resumers{runtime::Strand{"gateway-resume"}, runtime::Strand{"gateway-resume"},
                                          runtime::Strand{"gateway-resume"}, runtime::Strand{"gateway-resume"}};
  std::atomic<std::size_t> next_resumer{0};
  std::unique_ptr<runtime::Timers::Timer> sweep_timer;  // on `sweeper`; destroyed before it stops
  core::Steady::time_point last_heartbeat{};            // only on the sweeper; clock.monotonic()

  // --- lifecycle ---
  void start();
  void stop();
  void sweep();
  std::optional<http::Response> check_upgrade(http::Request& req);
  void accept_upgrade(http::Upgrade&& up);
  bool room_for_session(const ConnectionInfo& info) ARENA_EXCLUDES(mu);

  // --- LinkOwner ---
  void on_open(const ConnPtr& c) override;
  void on_text(const ConnPtr& c, std::string_view text) override;
  void on_binary(const ConnPtr& c) override;
  void on_rate_limited(const ConnPtr& c, bool close) override;
  void on_closed(const ConnPtr& c) override;

  // --- sessions and fan-out ---
  SessionPtr open_session(const std::string& user_id);
  // The welcome frame maker for Session::attach.
  std::function<Outbound(std::size_t, std::uint64_t)> welcome(const SessionPtr& s, bool resumed, std::string_view reason,
                                                                std::string_view moved_from = {});
  // A new session for `c`, attached (reason: why a resume did not happen, or empty).
  SessionPtr start_session(const ConnPtr& c, std::string_view reason);
  // On a resumer: resumes c's session from the mirror (another gateway had it), else starts a new one.
  void resume_moved(const ConnPtr& c);
  SessionPtr take_over(const ConnPtr& c, std::string& reason, std::string& moved_from);
  // session.opened and a quiet channels.join per channel: the sessions role learns of `s` again.
  void announce_all(const SessionPtr& s);
  void mirror_channels(const SessionPtr& s);
  // Ends `s` here; session.closed goes out unless `announce` is false (a session that moved to
  // another gateway: the new one's session.opened closes it).
  void expire(const SessionPtr& s, const char* why, bool announce = true);
  // The player resumed `s` on another gateway: its socket here (if any) closes with 4003 and the
  // session ends without a session.closed (the new one's session.opened closes it).
  void let_go(const SessionPtr& s);
  // `from_here`: the message comes from this gateway's own router (deliver_here), not the bus.
  void deliver(std::string_view data, const std::vector<SessionPtr>& targets, bool from_here = false);
  // A route message this gateway published, to its own sessions that `subject` names.
  void deliver_here(std::string_view subject, std::string_view data);
  // The pushes routed to `s` (of `user`, in `channels`) since `from`, not kept by the session,
  // oldest first; throws when the history cannot tell (or there were more than a session keeps).
  // `replaced`: a kick came for sessions of the user that began before a newer one, this one too
  // (no gateway held it then).
  std::vector<std::pair<std::string, std::shared_ptr<const std::string>>> routed_since(
      const MirroredSession& m, std::int64_t from_ms, bool& replaced);
  std::vector<SessionPtr> fanout_targets(FanoutMap Impl::*map, const std::string& key) ARENA_EXCLUDES(mu);
  void announce(const SessionPtr& s, std::string_view subject);
  bool local_join(const SessionPtr& s, const std::string& channel);
  void local_leave(const SessionPtr& s, const std::string& channel);
  // Takes `s` out of map[key]; when nobody is left, removes the entry and hands back its bus
  // subscription, to be destroyed once `mu` (held by the caller) is released.
  std::unique_ptr<bus::Subscription> remove_from(std::unordered_map<std::string, Fanout>& map, const std::string& key,
                                                 const SessionPtr& s) ARENA_REQUIRES(mu);

  // --- replies ---
  void reply(const ConnPtr& c, std::string_view op, const json::value& rid, const json::object& d);
  // An engine code (its counter resolved once), or a code relayed from a service or a game mode.
  void error(const ConnPtr& c, const json::value& rid, Code code, std::string_view message);
  void error(const ConnPtr& c, const json::value& rid, std::string_view code, std::string_view message);
  std::array<std::atomic<metrics::Counter*>, kCodeCount> error_counters{};

  // --- ops ---
  void op_ping(Ctx& x);
  void op_channel_join(Ctx& x);
  void op_channel_leave(Ctx& x);
  void op_channel_send(Ctx& x);
  void op_channel_members(Ctx& x);
  void op_dm_send(Ctx& x);
  void op_presence_query(Ctx& x);
  void op_session_refresh(Ctx& x);
  void op_matchmaker(Ctx& x);    // mm.* and party.*: answered by the matchmaker role
  void op_party_invite(Ctx& x);  // checks the account exists, then as op_matchmaker
  void op_match(Ctx& x);         // match.*: answered by the host running that match
  void forward_op(Ctx& x, const std::string& subject, json::value d, std::string_view gone);
  void join_channel(const ConnPtr& conn, const SessionPtr& s, const json::value& rid, std::string ch);

  std::string channel_arg(const json::object& d);
  std::string body_arg(const json::object& d);
  // `gone`: the error code for "nobody answers this subject" (default: unavailable).
  void service_request(std::string_view subject, const json::object& payload, ConnPtr c, json::value rid,
                       std::function<void(const json::object&)> on_ok, std::function<void()> on_fail = {},
                       std::string_view gone = {});
  void service_request(std::string_view subject, std::string data, ConnPtr c, json::value rid,
                       std::function<void(const json::object&)> on_ok, std::function<void()> on_fail = {},
                       std::string_view gone = {});
};

}  // namespace arena::gateway
