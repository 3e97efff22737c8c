#include "arena/sessions/channel_service.hpp"

#include "arena/bus/payload.hpp"
#include "arena/protocol/messages.hpp"
#include "arena/protocol/subjects.hpp"

namespace arena::sessions {
namespace json = boost::json;

ChannelService::ChannelService(bus::Bus& bus, router::Router& router, ChannelSettings limits)
    : bus_(bus), router_(router), limits_(limits) {
  subs_.push_back(bus_.subscribe(
      protocol::kChannelsJoin, [this](const bus::Message& m) { join(m); }, protocol::kSessionsGroup));
  subs_.push_back(bus_.subscribe(
      protocol::kChannelsLeave, [this](const bus::Message& m) { leave(m); }, protocol::kSessionsGroup));
  subs_.push_back(bus_.subscribe(
      protocol::kChannelsMembers, [this](const bus::Message& m) { list(m); }, protocol::kSessionsGroup));
  subs_.push_back(bus_.subscribe(protocol::kSessionClosed, [this](const bus::Message& m) { session_closed(m); }));
}

ChannelService::~ChannelService() = default;

namespace {
json::array member_array(const std::map<std::string, std::set<std::string>>& users) {
  json::array out;
  out.reserve(users.size());
  for (const auto& [user, sids] : users) out.emplace_back(user);
  return out;
}
}  // namespace

void ChannelService::join(const bus::Message& m) {
  auto o = bus::payload::parse(m.data);
  const std::string channel = o ? bus::payload::token(*o, "channel") : "";
  const std::string user = o ? bus::payload::token(*o, "user_id") : "";
  const std::string sid = o ? bus::payload::token(*o, "sid") : "";
  if (channel.empty() || user.empty() || sid.empty()) {
    bus::payload::reply(bus_, m, bus::payload::error(Code::invalid_field, "channel, user_id and sid are required"));
    return;
  }
  bool first_of_user = false;
  json::array members;
  {
    core::Lock lock(mu_);
    if (closed_.contains(sid)) {
      bus::payload::reply(bus_, m, bus::payload::error(Code::session_closed, "the session has already ended"));
      return;
    }
    auto& users = channels_[channel];
    auto it = users.find(user);
    if (it == users.end()) {
      if (users.size() >= limits_.max_members) {
        bus::payload::reply(bus_, m,
                            bus::payload::error(Code::channel_full, "the channel has reached its member limit"));
        return;
      }
      first_of_user = true;
      it = users.emplace(user, std::set<std::string>{}).first;
    }
    it->second.insert(sid);
    session_channels_[sid].insert(channel);
    members = member_array(users);
  }
  // Tell the others before answering, so the joiner's own copy of the event comes first.
  if (first_of_user) router_.to_channel(channel, "channel.joined", {{"channel", channel}, {"user_id", user}});
  bus::payload::reply(bus_, m, json::object{{"members", std::move(members)}});
}

bool ChannelService::remove_locked(const std::string& channel, const std::string& user, const std::string& sid) {
  auto ch = channels_.find(channel);
  if (ch == channels_.end()) return false;
  auto it = ch->second.find(user);
  if (it == ch->second.end()) return false;
  it->second.erase(sid);
  if (auto sc = session_channels_.find(sid); sc != session_channels_.end()) {
    sc->second.erase(channel);
    if (sc->second.empty()) session_channels_.erase(sc);
  }
  if (!it->second.empty()) return false;
  ch->second.erase(it);
  if (ch->second.empty()) channels_.erase(ch);
  return true;
}

void ChannelService::leave(const bus::Message& m) {
  auto o = bus::payload::parse(m.data);
  const std::string channel = o ? bus::payload::token(*o, "channel") : "";
  const std::string user = o ? bus::payload::token(*o, "user_id") : "";
  const std::string sid = o ? bus::payload::token(*o, "sid") : "";
  bool gone = false;
  {
    core::Lock lock(mu_);
    gone = remove_locked(channel, user, sid);
  }
  if (gone) router_.to_channel(channel, "channel.left", {{"channel", channel}, {"user_id", user}});
  bus::payload::reply(bus_, m, json::object{});
}

void ChannelService::list(const bus::Message& m) {
  auto o = bus::payload::parse(m.data);
  const std::string channel = o ? bus::payload::token(*o, "channel") : "";
  json::array members;
  {
    core::Lock lock(mu_);
    if (auto it = channels_.find(channel); it != channels_.end()) members = member_array(it->second);
  }
  bus::payload::reply(bus_, m, json::object{{"members", std::move(members)}});
}

void ChannelService::session_closed(const bus::Message& m) {
  auto e = protocol::decode<protocol::SessionEvent>(m.data);
  if (!e) return;
  const std::string& sid = e->sid;
  const std::string& user = e->user_id;
  std::vector<std::string> left;
  {
    core::Lock lock(mu_);
    if (closed_.insert(sid).second) {
      closed_order_.push_back(sid);
      if (closed_order_.size() > kClosedRemembered) {
        closed_.erase(closed_order_.front());
        closed_order_.pop_front();
      }
    }
    auto sc = session_channels_.find(sid);
    if (sc == session_channels_.end()) return;
    const std::set<std::string> chans = sc->second;
    for (const auto& ch : chans)
      if (remove_locked(ch, user, sid)) left.push_back(ch);
  }
  for (const auto& ch : left) router_.to_channel(ch, "channel.left", {{"channel", ch}, {"user_id", user}});
}

std::vector<std::string> ChannelService::members(const std::string& channel) const {
  core::Lock lock(mu_);
  std::vector<std::string> out;
  if (auto it = channels_.find(channel); it != channels_.end())
    for (const auto& [u, s] : it->second) out.push_back(u);
  return out;
}

}  // namespace arena::sessions
