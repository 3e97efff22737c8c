#pragma once
// One struct per bus message (subjects.hpp says which subject carries which), each with its
// JSON codec here and nowhere else. Payloads come from other processes, so decoding is strict:
// a missing or mistyped required field, or an id that is not a bus token, gives nullopt (the
// receiver counts and drops it), never a silent default.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace arena::protocol {

// session.opened / session.closed
struct SessionEvent {
  std::string sid;
  std::string user_id;
  std::string node;
  // session.opened of a session moved from another gateway: the sid it replaces (closed by the
  // same event, after this one opened, so the user never looks offline) and the channels it is in
  // (joined for it quietly, before the old sid leaves them, so nobody sees the user leave).
  std::string replaces;
  std::vector<std::string> channels;
  static constexpr std::size_t kMaxChannels = 1000;
};

// presence.changed.<user>
struct PresenceChanged {
  std::string user_id;
  bool online = false;
};

// node.heartbeat
struct NodeHeartbeat {
  std::string node;
  std::int64_t sessions = 0;
};

// match.found: what the matchmaker formed, for a host to start.
struct FoundPlayer {
  std::string user_id;
  double rating = 0;
  int ping_ms = 0;
  std::string party_id;  // empty: a solo ticket
};
struct MatchFound {
  std::string match_id;
  std::string mode;
  std::string game;
  std::string region;
  std::vector<std::vector<FoundPlayer>> teams;  // free-for-all: one player per team
  bool bots_fill = false;
  int open_seats = 0;
  int seats = 0;
  int team_size = 0;  // players per team; 0 (or absent, from an older matchmaker): free-for-all
  int tick_rate = 0;  // 0: the game's own rate
  // The mode's game settings as configured (key -> value; the host checks them against the
  // game). At most 64, each a scalar.
  boost::json::object settings;
};

// match.ended (the result is passed on as the host wrote it: JSON text of an object)
struct MatchEnded {
  std::string match_id;
  std::string mode;
  std::string game;
  std::string result_json;
};

// rating.changed
struct RatingChanged {
  std::string user_id;
  std::string mode;
  double display = 0;
};

// route.user.<id> / route.channel.<name>: a push every recipient session gets, or (users only)
// a kick of the user's sessions older than `keep_session`, or word that one session moved to
// another gateway (the gateway holding its old copy lets it go). On the wire one kind byte, the
// message's id (a UUIDv7: 36 characters, unique per publish, time-ordered) then the text, so a
// gateway passes a push on without parsing it again. The id lets a gateway that resumes a
// session moved from another one tell which pushes the session already had.
struct RoutePayload {
  enum class Kind : char { push = 'P', kick = 'K', moved = 'M' };
  static constexpr std::size_t kIdSize = 36;
  Kind kind = Kind::push;
  std::string_view id;
  std::string_view text;  // push: the frame body after `{"seq":N,`; kick: the session id to keep; moved: the old sid
};
// The Unix time in milliseconds a route message id was made at (its UUIDv7 time field).
std::int64_t route_id_ms(std::string_view id);

// mm.op and match.<match_id>.op: a client's op, forwarded by its gateway. `d` holds the op's
// arguments as the client sent them (mm.*/party.*: an object; match.input: the game's input,
// any JSON; null when absent), for the receiver to check; `sid` is the client's session
// (optional). The answer is {"d":{...}} or {"error":{"code","message"}}.
struct ClientOp {
  std::string op;  // e.g. mm.enqueue, party.invite, match.input (up to 64 bytes)
  std::string user_id;
  std::string sid;
  boost::json::value d;
};

std::string encode(const SessionEvent& m);
std::string encode(const ClientOp& m);
std::string encode(const PresenceChanged& m);
std::string encode(const NodeHeartbeat& m);
std::string encode(const MatchFound& m);
std::string encode(const MatchEnded& m);
std::string encode(const RatingChanged& m);
std::string encode(RoutePayload::Kind kind, std::string_view id, std::string_view text);

template <class T>
std::optional<T> decode(std::string_view data);
template <>
std::optional<SessionEvent> decode<SessionEvent>(std::string_view data);
template <>
std::optional<PresenceChanged> decode<PresenceChanged>(std::string_view data);
template <>
std::optional<NodeHeartbeat> decode<NodeHeartbeat>(std::string_view data);
template <>
std::optional<MatchFound> decode<MatchFound>(std::string_view data);
template <>
std::optional<MatchEnded> decode<MatchEnded>(std::string_view data);
template <>
std::optional<ClientOp> decode<ClientOp>(std::string_view data);
template <>
std::optional<RatingChanged> decode<RatingChanged>(std::string_view data);
// `text` views into `data`.
template <>
std::optional<RoutePayload> decode<RoutePayload>(std::string_view data);

}  // namespace arena::protocol
