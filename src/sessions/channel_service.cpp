#include "arena/sessions/channel_service.hpp"

#include "arena/bus/payload.hpp"
#include "arena/protocol/messages.hpp"
#include "arena/protocol/subjects.hpp"

namespace arena::sessions {
namespace json = boost::json;

ChannelService::ChannelService(bus::Bus& bus, router::Router& router, ChannelSettings limits, Directory& directory,
                               Backlog& backlog)
    : bus_(bus), router_(router), limits_(limits), directory_(directory), backlog_(backlog) {
  subs_.push_back(bus_.subscribe(
      protocol::kChannelsJoin, [this](const bus::Message& m) { join(m); }, protocol::kSessionsGroup));
  subs_.push_back(bus_.subscribe(
      protocol::kChannelsLeave, [this](const bus::Message& m) { leave(m); }, protocol::kSessionsGroup));
  subs_.push_back(bus_.subscribe(
      protocol::kChannelsMembers, [this](const bus::Message& m) { list(m); }, protocol::kSessionsGroup));
  // Both session events on one subscription (kept in order): a closed session leaves its
  // channels; a session moved from another gateway takes its old one's place in them.
  subs_.push_back(bus_.subscribe(
      protocol::kSessionEvents,
      [this](const bus::Message& m) {
        if (m.subject == protocol::kSessionOpened) session_moved(m);
        if (m.subject == protocol::kSessionClosed) session_closed(m);
      },
      protocol::kChannelEventsGroup));
}

ChannelService::~ChannelService() = default;

namespace {

json::object unavailable() {
  return bus::payload::error(Code::unavailable, "channels are unavailable; retry");
}

}  // namespace

// {"channel","user_id","sid","quiet"?}: quiet, a gateway re-announcing a membership after the
// directory lost it, tells nobody.
void ChannelService::join(const bus::Message& m) {
  auto o = bus::payload::parse(m.data);
  const std::string channel = o ? bus::payload::token(*o, "channel") : "";
  const std::string user = o ? bus::payload::token(*o, "user_id") : "";
  const std::string sid = o ? bus::payload::token(*o, "sid") : "";
  const auto* quiet = o ? o->if_contains("quiet") : nullptr;
  if (channel.empty() || user.empty() || sid.empty()) {
    bus::payload::reply(bus_, m, bus::payload::error(Code::invalid_field, "channel, user_id and sid are required"));
    return;
  }
  Joined j;
  try {
    j = directory_.join(channel, user, sid, limits_.max_members);
  } catch (const std::exception&) {
    bus::payload::reply(bus_, m, unavailable());
    return;
  }
  if (j.outcome == Joined::Outcome::closed) {
    bus::payload::reply(bus_, m, bus::payload::error(Code::session_closed, "the session has already ended"));
    return;
  }
  if (j.outcome == Joined::Outcome::full) {
    bus::payload::reply(bus_, m, bus::payload::error(Code::channel_full, "the channel has reached its member limit"));
    return;
  }
  // Tell the others before answering, so the joiner's own copy of the event comes first.
  const bool tell = j.first_of_user && !(quiet != nullptr && quiet->is_bool() && quiet->get_bool());
  if (tell) router_.to_channel(channel, "channel.joined", {{"channel", channel}, {"user_id", user}});
  json::array members;
  members.reserve(j.members.size());
  for (auto& u : j.members) members.emplace_back(std::move(u));
  bus::payload::reply(bus_, m, json::object{{"members", std::move(members)}});
}

void ChannelService::leave(const bus::Message& m) {
  auto o = bus::payload::parse(m.data);
  const std::string channel = o ? bus::payload::token(*o, "channel") : "";
  const std::string user = o ? bus::payload::token(*o, "user_id") : "";
  const std::string sid = o ? bus::payload::token(*o, "sid") : "";
  bool gone = false;
  try {
    gone = directory_.leave(channel, user, sid);
  } catch (const std::exception&) {
    bus::payload::reply(bus_, m, unavailable());
    return;
  }
  if (gone) router_.to_channel(channel, "channel.left", {{"channel", channel}, {"user_id", user}});
  bus::payload::reply(bus_, m, json::object{});
}

void ChannelService::list(const bus::Message& m) {
  auto o = bus::payload::parse(m.data);
  const std::string channel = o ? bus::payload::token(*o, "channel") : "";
  json::array members;
  try {
    for (auto& u : directory_.members(channel)) members.emplace_back(std::move(u));
  } catch (const std::exception&) {
    bus::payload::reply(bus_, m, unavailable());
    return;
  }
  bus::payload::reply(bus_, m, json::object{{"members", std::move(members)}});
}

void ChannelService::session_moved(const bus::Message& m) {
  auto e = protocol::decode<protocol::SessionEvent>(m.data);
  if (!e || e->replaces.empty()) return;  // a plain open: it joins channels itself
  backlog_.run([this, e = *e] {
    // The new sid joins first (nobody is told: the user was there all along), then the old one
    // leaves, and only a channel the new one could not join hears the user leave.
    for (const auto& ch : e.channels) directory_.join(ch, e.user_id, e.sid, limits_.max_members);
    for (const auto& ch : directory_.close_channels(e.replaces, e.user_id))
      router_.to_channel(ch, "channel.left", {{"channel", ch}, {"user_id", e.user_id}});
  });
}

void ChannelService::session_closed(const bus::Message& m) {
  auto e = protocol::decode<protocol::SessionEvent>(m.data);
  if (!e) return;
  backlog_.run([this, e = *e] {
    for (const auto& ch : directory_.close_channels(e.sid, e.user_id))
      router_.to_channel(ch, "channel.left", {{"channel", ch}, {"user_id", e.user_id}});
  });
}

}  // namespace arena::sessions
