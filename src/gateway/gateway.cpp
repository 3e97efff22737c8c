#include "arena/gateway/gateway.hpp"

#include <boost/json/monotonic_resource.hpp>

#include <future>

#include "gateway_impl.hpp"

namespace arena::gateway {

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
      writes(r.counter("gateway_writes_total",
                       "Socket writes; gateway_frames_out_total over this is the frames one write carried")
                 .with({})),
      bad_bus_messages(r.counter("gateway_bad_bus_messages_total",
                                 "Malformed pushes from the bus, dropped before reaching any client")
                           .with({})),
      history_pushes(r.counter("gateway_history_pushes_total",
                               "Pushes a session moved here got from the bus's history (routed while no gateway held it)")
                         .with({})),
      upgrade_limit_syncs(r.counter("gateway_upgrade_limit_syncs_total",
                                    "Exchanges of upgrade counts with the other gateways (Redis), by result",
                                    {"result"})) {}

std::shared_ptr<const std::string> frame_ptr(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

std::int64_t unix_ms(core::SystemTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

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

// The table of client ops: dispatch reads it, docs/protocol.md documents it (a test keeps the two in step).
const std::vector<Gateway::Impl::OpEntry>& Gateway::Impl::table() {
  using enum Need;
  using enum AnsweredBy;
  static const std::vector<OpEntry> t = {
      {{"ping", "{}", "pong {\"server_time\"}", "session", session, gateway}, &Impl::op_ping},
      {{"channel.join", "{\"channel\"}", "{\"channel\",\"members\"}", "session", session, sessions},
       &Impl::op_channel_join},
      {{"channel.leave", "{\"channel\"}", "{\"channel\"}", "member of the channel", channel_member, sessions},
       &Impl::op_channel_leave},
      {{"channel.send", "{\"channel\",\"body\"}", "{\"channel\"}", "member of the channel", channel_member, gateway},
       &Impl::op_channel_send},
      {{"channel.members", "{\"channel\"}", "{\"channel\",\"members\"}", "session", session, sessions},
       &Impl::op_channel_members},
      {{"dm.send", "{\"to\",\"body\"}", "{\"to\"}", "session; the recipient online", session, sessions},
       &Impl::op_dm_send},
      {{"presence.query", "{\"users\"}", "{\"users\":{id:{\"online\",\"nodes\"}}}", "session", session, sessions},
       &Impl::op_presence_query},
      {{"session.refresh", "{\"access_token\"}", "{\"expires_at\"}", "session", session, gateway},
       &Impl::op_session_refresh},
      {{"mm.enqueue", "{\"mode\",\"regions\":{region:ping_ms},\"properties\"?}", "{\"ticket_id\",\"state\"}",
        "session; party leader if in a party", session, matchmaker},
       &Impl::op_matchmaker},
      {{"mm.cancel", "{}", "{\"ticket_id\",\"state\"}", "a waiting ticket", session, matchmaker}, &Impl::op_matchmaker},
      {{"party.create", "{}", "party view", "not in a party", session, matchmaker}, &Impl::op_matchmaker},
      {{"party.invite", "{\"user_id\"}", "{\"party_id\",\"user_id\"}", "party leader; an existing account", session,
        matchmaker},
       &Impl::op_party_invite},
      {{"party.accept", "{\"party_id\"}", "party view", "open invite, not in a party", session, matchmaker},
       &Impl::op_matchmaker},
      {{"party.decline", "{\"party_id\"}", "{\"party_id\"}", "open invite", session, matchmaker}, &Impl::op_matchmaker},
      {{"party.leave", "{}", "{\"party_id\"}", "in a party", session, matchmaker}, &Impl::op_matchmaker},
      {{"party.kick", "{\"user_id\"}", "{\"party_id\",\"user_id\"}", "party leader", session, matchmaker},
       &Impl::op_matchmaker},
      {{"party.promote", "{\"user_id\"}", "party view", "party leader", session, matchmaker}, &Impl::op_matchmaker},
      {{"match.input", "{\"match_id\",\"d\"}", "{\"match_id\",\"tick\"}", "a seat in the running match", session, host},
       &Impl::op_match},
      {{"match.snapshot", "{\"match_id\"}", "{\"match_id\",\"tick\",\"state\"}", "a seat in the running match", session,
        host},
       &Impl::op_match},
      {{"match.leave", "{\"match_id\"}", "{\"match_id\"}", "a seat in the running match", session, host},
       &Impl::op_match},
      {{"match.watch", "{\"match_id\"}", "{\"match_id\",\"tick\"}", "session; no seat in the match", session, host},
       &Impl::op_match},
      {{"match.unwatch", "{\"match_id\"}", "{\"match_id\"}", "watching the match", session, host}, &Impl::op_match},
  };
  return t;
}

// ---------------------------------------------------------------- lifecycle

void Gateway::Impl::start() {
  // The sessions role lost what it held (a sessions process restarted, or Redis did empty): tell
  // it about every session held here and the channels each is in (quietly: nobody joined).
  resync_sub = bus.subscribe(protocol::kPresenceResync, [this](const bus::Message&) {
    std::vector<SessionPtr> all;
    {
      core::Lock lock(mu);
      for (auto& [id, s] : sessions) all.push_back(s);
    }
    for (auto& s : all) announce_all(s);
  });
  if (mirror != nullptr) {
    MirrorWriterSettings ws;
    ws.node = settings.node_id;
    ws.limit = settings.resume_buffer;
    writer = std::make_unique<MirrorWriter>(
        *mirror, ws, registry,
        MirrorWriter::Hooks{[this] {
                              std::vector<std::string> sids;
                              core::Lock lock(mu);
                              for (const auto& [id, s] : sessions) sids.push_back(id);
                              return sids;
                            },
                            [this](const SessionPtr& s) { let_go(s); }});
  }
  sweep_timer = timers.every("gateway-sweep", std::chrono::milliseconds(200), sweeper, [this] { sweep(); });
}

void Gateway::Impl::announce_all(const SessionPtr& s) {
  announce(s, protocol::kSessionOpened);
  for (const auto& ch : s->channels())
    announcer.post([this, rejoin = json::serialize(json::object{
                              {"channel", ch}, {"user_id", s->user_id()}, {"sid", s->id()}, {"quiet", true}})] {
      bus.publish(protocol::kChannelsJoin, rejoin);
    });
}

void Gateway::Impl::stop() {
  sweep_timer.reset();
  sweeper.stop();
  for (auto& r : resumers) r.stop();
  if (writer) writer->stop();  // what is queued goes to the mirror first
  {
    // What is announced goes out before the gateway does (bounded: the bus may be gone).
    auto done = std::make_shared<std::promise<void>>();
    auto drained = done->get_future();
    announcer.post([done] { done->set_value(); });
    drained.wait_for(settings.request_timeout);
    announcer.stop();
  }
  resync_sub.reset();
  std::vector<std::unique_ptr<bus::Subscription>> subs;
  std::unordered_set<ConnPtr> dropped_conns;
  std::unordered_map<std::string, SessionPtr> dropped_sessions;
  {
    core::Lock lock(mu);
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
  if (const auto mono = clock.monotonic(); mono - last_heartbeat >= protocol::kHeartbeatInterval) {
    last_heartbeat = mono;
    std::size_t n = 0;
    {
      core::Lock lock(mu);
      n = sessions.size();
    }
    bus.publish(protocol::kNodeHeartbeat,
                protocol::encode(protocol::NodeHeartbeat{settings.node_id, static_cast<std::int64_t>(n)}));
    if (history != nullptr) {
      try {  // a NATS server that restarted lost the stream of routed pushes: make it again
        if (history->ensure()) log->warn("msg=\"the stream of routed pushes was gone (NATS restarted?); made again\"");
      } catch (const std::exception& e) {
        log->warn("msg=\"cannot check the stream of routed pushes\" error=\"{}\"", e.what());
      }
    }
  }
  if (shared_upgrades != nullptr) {
    try {
      shared_upgrades->sync();
      metrics.upgrade_limit_syncs.with({"ok"}).inc();
    } catch (const std::exception& e) {  // this gateway's own limit still holds
      metrics.upgrade_limit_syncs.with({"failed"}).inc();
    }
  }
  const auto now_s = clock.now_unix();
  std::vector<SessionPtr> expired;
  std::vector<ConnPtr> open;
  {
    core::Lock lock(mu);  // held only to take what is due and a snapshot of the connections
    while (!resume_deadlines.empty() && resume_deadlines.begin()->first <= now) {
      if (auto s = resume_deadlines.begin()->second.lock()) expired.push_back(std::move(s));
      resume_deadlines.erase(resume_deadlines.begin());
    }
    open.assign(conns.begin(), conns.end());
  }
  std::vector<SessionPtr> settled;
  {
    core::Lock lock(mu);
    while (!settling.empty() && settling.begin()->first <= now) {
      if (auto s = settling.begin()->second.lock()) settled.push_back(std::move(s));
      settling.erase(settling.begin());
    }
  }
  for (auto& s : settled) s->settled();
  for (auto& s : expired) {
    // Still detached, and for the whole window (not resumed, not detached again since)?
    if (auto since = s->detached_since(); since && now - *since >= settings.resume_window)
      expire(s, "resume window passed");
  }
  const auto real_now = std::chrono::steady_clock::now();
  for (const auto& c : open) {
    if (c->token_expiry() <= now_s) {
      c->close(CloseCode::token_expired, "access token expired");
    } else {
      c->check_idle(real_now);
    }
  }
}

// ---------------------------------------------------------------- Gateway

std::string_view to_string(AnsweredBy a) {
  switch (a) {
    case AnsweredBy::gateway: return "gateway";
    case AnsweredBy::sessions: return "sessions";
    case AnsweredBy::matchmaker: return "matchmaker";
    case AnsweredBy::host: return "host";
  }
  return "?";
}

const std::vector<OpInfo>& ops() {
  static const std::vector<OpInfo> infos = [] {
    std::vector<OpInfo> out;
    for (const auto& e : Gateway::Impl::table()) out.push_back(e.info);
    return out;
  }();
  return infos;
}

Gateway::Gateway(Settings settings, bus::Bus& bus, auth::TokenVerifier& verifier, const core::Clock& clock,
                 runtime::Timers& timers, metrics::Registry& registry, ClusterParts cluster)
    : impl_(std::make_shared<Impl>(std::move(settings), bus, verifier, clock, timers, registry)) {
  impl_->shared_upgrades = cluster.shared_upgrades;
  if ((cluster.mirror == nullptr) != (cluster.history == nullptr))
    throw std::invalid_argument("gateway: a session mirror needs the bus's history, and the other way round");
  impl_->mirror = cluster.mirror;
  impl_->history = cluster.history;
  impl_->start();
}

Gateway::~Gateway() {
  impl_->stop();
}

bool Gateway::bus_connected() const {
  return impl_->bus.connected() && impl_->routes->connected();
}

void Gateway::on_session_change(std::function<void(const SessionChange&)> fn) {
  impl_->session_changes = std::move(fn);
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
    core::Lock lock(impl_->mu);
    all.assign(impl_->conns.begin(), impl_->conns.end());
  }
  for (auto& c : all) c->close(CloseCode::going_away, "server shutting down");
  bool closed = false;
  {
    core::UniqueLock lock(impl_->mu);
    // The analysis cannot see that the predicate runs with the lock held.
    closed =
        impl_->conns_cv.wait_for(lock, timeout, [&]() ARENA_NO_THREAD_SAFETY_ANALYSIS { return impl_->conns.empty(); });
  }
  // With a mirror the sessions stay resumable on the other gateways (a rolling restart moves
  // players without losing a push); what is queued for the mirror goes first.
  if (impl_->writer) {
    impl_->writer->stop();
    return closed;
  }
  // Sessions live in this process: none can be resumed once it exits, so end them now (presence
  // and channels hear session.closed) rather than leave them to the dead-node timeout.
  std::vector<SessionPtr> held;
  {
    core::Lock lock(impl_->mu);
    for (auto& [id, s] : impl_->sessions) held.push_back(s);
  }
  for (auto& s : held) impl_->expire(s, "server shutting down");
  return closed;
}

void Gateway::revoke_login(const std::string& login_id) {
  std::vector<ConnPtr> hit;
  {
    core::Lock lock(impl_->mu);
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
  core::Lock lock(impl_->mu);
  return impl_->conns.size();
}

}  // namespace arena::gateway
