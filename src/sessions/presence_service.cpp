#include "arena/sessions/presence_service.hpp"

#include <set>

#include "arena/bus/payload.hpp"
#include "arena/core/log.hpp"
#include "arena/protocol/messages.hpp"
#include "arena/protocol/subjects.hpp"

namespace arena::sessions {
namespace json = boost::json;

PresenceService::PresenceService(bus::Bus& bus, const core::Clock& clock, runtime::Timers& timers, Directory& directory,
                                 Backlog& backlog)
    : bus_(bus), clock_(clock), directory_(directory), backlog_(backlog) {
  subs_.push_back(bus_.subscribe(protocol::kNodeHeartbeat, [this](const bus::Message& m) { heartbeat(m); }));
  // One subscription for both, so a session's opened and closed are handled in the order its
  // gateway published them (two subscriptions are two queues on either bus). With several
  // sessions processes each event goes to one; the directory keeps a close that overtook its open.
  subs_.push_back(bus_.subscribe(
      protocol::kSessionEvents,
      [this](const bus::Message& m) {
        if (m.subject == protocol::kSessionOpened) opened(m);
        if (m.subject == protocol::kSessionClosed) closed(m);
      },
      protocol::kPresenceEventsGroup));
  subs_.push_back(bus_.subscribe(
      protocol::kPresenceQuery, [this](const bus::Message& m) { query(m); }, protocol::kSessionsGroup));
  bus_.flush(std::chrono::seconds(2));
  check();  // a directory that starts empty (memory; a Redis that lost our keys) has the gateways resync
  check_timer_ = timers.every("presence-check", std::chrono::seconds(1), checker_, [this] { check(); });
}

PresenceService::~PresenceService() {
  check_timer_.reset();
  checker_.stop();
  subs_.clear();
}

void PresenceService::heartbeat(const bus::Message& m) {
  auto h = protocol::decode<protocol::NodeHeartbeat>(m.data);
  if (!h) return;
  core::Lock lock(mu_);
  nodes_[h->node] = clock_.monotonic();
}

void PresenceService::check() {
  try {
    if (!backlog_.drain()) return;  // the directory does not answer yet
    if (!directory_.intact()) {
      log::get("sessions")->warn("msg=\"presence directory is empty; gateways announce their sessions again\"");
      bus_.publish(protocol::kPresenceResync, "{}");
    }
    // Nodes with sessions that this process has not heard from yet (it just started) get the
    // whole timeout from now.
    const auto now = clock_.monotonic();
    std::vector<std::string> silent;
    {
      const auto known = directory_.nodes();
      core::Lock lock(mu_);
      for (const auto& n : known) nodes_.try_emplace(n, now);
      for (auto it = nodes_.begin(); it != nodes_.end();) {
        if (now - it->second < protocol::kNodeTimeout) {
          ++it;
          continue;
        }
        silent.push_back(it->first);
        it = nodes_.erase(it);
      }
    }
    for (const auto& node : silent) {
      const auto sessions = directory_.claim_node(node);  // empty when another process claimed it
      if (!sessions.empty())
        log::get("sessions")
            ->warn("msg=\"gateway silent; closing its sessions\" node={} sessions={}", node, sessions.size());
      for (const auto& ref : sessions)  // as the node would have said it; presence, channels and hosts clean up
        bus_.publish(protocol::kSessionClosed, protocol::encode(protocol::SessionEvent{ref.sid, ref.user, "presence"}));
    }
  } catch (const std::exception& e) {
    log::get("sessions")->warn("msg=\"presence check failed\" error=\"{}\"", e.what());
  }
}

void PresenceService::opened(const bus::Message& m) {
  auto e = protocol::decode<protocol::SessionEvent>(m.data);
  if (!e) return;
  {
    core::Lock lock(mu_);
    nodes_.try_emplace(e->node, clock_.monotonic());  // known from its first session, until it heartbeats
  }
  backlog_.run([this, e = *e] {
    if (directory_.open(e.sid, e.user_id, e.node))
      bus_.publish(protocol::presence_changed(e.user_id), protocol::encode(protocol::PresenceChanged{e.user_id, true}));
    // A session moved from another gateway: its old sid closes now that the new one is open, so
    // the user never looks offline on the way.
    if (!e.replaces.empty() && directory_.close(e.replaces, e.user_id))
      bus_.publish(protocol::presence_changed(e.user_id),
                   protocol::encode(protocol::PresenceChanged{e.user_id, false}));
  });
}

void PresenceService::closed(const bus::Message& m) {
  auto e = protocol::decode<protocol::SessionEvent>(m.data);
  if (!e) return;
  backlog_.run([this, e = *e] {
    if (directory_.close(e.sid, e.user_id))
      bus_.publish(protocol::presence_changed(e.user_id),
                   protocol::encode(protocol::PresenceChanged{e.user_id, false}));
  });
}

void PresenceService::query(const bus::Message& m) {
  auto o = bus::payload::parse(m.data);
  const json::value* users = o ? o->if_contains("users") : nullptr;
  if (users == nullptr || !users->is_array() || users->get_array().size() > 100) {
    bus::payload::reply(bus_, m, bus::payload::error(Code::invalid_field, "users must be an array of at most 100 ids"));
    return;
  }
  json::object answer;
  try {
    for (const auto& u : users->get_array()) {
      if (!u.is_string()) continue;
      const std::string id(u.get_string());
      std::set<std::string> distinct;
      for (const auto& w : directory_.lookup(id)) distinct.insert(w.node);
      json::array nodes;
      for (const auto& n : distinct) nodes.emplace_back(n);
      const bool online = !nodes.empty();
      answer[id] = json::object{{"online", online}, {"nodes", std::move(nodes)}};
    }
  } catch (const std::exception&) {
    bus::payload::reply(bus_, m, bus::payload::error(Code::unavailable, "presence is unavailable; retry"));
    return;
  }
  bus::payload::reply(bus_, m, json::object{{"users", std::move(answer)}});
}

}  // namespace arena::sessions
