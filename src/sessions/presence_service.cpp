#include "arena/sessions/presence_service.hpp"

#include <algorithm>
#include <set>

#include "arena/bus/payload.hpp"
#include "arena/protocol/messages.hpp"
#include "arena/protocol/subjects.hpp"

namespace arena::sessions {
namespace json = boost::json;

PresenceService::PresenceService(bus::Bus& bus, const core::Clock& clock, runtime::Timers& timers)
    : bus_(bus), clock_(clock) {
  subs_.push_back(bus_.subscribe(protocol::kNodeHeartbeat, [this](const bus::Message& m) { heartbeat(m); }));
  // One subscription for both, so a session's opened and closed are handled in the order its
  // gateway published them (two subscriptions are two queues on either bus).
  subs_.push_back(bus_.subscribe(protocol::kSessionEvents, [this](const bus::Message& m) {
    if (m.subject == protocol::kSessionOpened) opened(m);
    if (m.subject == protocol::kSessionClosed) closed(m);
  }));
  subs_.push_back(bus_.subscribe(
      protocol::kPresenceQuery, [this](const bus::Message& m) { query(m); }, protocol::kSessionsGroup));
  bus_.flush(std::chrono::seconds(2));
  bus_.publish(protocol::kPresenceResync, "{}");  // gateways re-announce the sessions they hold
  check_timer_ = timers.every("presence-check", std::chrono::seconds(1), checker_, [this] { expire_silent_nodes(); });
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

void PresenceService::expire_silent_nodes() {
  const auto now = clock_.monotonic();
  std::vector<std::pair<std::string, std::string>> dead;  // user, sid
  {
    core::Lock lock(mu_);
    std::vector<std::string> silent;
    for (const auto& [node, seen] : nodes_)
      if (now - seen >= protocol::kNodeTimeout) silent.push_back(node);
    for (const auto& node : silent) {
      nodes_.erase(node);
      for (const auto& [user, list] : users_)
        for (const auto& w : list)
          if (w.node == node) dead.emplace_back(user, w.sid);
    }
  }
  for (const auto& [user, sid] : dead) {
    // As the node would have said it; the channel service and others clean up on this.
    bus_.publish(protocol::kSessionClosed, protocol::encode(protocol::SessionEvent{sid, user, "presence"}));
  }
}

void PresenceService::opened(const bus::Message& m) {
  auto e = protocol::decode<protocol::SessionEvent>(m.data);
  if (!e) return;
  Where w{e->sid, e->node};
  const std::string& user = e->user_id;
  bool first = false;
  {
    core::Lock lock(mu_);
    nodes_.try_emplace(w.node, clock_.monotonic());  // known from its first session, until it heartbeats
    auto& list = users_[user];
    if (std::any_of(list.begin(), list.end(), [&](const Where& x) { return x.sid == w.sid; })) return;
    first = list.empty();
    list.push_back(std::move(w));
  }
  if (first) bus_.publish(protocol::presence_changed(user), protocol::encode(protocol::PresenceChanged{user, true}));
}

void PresenceService::closed(const bus::Message& m) {
  auto e = protocol::decode<protocol::SessionEvent>(m.data);
  if (!e) return;
  const std::string& sid = e->sid;
  const std::string& user = e->user_id;
  bool last = false;
  {
    core::Lock lock(mu_);
    auto it = users_.find(user);
    if (it == users_.end()) return;
    std::erase_if(it->second, [&](const Where& x) { return x.sid == sid; });
    if (it->second.empty()) {
      users_.erase(it);
      last = true;
    }
  }
  if (last) bus_.publish(protocol::presence_changed(user), protocol::encode(protocol::PresenceChanged{user, false}));
}

void PresenceService::query(const bus::Message& m) {
  auto o = bus::payload::parse(m.data);
  const json::value* users = o ? o->if_contains("users") : nullptr;
  if (users == nullptr || !users->is_array() || users->get_array().size() > 100) {
    bus::payload::reply(bus_, m, bus::payload::error(Code::invalid_field, "users must be an array of at most 100 ids"));
    return;
  }
  json::object answer;
  core::Lock lock(mu_);
  for (const auto& u : users->get_array()) {
    if (!u.is_string()) continue;
    const std::string id(u.get_string());
    json::array nodes;
    if (auto it = users_.find(id); it != users_.end()) {
      std::set<std::string> distinct;
      for (const auto& w : it->second) distinct.insert(w.node);
      for (const auto& n : distinct) nodes.emplace_back(n);
    }
    const bool online = !nodes.empty();
    answer[id] = json::object{{"online", online}, {"nodes", std::move(nodes)}};
  }
  bus::payload::reply(bus_, m, json::object{{"users", std::move(answer)}});
}

std::vector<PresenceService::Where> PresenceService::lookup(const std::string& user_id) const {
  core::Lock lock(mu_);
  auto it = users_.find(user_id);
  return it == users_.end() ? std::vector<Where>{} : it->second;
}

}  // namespace arena::sessions
