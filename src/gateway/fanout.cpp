// Sessions and fan-out: one bus subscription per user and per channel held here, subscribed outside the lock;
// deliveries stamped onto every target session.
#include "gateway_impl.hpp"

#include "arena/core/random.hpp"

namespace arena::gateway {

// ---------------------------------------------------------------- sessions and fan-out

// `map` is users or channels (a member pointer: the analysis then checks the lock here).
std::vector<SessionPtr> Gateway::Impl::fanout_targets(FanoutMap Impl::*map, const std::string& key) {
  core::Lock lock(mu);
  auto& m = this->*map;
  auto it = m.find(key);
  return it == m.end() ? std::vector<SessionPtr>{} : it->second.sessions;
}

void Gateway::Impl::deliver(std::string_view data, const std::vector<SessionPtr>& targets, bool from_here) {
  if (targets.empty()) return;
  const auto payload = protocol::decode<protocol::RoutePayload>(data);
  // A push from another node is parsed once before any client gets it; this node's own router
  // made its pushes from JSON values, so they need no second parse.
  if (!payload ||
      (!from_here && payload->kind == protocol::RoutePayload::Kind::push && !valid_push(payload->text))) {
    metrics.bad_bus_messages.inc();  // from another node: never pass on what a client cannot parse
    log->warn("msg=\"dropped a malformed route payload from the bus\" bytes={}", data.size());
    return;
  }
  if (payload->kind == protocol::RoutePayload::Kind::push) {
    auto body = frame_ptr(std::string(payload->text));  // serialised once, shared by every recipient
    for (const auto& s : targets) s->push(body, payload->id);
    metrics.pushes.inc(targets.size());
  } else if (payload->kind == protocol::RoutePayload::Kind::moved) {
    for (const auto& s : targets)
      if (s->id() == payload->text) let_go(s);
  } else {
    const std::string_view keep = payload->text;
    for (const auto& s : targets) {
      // Only older sessions: a kick can arrive late (buffered in a NATS client), after a newer
      // session of the same user opened elsewhere.
      if (!s->opened_before(keep)) continue;
      if (auto conn = std::dynamic_pointer_cast<Link>(s->sink()))
        conn->close(CloseCode::replaced, "a newer connection of this user took over");
      expire(s, "replaced");
    }
  }
}

void Gateway::Impl::deliver_here(std::string_view subject, std::string_view data) {
  static const std::string user_prefix = protocol::route_user(""), channel_prefix = protocol::route_channel("");
  if (subject.starts_with(user_prefix))
    deliver(data, fanout_targets(&Impl::users, std::string(subject.substr(user_prefix.size()))), true);
  else if (subject.starts_with(channel_prefix))
    deliver(data, fanout_targets(&Impl::channels, std::string(subject.substr(channel_prefix.size()))), true);
}

SessionPtr Gateway::Impl::open_session(const std::string& user_id) {
  auto s = std::make_shared<Session>(core::new_uuid(), user_id, settings.resume_buffer);
  if (writer) {
    const auto now = unix_ms(clock.now());
    s->mirror_to(writer.get(), now);
    writer->opened(s, now);
  }
  {
    core::Lock lock(mu);
    sessions.emplace(s->id(), s);
    users[user_id].sessions.push_back(s);
  }
  const bool subscribed = ensure_subscribed(&Impl::users, user_id, protocol::route_user(user_id));
  // NATS clients buffer SUB: make sure the server knows this user is here before anyone is
  // told so (session.opened), or the first pushes to the user from elsewhere could be lost. One
  // round trip per newly connected user (free on MemoryBus), waited for on the announcer.
  if (subscribed) {
    announcer.post([this, user_id] {
      if (!routes->flush(settings.request_timeout))
        log->warn("msg=\"bus flush timed out after subscribing\" user={}", user_id);
    });
  }
  metrics.sessions_open.inc();
  announce(s, protocol::kSessionOpened);
  if (session_changes) session_changes({true, s->user_id(), s->id(), 0, {}});
  return s;
}

void Gateway::Impl::expire(const SessionPtr& s, const char* why, bool announce_close) {
  std::vector<std::unique_ptr<bus::Subscription>> dropped;  // destroyed after the lock is released
  const auto chans = s->channels();
  {
    core::Lock lock(mu);
    if (sessions.erase(s->id()) == 0) return;  // already expired
    dropped.push_back(remove_from(users, s->user_id(), s));
    for (const auto& ch : chans) dropped.push_back(remove_from(channels, ch, s));
  }
  dropped.clear();
  if (writer) writer->closed(s);
  metrics.sessions_open.dec();
  if (announce_close) {
    announce(s, protocol::kSessionClosed);
    if (session_changes)  // session ids are UUIDv7: they carry when the session began
      session_changes({false, s->user_id(), s->id(), unix_ms(clock.now()) - protocol::route_id_ms(s->id()), why});
  }
  log->debug("msg=\"session closed\" sid={} reason=\"{}\"", s->id(), why);
}

void Gateway::Impl::let_go(const SessionPtr& s) {
  if (auto conn = std::dynamic_pointer_cast<Link>(s->sink()))
    conn->close(CloseCode::resumed_elsewhere, "session resumed on another gateway");
  expire(s, "moved to another gateway", false);
}

void Gateway::Impl::announce(const SessionPtr& s, std::string_view subject) {
  announcer.post([this, subject = std::string(subject),
                  event = protocol::encode(protocol::SessionEvent{s->id(), s->user_id(), settings.node_id})] {
    bus.publish(subject, event);
  });
}

bool Gateway::Impl::local_join(const SessionPtr& s, const std::string& channel) {
  {
    core::Lock lock(mu);
    auto& f = channels[channel];
    if (std::find(f.sessions.begin(), f.sessions.end(), s) != f.sessions.end()) return false;
    f.sessions.push_back(s);
  }
  ensure_subscribed(&Impl::channels, channel, protocol::route_channel(channel));
  mirror_channels(s);
  return true;
}

void Gateway::Impl::mirror_channels(const SessionPtr& s) {
  if (!writer) return;
  std::vector<MirrorChannel> now;
  for (auto& [ch, at] : s->channels_joined()) now.push_back({ch, at});
  writer->channels(s, std::move(now));
}

bool Gateway::Impl::ensure_subscribed(FanoutMap Impl::*map, const std::string& key, const std::string& subject) {
  std::uint64_t mine = 0;
  {
    core::Lock lock(mu);
    auto it = (this->*map).find(key);
    if (it == (this->*map).end() || it->second.generation != 0) return false;  // gone already, or someone subscribes
    mine = it->second.generation = ++next_generation;
  }
  auto sub =
      routes->subscribe(subject, [this, map, key](const bus::Message& m) { deliver(m.data, fanout_targets(map, key)); });
  {
    core::Lock lock(mu);
    auto it = (this->*map).find(key);
    if (it != (this->*map).end() && it->second.generation == mine) {
      it->second.sub = std::move(sub);
      return true;
    }
  }
  return false;  // everyone left meanwhile: `sub` unsubscribes here, outside the lock
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
  {
    core::Lock lock(mu);
    dropped = remove_from(channels, channel, s);
  }
  mirror_channels(s);
}

}  // namespace arena::gateway
