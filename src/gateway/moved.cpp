// Sessions that move here from another gateway (cluster mode, mirror.hpp): take the mirror over,
// subscribe, read from the bus's history what was routed to the session meanwhile, and go on from
// the seq the client last saw, each push once and in order.
#include <algorithm>

#include "arena/core/random.hpp"
#include "gateway_impl.hpp"

namespace arena::gateway {
namespace {
// How long a moved session keeps dropping pushes it already had (a message read from the history
// can still arrive the live way, late).
constexpr auto kSettleTime = std::chrono::seconds(10);
// The history stamps by the NATS server's clock, ids by the publishers': read a little earlier
// than asked and filter by the id's own time.
constexpr std::int64_t kClockMarginMs = 2'000;
}  // namespace

void Gateway::Impl::resume_moved(const ConnPtr& c) {
  std::string reason;
  std::string moved_from;
  SessionPtr s;
  try {
    s = take_over(c, reason, moved_from);
  } catch (const std::exception& e) {
    log->warn("msg=\"resume from another gateway failed\" sid={} error=\"{}\"", *c->info().resume_sid, e.what());
    reason = "resume_failed";
  }
  metrics.resumes.with({s ? std::string("moved") : reason}).inc();
  if (!s && !moved_from.empty()) {
    // Taken but not resumable: the old gateway lets its copy go without a word, so the old sid's
    // close is said here.
    announcer.post([this, event = protocol::encode(protocol::SessionEvent{*c->info().resume_sid, c->info().user_id,
                                                                          settings.node_id})] {
      bus.publish(protocol::kSessionClosed, event);
    });
  }
  if (!s) s = start_session(c, reason);
  c->set_session(s);
  bool gone = false;
  {
    core::Lock lock(mu);
    gone = !conns.contains(c);
  }
  // The socket closed while we worked (on_closed saw no session): the session waits for a resume.
  if (gone && s->detach(c.get(), clock.now())) {
    core::Lock lock(mu);
    resume_deadlines.emplace(clock.now() + settings.resume_window, s);
  }
}

SessionPtr Gateway::Impl::take_over(const ConnPtr& c, std::string& reason, std::string& moved_from) {
  const auto& info = c->info();
  auto m = mirror->take(*info.resume_sid, info.user_id, settings.node_id);
  if (!m) {
    reason = "unknown_session";  // expired, never existed, not this user's, or its gateway went too long ago
    return nullptr;
  }
  moved_from = m->node;
  const std::uint64_t last = info.resume_last_seq.value_or(0);
  if (last > m->seq) {
    reason = "seq_ahead";  // or pushes went out while the mirror could not take them
    return nullptr;
  }
  // The kept pushes after `last` must run unbroken up to the session's seq.
  std::vector<Kept> kept;
  std::uint64_t expect = 0;
  bool broken = false;
  for (const auto& e : m->entries) {
    if (expect != 0 && e.seq != expect) broken = true;
    expect = e.seq + 1;
    kept.push_back({Outbound{e.seq, frame_ptr(e.body)}, e.id});
  }
  const std::uint64_t oldest = m->entries.empty() ? m->seq + 1 : m->entries.front().seq;
  if (last < m->seq && (broken || oldest > last + 1 || m->entries.back().seq != m->seq)) {
    reason = "missed_too_much";
    return nullptr;
  }
  // The history is read from the session's start, or, when older pushes left the mirror, from
  // the oldest one kept.
  std::int64_t from_ms = m->created_ms;
  if (m->entries.size() >= settings.resume_buffer) {
    for (const auto& e : m->entries) {
      if (e.id.empty()) continue;
      from_ms = std::max(from_ms, protocol::route_id_ms(e.id));
      break;
    }
  }
  std::vector<MirrorEntry> entries = std::move(m->entries);
  auto s = std::make_shared<Session>(core::new_uuid(), info.user_id, settings.resume_buffer, m->seq, std::move(kept));
  s->mirror_to(writer.get(), m->created_ms);
  writer->opened(s, m->created_ms, m->seq, std::move(entries));
  for (const auto& ch : m->channels) s->add_channel(ch.name, settings.max_channels, ch.joined_ms);
  {
    core::Lock lock(mu);
    sessions.emplace(s->id(), s);
    users[info.user_id].sessions.push_back(s);
  }
  metrics.sessions_open.inc();
  // Subscribed (and the server knows it) before the history is read: whatever is routed from
  // here on comes live, and what came before is in the history; pushes in both count once.
  ensure_subscribed(&Impl::users, info.user_id, protocol::route_user(info.user_id));
  for (const auto& ch : m->channels) local_join(s, ch.name);
  try {
    if (!routes->flush(settings.request_timeout)) throw std::runtime_error("the bus did not confirm the subscriptions");
    bool replaced = false;
    const auto missed = routed_since(*m, from_ms, replaced);
    if (replaced) {
      // A newer connection of the user replaced the session while no gateway held it: it ends here
      // as it would have where it was, and the client gets a fresh session (which replaces that one).
      expire(s, "replaced", false);
      reason = "replaced";
      return nullptr;
    }
    if (s->attach(c, last, welcome(s, true, {}, moved_from)) != Session::Attach::attached)
      throw std::logic_error("the kept pushes were checked");
    metrics.history_pushes.inc(s->finish_gathering(missed));
  } catch (...) {
    expire(s, "resume failed");
    throw;
  }
  // One event opens the new sid, puts it in the channels and closes the old one, in that order:
  // presence and channel members never see the user go.
  protocol::SessionEvent opened{s->id(), info.user_id, settings.node_id, *info.resume_sid, s->channels()};
  announcer.post([this, event = protocol::encode(opened)] { bus.publish(protocol::kSessionOpened, event); });
  router.session_moved(info.user_id, *info.resume_sid);  // the old gateway, if it lives, lets go now
  core::Lock lock(mu);
  settling.emplace(clock.now() + kSettleTime, s);
  return s;
}

std::vector<std::pair<std::string, std::shared_ptr<const std::string>>> Gateway::Impl::routed_since(
    const MirroredSession& m, std::int64_t from_ms, bool& replaced) {
  struct Routed {
    std::uint64_t seq;  // the stream's: one order across the subjects
    std::string id, text;
  };
  std::vector<Routed> all;
  auto read = [&](const std::string& subject, std::int64_t since_ms) {
    bool truncated = false;
    auto got = history->since(subject, core::SystemTime(std::chrono::milliseconds(since_ms - kClockMarginMs)),
                              settings.resume_buffer * 2, truncated);
    if (truncated) throw std::runtime_error("more was routed to the session while it moved than a session keeps");
    for (auto& g : got) {
      const auto p = protocol::decode<protocol::RoutePayload>(g.data);
      if (p && p->kind == protocol::RoutePayload::Kind::kick && m.created_ms < protocol::route_id_ms(p->text))
        replaced = true;  // the text is the sid of the session that stays
      if (!p || p->kind != protocol::RoutePayload::Kind::push || !valid_push(p->text)) continue;
      if (protocol::route_id_ms(p->id) < since_ms) continue;
      all.push_back({g.seq, std::string(p->id), std::string(p->text)});
    }
  };
  read(protocol::route_user(m.user), from_ms);
  for (const auto& ch : m.channels) read(protocol::route_channel(ch.name), std::max(from_ms, ch.joined_ms));
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  std::vector<std::pair<std::string, std::shared_ptr<const std::string>>> out;
  out.reserve(all.size());
  for (auto& r : all) out.emplace_back(std::move(r.id), frame_ptr(std::move(r.text)));
  return out;
}

}  // namespace arena::gateway
