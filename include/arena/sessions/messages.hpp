#pragma once
// Bus subjects and payloads between gateways and the sessions role (presence and channels).
// All payloads are JSON objects. Events:
//   session.opened   {"sid","user_id","node"}        a gateway opened a session
//   session.closed   {"sid","user_id","node"}        a session ended (not a mere disconnect
//                                                    inside the resume window)
//   presence.resync  {}                              the presence service (re)started: gateways
//                                                    publish session.opened for every session
//   presence.changed.<user_id> {"user_id","online"}  first session opened / last one closed
//   node.heartbeat   {"node","sessions"}             every gateway, every kHeartbeatInterval; a
//                                                    node silent for kNodeTimeout is taken as
//                                                    dead and its sessions are closed for it
// Requests (queue group "sessions"):
//   presence.query   {"users":[...]} -> {"users":{"<id>":{"online":bool,"nodes":[...]}}}
//   channels.join    {"channel","user_id","sid"} -> {"members":[...]} | {"error":{"code","message"}}
//   channels.leave   {"channel","user_id","sid"} -> {}
//   channels.members {"channel"} -> {"members":[...]}
#include <chrono>
#include <string_view>

namespace arena::sessions {

inline constexpr std::string_view kSessionOpened = "session.opened";
inline constexpr std::string_view kSessionClosed = "session.closed";
inline constexpr std::string_view kPresenceResync = "presence.resync";
inline constexpr std::string_view kPresenceChangedPrefix = "presence.changed.";
inline constexpr std::string_view kPresenceQuery = "presence.query";
inline constexpr std::string_view kChannelsJoin = "channels.join";
inline constexpr std::string_view kChannelsLeave = "channels.leave";
inline constexpr std::string_view kChannelsMembers = "channels.members";
inline constexpr std::string_view kQueueGroup = "sessions";
inline constexpr std::string_view kNodeHeartbeat = "node.heartbeat";
inline constexpr auto kHeartbeatInterval = std::chrono::seconds(2);
inline constexpr auto kNodeTimeout = std::chrono::seconds(10);

}  // namespace arena::sessions
