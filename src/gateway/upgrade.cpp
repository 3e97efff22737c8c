// Upgrades: auth, the per-user session cap and upgrade rate, resume or a new session, and the frames of a connection.
#include "gateway_impl.hpp"

#include <charconv>

#include "arena/core/encoding.hpp"
#include "arena/core/random.hpp"

namespace arena::gateway {

std::optional<http::Response> Gateway::Impl::check_upgrade(http::Request& req) {
  int wait = shared_upgrades != nullptr ? shared_upgrades->retry_after(req.remote_ip) : 0;  // memory only
  if (wait == 0)
    wait = upgrade_limiter.acquire(req.remote_ip, {static_cast<double>(settings.upgrades_per_ip_burst),
                                                   static_cast<double>(settings.upgrades_per_ip_per_minute)});
  if (wait > 0)
    throw Error(Code::too_many_upgrades, "too many WebSocket connections opened from this address")
        .with_retry_after(wait);
  if (shared_upgrades != nullptr) shared_upgrades->note(req.remote_ip);
  bool offered_v1 = false;
  std::string token(req.bearer_token());
  if (token.empty())
    token = token_from_subprotocols(req.header("sec-websocket-protocol"), offered_v1);
  else
    token_from_subprotocols(req.header("sec-websocket-protocol"), offered_v1);
  const auth::Principal p = verifier.verify(token);  // throws Error 401
  ConnectionInfo info;
  info.user_id = p.user_id;
  info.login_id = p.session_id;
  info.token_expires_at = p.expires_at;
  info.remote_ip = req.remote_ip;
  if (offered_v1) info.subprotocol = "arena.v1";
  if (auto sid = req.query_param("sid")) {
    if (!core::is_uuid(*sid)) throw Error(Code::invalid_field, "sid must be a session id");
    info.resume_sid = *sid;
    std::uint64_t last = 0;
    if (auto ls = req.query_param("last_seq")) {
      const auto [ptr, ec] = std::from_chars(ls->data(), ls->data() + ls->size(), last);
      if (ec != std::errc{} || ptr != ls->data() + ls->size())
        throw Error(Code::invalid_field, "last_seq must be a non-negative integer");
    }
    info.resume_last_seq = last;
  }
  if (!room_for_session(info)) {
    throw Error(Code::too_many_sessions, "this user has " + std::to_string(settings.max_sessions_per_user) +
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
    core::Lock lock(mu);
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

std::function<Outbound(std::size_t, std::uint64_t)> Gateway::Impl::welcome(const SessionPtr& s, bool resumed,
                                                                            std::string_view reason,
                                                                            std::string_view moved_from) {
  return [this, s, resumed, reason = std::string(reason), moved_from = std::string(moved_from)](
             std::size_t replayed, std::uint64_t last_seq) {
    json::object d{{"sid", s->id()},
                   {"user_id", s->user_id()},
                   {"node", settings.node_id},
                   {"resumed", resumed},
                   {"replayed", replayed},
                   {"last_seq", last_seq},
                   {"resume_window_ms", settings.resume_window.count()},
                   {"server_time", unix_ms(clock.now())}};
    if (!reason.empty()) d["reason"] = reason;
    if (!moved_from.empty()) d["moved_from"] = moved_from;
    return Outbound{0, frame_ptr(event_frame("session.welcome", d))};
  };
}

SessionPtr Gateway::Impl::start_session(const ConnPtr& c, std::string_view reason) {
  auto session = open_session(c->info().user_id);
  session->attach(c, std::nullopt, welcome(session, false, reason));
  if (settings.second_connection == SecondConnection::replace)
    router.close_other_sessions(c->info().user_id, session->id());
  return session;
}

void Gateway::Impl::on_open(const ConnPtr& c) {
  {
    core::Lock lock(mu);
    conns.insert(c);
  }
  const auto& info = c->info();
  SessionPtr session;
  std::string_view reason;
  if (info.resume_sid) {
    SessionPtr found;
    {
      core::Lock lock(mu);
      if (auto it = sessions.find(*info.resume_sid); it != sessions.end()) found = it->second;
    }
    if (!found && writer) {
      // Not here: perhaps another gateway had it. Asking Redis and the bus blocks, so a
      // resumer does it; frames that come meanwhile are answered not_ready.
      resumers[next_resumer++ % resumers.size()].post([this, c] { resume_moved(c); });
      return;
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
  if (!session) session = start_session(c, reason);
  c->set_session(session);
}

void Gateway::Impl::on_closed(const ConnPtr& c) {
  {
    core::Lock lock(mu);
    conns.erase(c);
  }
  conns_cv.notify_all();
  auto s = c->session();
  const auto now = clock.now();
  if (!s || !s->detach(c.get(), now)) return;
  if (settings.resume_window.count() == 0) {
    expire(s, "disconnected");
    return;
  }
  core::Lock lock(mu);
  resume_deadlines.emplace(now + settings.resume_window, s);
}

void Gateway::Impl::on_binary(const ConnPtr& c) {
  error(c, nullptr, Code::unsupported_frame, "binary frames are not supported; send JSON text frames");
}

void Gateway::Impl::on_rate_limited(const ConnPtr& c, bool close) {
  if (close) {
    c->close(CloseCode::policy, "message rate limit exceeded repeatedly");
    return;
  }
  error(c, nullptr, Code::rate_limited, "too many messages; slow down");
}

void Gateway::Impl::on_text(const ConnPtr& c, std::string_view text) {
  Envelope env;
  try {
    parse_envelope(text, settings.json_max_depth, env);
  } catch (const Error& e) {
    error(c, env.rid, e.code(), e.message());
    return;
  }
  const auto& ops = table();
  const OpEntry* entry = nullptr;
  for (std::size_t i = 0; i < ops.size() && entry == nullptr; ++i) {
    if (ops[i].info.name == env.op) {
      entry = &ops[i];
      op_counts[i]->inc();
    }
  }
  if (entry == nullptr) {
    unknown_ops.inc();
    error(c, env.rid, Code::unknown_op, "unknown op '" + env.op.substr(0, 64) + "'");
    return;
  }
  Ctx ctx{c, c->session(), env.rid, env.d, entry->info.name};
  try {
    if (!ctx.session) throw Error(Code::not_ready, "the session is being resumed; wait for session.welcome");
    if (entry->info.need == Need::channel_member && !ctx.session->in_channel(channel_arg(env.d)))
      throw Error(Code::not_in_channel, "not a member of this channel; join it first");
    (this->*(entry->handler))(ctx);
  } catch (const Error& e) {
    error(c, env.rid, e.code(), e.message());
  } catch (const std::exception& e) {
    log->error("msg=\"op failed\" op={} error=\"{}\"", env.op, e.what());
    error(c, env.rid, Code::internal, "internal error");
  }
}

}  // namespace arena::gateway
