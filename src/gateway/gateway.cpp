#include "arena/gateway/gateway.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>
#include <condition_variable>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "arena/core/encoding.hpp"
#include "arena/core/error.hpp"
#include "arena/core/json_input.hpp"
#include "arena/core/log.hpp"
#include "arena/core/random.hpp"
#include "arena/core/rate_limiter.hpp"
#include "arena/protocol/messages.hpp"
#include "arena/protocol/subjects.hpp"
#include "arena/router/router.hpp"
#include "connection.hpp"

namespace arena::gateway {
namespace json = boost::json;

GatewayMetrics::GatewayMetrics(metrics::Registry& r)
    : connections_open(r.gauge("gateway_connections_open", "Open WebSocket connections").with({})),
      connections_total(r.counter("gateway_connections_total", "Accepted WebSocket connections").with({})),
      sessions_open(r.gauge("gateway_sessions_open", "Sessions held (connected or within the resume window)").with({})),
      ops(r.counter("gateway_ops_total", "Client ops received, by op", {"op"})),
      errors(r.counter("gateway_errors_total", "Error frames sent, by code", {"code"})),
      closes(r.counter("gateway_closes_total", "Connections closed by the server, by close code", {"code"})),
      resumes(r.counter("gateway_resumes_total", "Resume attempts, by result", {"result"})),
      pushes(r.counter("gateway_pushes_total", "Server pushes stamped onto sessions").with({})),
      frames_out(r.counter("gateway_frames_out_total", "Frames written to sockets").with({})),
      bad_bus_messages(r.counter("gateway_bad_bus_messages_total",
                                 "Malformed pushes from the bus, dropped before reaching any client")
                           .with({})) {}

namespace {

using ConnPtr = std::shared_ptr<Link>;
using SessionPtr = std::shared_ptr<Session>;

std::shared_ptr<const std::string> frame_ptr(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

std::int64_t unix_ms(core::SystemTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// "arena.v1, bearer.<token>" (browsers cannot set Authorization on a WebSocket).
std::string token_from_subprotocols(std::string_view header, bool& offered_v1) {
  std::string token;
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == "arena.v1") offered_v1 = true;
    if (item.rfind("bearer.", 0) == 0) token = std::string(item.substr(7));
  }
  return token;
}

// A push body as the router frames it: the rest of a JSON object after `{"seq":N,`, holding a
// string "op" and a "d". Checked once per bus message, before any recipient gets it.
bool valid_push(std::string_view body) {
  if (body.empty() || body.back() != '}') return false;
  thread_local std::string buf;
  buf.assign("{");
  buf.append(body);
  unsigned char scratch[4096];
  json::monotonic_resource mr(scratch, sizeof scratch);
  boost::system::error_code ec;
  const json::value v = json::parse(buf, ec, &mr);
  if (ec || !v.is_object()) return false;
  const auto& o = v.get_object();
  const auto* op = o.if_contains("op");
  return op != nullptr && op->is_string() && o.contains("d") && !o.contains("seq");
}

}  // namespace

struct Gateway::Impl final : LinkOwner {
  Impl(GatewaySettings s, bus::Bus& b, auth::TokenVerifier& v, const core::Clock& c, metrics::Registry& r)
      : settings(std::move(s)),
        bus(b),
        verifier(v),
        clock(c),
        metrics(r),
        router(b),
        upgrade_limiter(c),
        log(log::get("gateway")) {}

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

  GatewaySettings settings;
  bus::Bus& bus;
  auth::TokenVerifier& verifier;
  const core::Clock& clock;
  GatewayMetrics metrics;
  router::Router router;
  core::MemoryRateLimiter upgrade_limiter;  // WebSocket upgrades per client IP
  std::shared_ptr<spdlog::logger> log;

  struct Fanout {
    std::vector<SessionPtr> sessions;
    std::unique_ptr<bus::Subscription> sub;
  };
  mutable std::mutex mu;  // never held while publishing or unsubscribing
  std::unordered_map<std::string, SessionPtr> sessions;
  std::unordered_map<std::string, Fanout> users;
  std::unordered_map<std::string, Fanout> channels;
  std::unordered_set<ConnPtr> conns;
  std::condition_variable conns_cv;
  std::unique_ptr<bus::Subscription> resync_sub;

  std::mutex sweep_mu;
  std::condition_variable sweep_cv;
  bool stopping = false;
  std::thread sweeper;
  std::chrono::steady_clock::time_point last_heartbeat{};  // liveness is real time, not game time

  // --- lifecycle ---
  void start();
  void stop();
  void sweep();
  std::optional<http::Response> check_upgrade(http::Request& req);
  void accept_upgrade(http::Upgrade&& up);
  bool room_for_session(const ConnectionInfo& info);

