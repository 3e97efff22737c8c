#pragma once
// Every bus subject and queue group Arena uses, in one place. The payload of each subject is
// the typed message named beside it (arena/protocol/messages.hpp); no service spells another's
// subject or builds its JSON by hand.
//
// auth role
//   auth.revoked            event    Revoked          a logout or refresh-token theft: every process
//                                                     refuses that login's tokens, closes its sockets
//   auth.accounts.exist     request  AccountsExist    -> AccountsExistReply (queue group auth)
// sessions role (presence and channels) and the gateways
//   session.opened          event    SessionEvent     a gateway opened a session
//   session.closed          event    SessionEvent     a session ended (not a disconnect inside the
//                                                     resume window); both taken by one sessions
//                                                     process for presence, one for channels
//   presence.resync         event    {}               the sessions role lost its state (a sessions
//                                                     process started; Redis restarted empty):
//                                                     gateways re-announce sessions and channels
//   presence.changed.<user> event    PresenceChanged  first session opened / last one closed
//   node.heartbeat          event    NodeHeartbeat    every gateway, every kHeartbeatInterval
//   presence.query          request  {"users":[...]} -> {"users":{...}} (queue group sessions)
//   channels.join/leave     request  ChannelRequest   -> {"members":[...]} | {} (queue group sessions;
//                                                     a join with "quiet":true, a re-announce, tells nobody)
//   channels.members        request  {"channel"}      -> {"members":[...]}
// matchmaker role
//   mm.op                   request  ClientOp         client ops forwarded by a gateway (queue group
//                                                     matchmaker) -> {"d":{...}} | {"error":{...}}
//   mm.stats                request  {}               -> {"modes":[...]}
//   match.found             event    MatchFound       a formed match, for the hosts (queue group host)
// host role
//   match.<id>.op           request  ClientOp         a match op from a gateway -> {"d":{...}} | {"error":{...}}
//   match.ended             event    MatchEnded       frees the players to queue again
// router (any role -> gateways)
//   route.user.<user>       RoutePayload   a push to every session of the user, or a kick
//   route.channel.<name>    RoutePayload   a push to every member session of the channel
#include <chrono>
#include <string>
#include <string_view>

namespace arena::protocol {

inline constexpr std::string_view kAuthRevoked = "auth.revoked";
inline constexpr std::string_view kAccountsExist = "auth.accounts.exist";
inline constexpr std::string_view kAuthGroup = "auth";

inline constexpr std::string_view kSessionOpened = "session.opened";
inline constexpr std::string_view kSessionClosed = "session.closed";
inline constexpr std::string_view kSessionEvents = "session.*";  // both, on one subscription: in order
inline constexpr std::string_view kPresenceResync = "presence.resync";
inline constexpr std::string_view kPresenceChangedAll = "presence.changed.*";
inline constexpr std::string_view kPresenceQuery = "presence.query";
inline constexpr std::string_view kChannelsJoin = "channels.join";
inline constexpr std::string_view kChannelsLeave = "channels.leave";
inline constexpr std::string_view kChannelsMembers = "channels.members";
inline constexpr std::string_view kNodeHeartbeat = "node.heartbeat";
inline constexpr std::string_view kSessionsGroup = "sessions";
// One sessions process takes each session event for presence, and one for channels. Two names: a
// queue group spans every subscription of its name whose subject matches, so one name would hand
// each session.closed to presence or to channels, not to both.
inline constexpr std::string_view kPresenceEventsGroup = "sessions-presence";
inline constexpr std::string_view kChannelEventsGroup = "sessions-channels";
inline constexpr auto kHeartbeatInterval = std::chrono::seconds(2);
inline constexpr auto kNodeTimeout = std::chrono::seconds(10);

inline constexpr std::string_view kMatchmakerOp = "mm.op";
inline constexpr std::string_view kMatchmakerStats = "mm.stats";
inline constexpr std::string_view kMatchFound = "match.found";
inline constexpr std::string_view kMatchmakerGroup = "matchmaker";

inline constexpr std::string_view kMatchEnded = "match.ended";
// A player's displayed rating in a mode changed (the worker, after a rated match): matchmakers
// keep their rating caches with it.
inline constexpr std::string_view kRatingChanged = "rating.changed";
inline constexpr std::string_view kHostGroup = "host";

// Subjects with a token in them; the token must be bus::valid_token.
inline std::string presence_changed(std::string_view user_id) {
  return "presence.changed." + std::string(user_id);
}
inline std::string match_op(std::string_view match_id) {
  return "match." + std::string(match_id) + ".op";
}
inline std::string route_user(std::string_view user_id) {
  return "route.user." + std::string(user_id);
}
inline std::string route_channel(std::string_view channel) {
  return "route.channel." + std::string(channel);
}

}  // namespace arena::protocol