  // --- LinkOwner ---
  void on_open(const ConnPtr& c) override;
  void on_text(const ConnPtr& c, std::string_view text) override;
  void on_binary(const ConnPtr& c) override;
  void on_rate_limited(const ConnPtr& c, bool close) override;
  void on_closed(const ConnPtr& c) override;

  // --- sessions and fan-out ---
  SessionPtr open_session(const std::string& user_id);
  void expire(const SessionPtr& s, const char* why);
  void deliver(std::string_view data, const std::vector<SessionPtr>& targets);
  std::vector<SessionPtr> fanout_targets(const std::unordered_map<std::string, Fanout>& map, const std::string& key);
  void announce(const SessionPtr& s, std::string_view subject);
  bool local_join(const SessionPtr& s, const std::string& channel);
  void local_leave(const SessionPtr& s, const std::string& channel);
  // Takes `s` out of map[key]; when nobody is left, removes the entry and hands back its bus
  // subscription, to be destroyed once `mu` (held by the caller) is released.
  std::unique_ptr<bus::Subscription> remove_from(std::unordered_map<std::string, Fanout>& map, const std::string& key,
                                                 const SessionPtr& s);

  // --- replies ---
  void reply(const ConnPtr& c, std::string_view op, const json::value& rid, const json::object& d);
  void error(const ConnPtr& c, const json::value& rid, std::string_view code, std::string_view message);

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
};

// The table of client ops: dispatch reads it, docs/protocol.md documents it (a test keeps the two in step).
const std::vector<Gateway::Impl::OpEntry>& Gateway::Impl::table() {
  static const std::vector<OpEntry> t = {
      {{"ping", "{}", "pong {\"server_time\"}", "session"}, &Impl::op_ping},
      {{"channel.join", "{\"channel\"}", "{\"channel\",\"members\"}", "session"}, &Impl::op_channel_join},
      {{"channel.leave", "{\"channel\"}", "{\"channel\"}", "session, in channel"}, &Impl::op_channel_leave},
      {{"channel.send", "{\"channel\",\"body\"}", "{\"channel\"}", "session, in channel"}, &Impl::op_channel_send},
      {{"channel.members", "{\"channel\"}", "{\"channel\",\"members\"}", "session"}, &Impl::op_channel_members},
      {{"dm.send", "{\"to\",\"body\"}", "{\"to\"}", "session"}, &Impl::op_dm_send},
      {{"presence.query", "{\"users\"}", "{\"users\":{id:{\"online\",\"nodes\"}}}", "session"},
       &Impl::op_presence_query},
      {{"session.refresh", "{\"access_token\"}", "{\"expires_at\"}", "session"}, &Impl::op_session_refresh},
      {{"mm.enqueue", "{\"mode\",\"regions\":{region:ping_ms},\"properties\"?}", "{\"ticket_id\",\"state\"}",
        "session; party leader if in a party"},
       &Impl::op_matchmaker},
      {{"mm.cancel", "{}", "{\"ticket_id\",\"state\"}", "session, queued (any party member)"}, &Impl::op_matchmaker},
      {{"party.create", "{}", "party view", "session, not in a party"}, &Impl::op_matchmaker},
      {{"party.invite", "{\"user_id\"}", "{\"party_id\",\"user_id\"}", "party leader; an existing account"},
       &Impl::op_party_invite},
      {{"party.accept", "{\"party_id\"}", "party view", "open invite, not in a party"}, &Impl::op_matchmaker},
      {{"party.decline", "{\"party_id\"}", "{\"party_id\"}", "open invite"}, &Impl::op_matchmaker},
      {{"party.leave", "{}", "{\"party_id\"}", "in a party"}, &Impl::op_matchmaker},
      {{"party.kick", "{\"user_id\"}", "{\"party_id\",\"user_id\"}", "party leader"}, &Impl::op_matchmaker},
      {{"party.promote", "{\"user_id\"}", "party view", "party leader"}, &Impl::op_matchmaker},
      {{"match.input", "{\"match_id\",\"d\"}", "{\"match_id\",\"tick\"}", "a seat in the running match"},
       &Impl::op_match},
      {{"match.snapshot", "{\"match_id\"}", "{\"match_id\",\"tick\",\"state\"}", "a seat in the running match"},
       &Impl::op_match},
      {{"match.leave", "{\"match_id\"}", "{\"match_id\"}", "a seat in the running match"}, &Impl::op_match},
  };
  return t;
}

// ---------------------------------------------------------------- lifecycle

void Gateway::Impl::start() {
  // The presence service restarted: tell it about every session held here.
  resync_sub = bus.subscribe(protocol::kPresenceResync, [this](const bus::Message&) {
    std::vector<SessionPtr> all;
    {
      std::lock_guard lock(mu);
      for (auto& [id, s] : sessions) all.push_back(s);
    }
    for (auto& s : all) announce(s, protocol::kSessionOpened);
  });
  sweeper = std::thread([this] {
    std::unique_lock lock(sweep_mu);
    while (!stopping) {
      sweep_cv.wait_for(lock, std::chrono::milliseconds(200));
      if (stopping) break;
      lock.unlock();
      try {
        sweep();
      } catch (const std::exception& e) {
        log->error("msg=\"sweep failed\" error=\"{}\"", e.what());
      }
      lock.lock();
    }
  });
}

void Gateway::Impl::stop() {
  {
    std::lock_guard lock(sweep_mu);
    stopping = true;
  }
  sweep_cv.notify_all();
  if (sweeper.joinable()) sweeper.join();
  resync_sub.reset();
  std::vector<std::unique_ptr<bus::Subscription>> subs;
  std::unordered_set<ConnPtr> dropped_conns;
  std::unordered_map<std::string, SessionPtr> dropped_sessions;
  {
    std::lock_guard lock(mu);
    for (auto& [k, f] : users) subs.push_back(std::move(f.sub));
    for (auto& [k, f] : channels) subs.push_back(std::move(f.sub));
    users.clear();
    channels.clear();
    // Drop every reference held here: a Connection must not outlive the io_context its
    // WebSocket belongs to, and the HTTP server (which owns that io_context) goes next.
    dropped_conns.swap(conns);
    dropped_sessions.swap(sessions);
  }
  subs.clear();
}

// Expires detached sessions past the resume window; closes connections whose token expired;
// pings quiet connections and drops dead ones.
void Gateway::Impl::sweep() {
  const auto now = clock.now();
  if (const auto real = std::chrono::steady_clock::now(); real - last_heartbeat >= protocol::kHeartbeatInterval) {
    last_heartbeat = real;
    std::size_t n = 0;
    {
      std::lock_guard lock(mu);
      n = sessions.size();
    }
    bus.publish(protocol::kNodeHeartbeat,
                protocol::encode(protocol::NodeHeartbeat{settings.node_id, static_cast<std::int64_t>(n)}));
  }
  const auto now_s = clock.now_unix();
  std::vector<SessionPtr> expired;
  std::vector<ConnPtr> stale;
  {
    std::lock_guard lock(mu);
    for (auto& [id, s] : sessions) {
      if (auto since = s->detached_since(); since && now - *since >= settings.resume_window) expired.push_back(s);
    }
    const auto real_now = std::chrono::steady_clock::now();
    for (const auto& c : conns) {
      if (c->token_expiry() <= now_s) stale.push_back(c);
      c->check_idle(real_now);
    }
  }
  for (auto& s : expired) expire(s, "resume window passed");
  for (auto& c : stale) c->close(CloseCode::token_expired, "access token expired");
}

std::optional<http::Response> Gateway::Impl::check_upgrade(http::Request& req) {
  if (const int wait =
          upgrade_limiter.acquire(req.remote_ip, {settings.upgrades_per_ip_burst, settings.upgrades_per_ip_per_minute});
      wait > 0) {
    throw ApiError(429, "too_many_upgrades", "too many WebSocket connections opened from this address")
        .with_retry_after(wait);
  }
  bool offered_v1 = false;
  std::string token(req.bearer_token());
  if (token.empty())
    token = token_from_subprotocols(req.header("sec-websocket-protocol"), offered_v1);
  else
    token_from_subprotocols(req.header("sec-websocket-protocol"), offered_v1);
  const auth::Principal p = verifier.verify(token);  // throws ApiError 401
  ConnectionInfo info;
  info.user_id = p.user_id;
  info.login_id = p.session_id;
  info.token_expires_at = p.expires_at;
  info.remote_ip = req.remote_ip;
  if (offered_v1) info.subprotocol = "arena.v1";
  if (auto sid = req.query_param("sid")) {
    if (!core::is_uuid(*sid)) throw ApiError::bad_request("invalid_field", "sid must be a session id");
    info.resume_sid = *sid;
    std::uint64_t last = 0;
    if (auto ls = req.query_param("last_seq")) {
      const auto [ptr, ec] = std::from_chars(ls->data(), ls->data() + ls->size(), last);
      if (ec != std::errc{} || ptr != ls->data() + ls->size())
        throw ApiError::bad_request("invalid_field", "last_seq must be a non-negative integer");
    }
    info.resume_last_seq = last;
  }
  if (!room_for_session(info)) {
    throw ApiError(429, "too_many_sessions",
                   "this user has " + std::to_string(settings.max_sessions_per_user) +
                       " live sessions here; close one, or resume one with ?sid=");
  }
  req.attachment = std::move(info);
  return std::nullopt;
}

// A resume of a held session adds none. Otherwise, at the cap, the user's oldest session that
// waits for a resume makes room; when every one is connected, there is no room.
bool Gateway::Impl::room_for_session(const ConnectionInfo& info) {
  SessionPtr evict;
  {
    std::lock_guard lock(mu);
    if (info.resume_sid && sessions.contains(*info.resume_sid)) return true;
    auto it = users.find(info.user_id);
    if (it == users.end() || it->second.sessions.size() < settings.max_sessions_per_user) return true;
    for (const auto& s : it->second.sessions) {  // oldest first
      if (s->detached_since()) {
        evict = s;
        break;
      }
    }
  }
  if (!evict) return false;
  expire(evict, "session limit");
  return true;
}

void Gateway::Impl::accept_upgrade(http::Upgrade&& up) {
  auto info = std::any_cast<ConnectionInfo>(std::move(up.info.attachment));
  auto conn = std::make_shared<Connection>(std::move(up), *this, settings, metrics, std::move(info));
  conn->start();
}

// ---------------------------------------------------------------- connections

void Gateway::Impl::on_open(const ConnPtr& c) {
  {
    std::lock_guard lock(mu);
    conns.insert(c);
  }
  const auto& info = c->info();
  auto welcome = [&](SessionPtr s, bool resumed, std::string_view reason) {
    return [this, s, resumed, reason](std::size_t replayed, std::uint64_t last_seq) {
      json::object d{{"sid", s->id()},
                     {"user_id", s->user_id()},
                     {"node", settings.node_id},
                     {"resumed", resumed},
                     {"replayed", replayed},
                     {"last_seq", last_seq},
                     {"resume_window_ms", settings.resume_window.count()},
                     {"server_time", unix_ms(clock.now())}};
      if (!reason.empty()) d["reason"] = reason;
      return Outbound{0, frame_ptr(event_frame("session.welcome", d))};
    };
  };
  SessionPtr session;
  std::string_view reason;
  if (info.resume_sid) {
    SessionPtr found;
    {
      std::lock_guard lock(mu);
      if (auto it = sessions.find(*info.resume_sid); it != sessions.end()) found = it->second;
    }
    if (found && found->user_id() == info.user_id) {
      auto previous = std::dynamic_pointer_cast<Link>(found->sink());
      const auto attached = found->attach(c, info.resume_last_seq, welcome(found, true, {}));
      if (attached == Session::Attach::attached) {
        if (previous) previous->close(CloseCode::resumed_elsewhere, "session resumed on another connection");
        session = found;
        metrics.resumes.with({"resumed"}).inc();
      } else {
        reason = attached == Session::Attach::seq_ahead ? "seq_ahead" : "missed_too_much";
      }
    } else {
      reason = "unknown_session";  // expired, never existed or not this user's: all look alike
    }
    if (!session) metrics.resumes.with({std::string(reason)}).inc();
  }
  if (!session) {
    session = open_session(info.user_id);
    session->attach(c, std::nullopt, welcome(session, false, reason));
    if (settings.second_connection == SecondConnection::replace)
      router.close_other_sessions(info.user_id, session->id());
  }
  c->set_session(session);
}

void Gateway::Impl::on_closed(const ConnPtr& c) {
  {
    std::lock_guard lock(mu);
    conns.erase(c);
  }
  conns_cv.notify_all();
  auto s = c->session();
  if (s && s->detach(c.get(), clock.now()) && settings.resume_window.count() == 0) expire(s, "disconnected");
}

void Gateway::Impl::on_binary(const ConnPtr& c) {
  error(c, nullptr, "unsupported_frame", "binary frames are not supported; send JSON text frames");
}

void Gateway::Impl::on_rate_limited(const ConnPtr& c, bool close) {
  if (close) {
    c->close(CloseCode::policy, "message rate limit exceeded repeatedly");
    return;
  }
  error(c, nullptr, "rate_limited", "too many messages; slow down");
}

void Gateway::Impl::on_text(const ConnPtr& c, std::string_view text) {
  Envelope env;
  try {
    parse_envelope(text, settings.json_max_depth, env);
  } catch (const ApiError& e) {
    error(c, env.rid, e.code(), e.message());
    return;
  }
  const OpEntry* entry = nullptr;
  for (const auto& e : table())
    if (e.info.name == env.op) entry = &e;
  if (entry == nullptr) {
    metrics.ops.with({"unknown"}).inc();
    error(c, env.rid, "unknown_op", "unknown op '" + env.op.substr(0, 64) + "'");
    return;
  }
  metrics.ops.with({entry->info.name}).inc();
  Ctx ctx{c, c->session(), env.rid, env.d, entry->info.name};
  try {
    (this->*(entry->handler))(ctx);
  } catch (const ApiError& e) {
    error(c, env.rid, e.code(), e.message());
  } catch (const std::exception& e) {
    log->error("msg=\"op failed\" op={} error=\"{}\"", env.op, e.what());
    error(c, env.rid, "internal", "internal error");
  }
}

// ---------------------------------------------------------------- sessions and fan-out

std::vector<SessionPtr> Gateway::Impl::fanout_targets(const std::unordered_map<std::string, Fanout>& map,
                                                      const std::string& key) {
  std::lock_guard lock(mu);
  auto it = map.find(key);
  return it == map.end() ? std::vector<SessionPtr>{} : it->second.sessions;
}

void Gateway::Impl::deliver(std::string_view data, const std::vector<SessionPtr>& targets) {
  if (targets.empty()) return;
  const auto payload = protocol::decode<protocol::RoutePayload>(data);
  if (!payload || (payload->kind == protocol::RoutePayload::Kind::push && !valid_push(payload->text))) {
    metrics.bad_bus_messages.inc();  // from another node: never pass on what a client cannot parse
    log->warn("msg=\"dropped a malformed route payload from the bus\" bytes={}", data.size());
    return;
  }
  if (payload->kind == protocol::RoutePayload::Kind::push) {
    auto body = frame_ptr(std::string(payload->text));  // serialised once, shared by every recipient
    for (const auto& s : targets) s->push(body);
    metrics.pushes.inc(targets.size());
  } else {
    const std::string_view keep = payload->text;
    for (const auto& s : targets) {
      // Only older sessions: session ids are UUIDv7 (time-ordered), and a kick can arrive late
      // (buffered in a NATS client), after a newer session of the same user opened elsewhere.
      if (s->id() >= keep) continue;
      if (auto conn = std::dynamic_pointer_cast<Link>(s->sink()))
        conn->close(CloseCode::replaced, "a newer connection of this user took over");
      expire(s, "replaced");
    }
  }
}

SessionPtr Gateway::Impl::open_session(const std::string& user_id) {
  auto s = std::make_shared<Session>(core::new_uuid(), user_id, settings.resume_buffer_messages);
  bool subscribed = false;
  {
    std::lock_guard lock(mu);
    sessions.emplace(s->id(), s);
    auto& f = users[user_id];
    f.sessions.push_back(s);
    if (!f.sub) {
      f.sub = bus.subscribe(protocol::route_user(user_id), [this, user_id](const bus::Message& m) {
        deliver(m.data, fanout_targets(users, user_id));
      });
      subscribed = true;
    }
  }
  // NATS clients buffer SUB: make sure the server knows this user is here before anyone can
  // be told so (session.opened, the replace kick of another gateway), or the first pushes
  // to the user could be lost. One round trip per newly connected user; free on MemoryBus.
  if (subscribed && !bus.flush(settings.request_timeout))
    log->warn("msg=\"bus flush timed out after subscribing\" user={}", user_id);
  metrics.sessions_open.inc();
  announce(s, protocol::kSessionOpened);
  return s;
}

void Gateway::Impl::expire(const SessionPtr& s, const char* why) {
  std::vector<std::unique_ptr<bus::Subscription>> dropped;  // destroyed after the lock is released
  const auto chans = s->channels();
  {
    std::lock_guard lock(mu);
    if (sessions.erase(s->id()) == 0) return;  // already expired
    dropped.push_back(remove_from(users, s->user_id(), s));
    for (const auto& ch : chans) dropped.push_back(remove_from(channels, ch, s));
  }
  dropped.clear();
  metrics.sessions_open.dec();
  announce(s, protocol::kSessionClosed);
  log->debug("msg=\"session closed\" sid={} reason=\"{}\"", s->id(), why);
}

void Gateway::Impl::announce(const SessionPtr& s, std::string_view subject) {
  bus.publish(subject, protocol::encode(protocol::SessionEvent{s->id(), s->user_id(), settings.node_id}));
}

bool Gateway::Impl::local_join(const SessionPtr& s, const std::string& channel) {
  std::lock_guard lock(mu);
  auto& f = channels[channel];
  if (std::find(f.sessions.begin(), f.sessions.end(), s) != f.sessions.end()) return false;
  f.sessions.push_back(s);
  if (!f.sub) {
    f.sub = bus.subscribe(protocol::route_channel(channel), [this, channel](const bus::Message& m) {
      deliver(m.data, fanout_targets(channels, channel));
    });
  }
  return true;
}

std::unique_ptr<bus::Subscription> Gateway::Impl::remove_from(std::unordered_map<std::string, Fanout>& map,
                                                              const std::string& key, const SessionPtr& s) {
  auto it = map.find(key);
  if (it == map.end()) return nullptr;
  std::erase(it->second.sessions, s);
  if (!it->second.sessions.empty()) return nullptr;
  auto sub = std::move(it->second.sub);
  map.erase(it);
  return sub;
}

void Gateway::Impl::local_leave(const SessionPtr& s, const std::string& channel) {
  std::unique_ptr<bus::Subscription> dropped;  // destroyed after the lock is released
  std::lock_guard lock(mu);
  dropped = remove_from(channels, channel, s);
}

// ---------------------------------------------------------------- replies

void Gateway::Impl::reply(const ConnPtr& c, std::string_view op, const json::value& rid, const json::object& d) {
  c->send(Outbound{0, frame_ptr(reply_frame(op, rid, d))});
}

void Gateway::Impl::error(const ConnPtr& c, const json::value& rid, std::string_view code, std::string_view message) {
  metrics.errors.with({code}).inc();
  c->send(Outbound{0, frame_ptr(error_frame(rid, code, message))});
}

void Gateway::Impl::service_request(std::string_view subject, const json::object& payload, ConnPtr c, json::value rid,
                                    std::function<void(const json::object&)> on_ok, std::function<void()> on_fail,
                                    std::string_view gone) {
  bus.request(subject, json::serialize(payload), settings.request_timeout,
              [this, c = std::move(c), rid = std::move(rid), on_ok = std::move(on_ok), on_fail = std::move(on_fail),
               gone = std::string(gone)](bus::Reply r) {
                boost::system::error_code ec;
                json::value v;
                if (r.error == bus::RequestError::no_responders && !gone.empty()) {
                  if (on_fail) on_fail();
                  error(c, rid, gone, "nothing answers for that (it may have ended)");
                  return;
                }
                if (r.error == bus::RequestError::none) v = json::parse(r.data, ec);
                if (r.error != bus::RequestError::none || ec || !v.is_object()) {
                  if (on_fail) on_fail();
                  error(c, rid, "unavailable", "the service did not answer; try again");
                  return;
                }
                const auto& o = v.as_object();
                if (const auto* err = o.if_contains("error"); err != nullptr && err->is_object()) {
                  if (on_fail) on_fail();
                  const auto* code = err->as_object().if_contains("code");
                  const auto* msg = err->as_object().if_contains("message");
                  error(c, rid, code != nullptr && code->is_string() ? std::string(code->get_string()) : "internal",
                        msg != nullptr && msg->is_string() ? std::string(msg->get_string()) : "request failed");
                  return;
                }
                on_ok(o);
              });
}

// ---------------------------------------------------------------- ops

std::string Gateway::Impl::channel_arg(const json::object& d) {
  std::string ch = core::Fields(d).required_string("channel", 1, 64);
  if (!bus::valid_token(ch))
    throw ApiError::bad_request("invalid_field", "channel may contain only letters, digits, '_', '-' and ':'");
  return ch;
}

std::string Gateway::Impl::body_arg(const json::object& d) {
  return core::Fields(d).required_string("body", 1, settings.max_body_chars);
}

// Hands the op to the service on `subject` as {"op","user_id","sid","d"} and relays its "d".
void Gateway::Impl::forward_op(Ctx& x, const std::string& subject, json::value d, std::string_view gone) {
  const std::string op(x.op);
  service_request(
      subject, {{"op", op}, {"user_id", x.session->user_id()}, {"sid", x.session->id()}, {"d", std::move(d)}}, x.conn,
      x.rid,
      [this, c = x.conn, rid = x.rid, op](const json::object& o) {
        const auto* r = o.if_contains("d");
        reply(c, op, rid, r != nullptr && r->is_object() ? r->as_object() : json::object{});
      },
      {}, gone);
}

void Gateway::Impl::op_matchmaker(Ctx& x) {
  forward_op(x, std::string(protocol::kMatchmakerOp), x.d, {});
}

// Invites go only to accounts that exist: the auth role says which, then the matchmaker decides.
void Gateway::Impl::op_party_invite(Ctx& x) {
  const std::string target = core::Fields(x.d).required_string("user_id", 1, 128);
  if (!bus::valid_token(target)) throw ApiError::bad_request("invalid_field", "user_id is not a user id");
  service_request(protocol::kAccountsExist, {{"user_ids", json::array{json::value(target)}}}, x.conn, x.rid,
                  [this, c = x.conn, s = x.session, rid = x.rid, d = x.d, target](const json::object& o) mutable {
                    bool exists = false;
                    if (const auto* e = o.if_contains("exists"); e != nullptr && e->is_object()) {
                      const auto* v = e->as_object().if_contains(target);
                      exists = v != nullptr && v->is_bool() && v->get_bool();
                    }
                    if (!exists) {
                      error(c, rid, "no_such_user", "there is no player with that user id");
                      return;
                    }
                    Ctx next{c, s, rid, d, "party.invite"};
                    forward_op(next, std::string(protocol::kMatchmakerOp), d, {});
                  });
}

void Gateway::Impl::op_match(Ctx& x) {
  const std::string id = core::Fields(x.d).required_string("match_id", 1, 64);
  if (!bus::valid_token(id)) throw ApiError::bad_request("invalid_field", "match_id is not a match id");
  const auto* d = x.d.if_contains("d");
  forward_op(x, protocol::match_op(id), d != nullptr ? *d : json::value(nullptr), "no_such_match");
}

void Gateway::Impl::op_ping(Ctx& x) {
  reply(x.conn, "pong", x.rid, {{"server_time", unix_ms(clock.now())}});
}

void Gateway::Impl::op_channel_join(Ctx& x) {
  std::string ch = channel_arg(x.d);
  constexpr std::string_view kPartyPrefix = "party:";
  if (ch.rfind(kPartyPrefix, 0) != 0) {
    join_channel(x.conn, x.session, x.rid, std::move(ch));
    return;
  }
  // A party's chat channel is for its members: the matchmaker says who they are.
  const std::string party = ch.substr(kPartyPrefix.size());
  service_request(protocol::kMatchmakerOp,
                  {{"op", "party.check"},
                   {"user_id", x.session->user_id()},
                   {"sid", x.session->id()},
                   {"d", {{"party_id", party}}}},
                  x.conn, x.rid, [this, c = x.conn, s = x.session, rid = x.rid, ch](const json::object&) {
                    try {
                      join_channel(c, s, rid, ch);
                    } catch (const ApiError& e) {
                      error(c, rid, e.code(), e.message());
                    }
                  });
}

void Gateway::Impl::join_channel(const ConnPtr& conn, const SessionPtr& s, const json::value& rid, std::string ch) {
  const bool already = s->in_channel(ch);
  if (!s->add_channel(ch, settings.max_channels_per_session))
    throw ApiError::bad_request("too_many_channels", "this session is in the maximum number of channels");
  // Subscribe before asking, so nothing sent to the channel after the answer is missed.
  local_join(s, ch);
  service_request(
      protocol::kChannelsJoin, {{"channel", ch}, {"user_id", s->user_id()}, {"sid", s->id()}}, conn, rid,
      [this, c = conn, rid, ch](const json::object& o) {
        json::value members = o.contains("members") ? o.at("members") : json::array{};
        reply(c, "channel.join", rid, {{"channel", ch}, {"members", std::move(members)}});
      },
      [this, s, ch, already] {
        if (already) return;
        s->remove_channel(ch);
        local_leave(s, ch);
      });
}

void Gateway::Impl::op_channel_leave(Ctx& x) {
  const std::string ch = channel_arg(x.d);
  if (!x.session->remove_channel(ch)) throw ApiError::bad_request("not_in_channel", "not a member of this channel");
  local_leave(x.session, ch);
  service_request(protocol::kChannelsLeave,
                  {{"channel", ch}, {"user_id", x.session->user_id()}, {"sid", x.session->id()}}, x.conn, x.rid,
                  [this, c = x.conn, rid = x.rid, ch](const json::object&) {
                    reply(c, "channel.leave", rid, {{"channel", ch}});
                  });
}

void Gateway::Impl::op_channel_send(Ctx& x) {
  const std::string ch = channel_arg(x.d);
  const std::string body = body_arg(x.d);
  if (!x.session->in_channel(ch)) throw ApiError::bad_request("not_in_channel", "join the channel before sending");
  router.to_channel(ch, "channel.message", {{"channel", ch}, {"from", x.session->user_id()}, {"body", body}});
  reply(x.conn, "channel.send", x.rid, {{"channel", ch}});
}

void Gateway::Impl::op_channel_members(Ctx& x) {
  const std::string ch = channel_arg(x.d);
  service_request(protocol::kChannelsMembers, {{"channel", ch}}, x.conn, x.rid,
                  [this, c = x.conn, rid = x.rid, ch](const json::object& o) {
                    json::value members = o.contains("members") ? o.at("members") : json::array{};
                    reply(c, "channel.members", rid, {{"channel", ch}, {"members", std::move(members)}});
                  });
}

void Gateway::Impl::op_dm_send(Ctx& x) {
  const std::string to = core::Fields(x.d).required_string("to", 1, 128);
  if (!bus::valid_token(to)) throw ApiError::bad_request("invalid_field", "to must be a user id");
  const std::string body = body_arg(x.d);
  const std::string from = x.session->user_id();
  service_request(protocol::kPresenceQuery, {{"users", json::array{json::value(to)}}}, x.conn, x.rid,
                  [this, c = x.conn, rid = x.rid, to, from, body](const json::object& o) {
                    bool online = false;
                    if (const auto* list = o.if_contains("users"); list != nullptr && list->is_object()) {
                      if (const auto* u = list->as_object().if_contains(to); u != nullptr && u->is_object()) {
                        const auto* on = u->as_object().if_contains("online");
                        online = on != nullptr && on->is_bool() && on->get_bool();
                      }
                    }
                    if (!online) {
                      error(c, rid, "user_offline", "that user is not connected");
                      return;
                    }
                    router.to_user(to, "dm.message", {{"from", from}, {"body", body}});
                    reply(c, "dm.send", rid, {{"to", to}});
                  });
}

void Gateway::Impl::op_presence_query(Ctx& x) {
  const json::value* list = x.d.if_contains("users");
  if (list == nullptr) throw ApiError::bad_request("missing_field", "users is required");
  if (!list->is_array() || list->get_array().empty() || list->get_array().size() > 100)
    throw ApiError::bad_request("invalid_field", "users must be an array of 1 to 100 user ids");
  for (const auto& u : list->get_array())
    if (!u.is_string() || !bus::valid_token(std::string(u.get_string())))
      throw ApiError::bad_request("invalid_field", "users must hold user ids");
  service_request(protocol::kPresenceQuery, {{"users", *list}}, x.conn, x.rid,
                  [this, c = x.conn, rid = x.rid](const json::object& o) {
                    json::value u = o.contains("users") ? o.at("users") : json::object{};
                    reply(c, "presence.query", rid, {{"users", std::move(u)}});
                  });
}

void Gateway::Impl::op_session_refresh(Ctx& x) {
  const std::string token = core::Fields(x.d).required_string("access_token", 1, 4096);
  const auth::Principal p = verifier.verify(token);
  if (p.user_id != x.session->user_id()) throw ApiError(403, "token_mismatch", "the token belongs to another user");
  x.conn->set_token_expiry(p.expires_at);
  reply(x.conn, "session.refresh", x.rid, {{"expires_at", p.expires_at}});
}

// ---------------------------------------------------------------- Gateway

const std::vector<OpInfo>& ops() {
  static const std::vector<OpInfo> infos = [] {
    std::vector<OpInfo> out;
    for (const auto& e : Gateway::Impl::table()) out.push_back(e.info);
    return out;
  }();
  return infos;
}

Gateway::Gateway(GatewaySettings settings, bus::Bus& bus, auth::TokenVerifier& verifier, const core::Clock& clock,
                 metrics::Registry& registry)
    : impl_(std::make_shared<Impl>(std::move(settings), bus, verifier, clock, registry)) {
  impl_->start();
}

Gateway::~Gateway() {
  impl_->stop();
}

void Gateway::install(http::Router& router) {
  auto impl = impl_;
  router.add_upgrade(
      "/v1/ws", [impl](http::Request& req) { return impl->check_upgrade(req); },
      [impl](http::Upgrade&& up) { impl->accept_upgrade(std::move(up)); });
}

bool Gateway::drain(std::chrono::milliseconds timeout) {
  std::vector<ConnPtr> all;
  {
    std::lock_guard lock(impl_->mu);
    all.assign(impl_->conns.begin(), impl_->conns.end());
  }
  for (auto& c : all) c->close(CloseCode::going_away, "server shutting down");
  bool closed = false;
  {
    std::unique_lock lock(impl_->mu);
    closed = impl_->conns_cv.wait_for(lock, timeout, [&] { return impl_->conns.empty(); });
  }
  // Sessions live in this process: none can be resumed once it exits, so end them now (presence
  // and channels hear session.closed) rather than leave them to the dead-node timeout.
  std::vector<SessionPtr> held;
  {
    std::lock_guard lock(impl_->mu);
    for (auto& [id, s] : impl_->sessions) held.push_back(s);
  }
  for (auto& s : held) impl_->expire(s, "server shutting down");
  return closed;
}

void Gateway::revoke_login(const std::string& login_id) {
  std::vector<ConnPtr> hit;
  {
    std::lock_guard lock(impl_->mu);
    for (const auto& c : impl_->conns)
      if (c->info().login_id == login_id) hit.push_back(c);
  }
  for (auto& c : hit) c->close(CloseCode::login_revoked, "this login has ended");
}

void Gateway::open_link(const std::shared_ptr<Link>& link) {
  impl_->on_open(link);
}

void Gateway::link_text(const std::shared_ptr<Link>& link, std::string_view text) {
  impl_->on_text(link, text);
}

void Gateway::link_closed(const std::shared_ptr<Link>& link) {
  impl_->on_closed(link);
}

std::size_t Gateway::connections() const {
  std::lock_guard lock(impl_->mu);
  return impl_->conns.size();
}

}  // namespace arena::gateway
