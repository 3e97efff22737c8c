#pragma once
// The WebSocket wire format: JSON text frames with one envelope, {"op","rid","d"}.
// Replies echo the request's rid; errors are {"op":"error","rid":..,"d":{"code","message"}};
// server pushes carry a per-session "seq" (see docs/protocol.md).
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace arena::gateway {

// Close codes (RFC 6455 registry plus application codes 4000-4999).
enum class CloseCode : std::uint16_t {
  normal = 1000,
  going_away = 1001,         // server shutting down
  policy = 1008,             // kept breaking the message-rate limit
  too_big = 1009,            // frame over gateway.max_frame_bytes (sent by the WebSocket layer)
  token_expired = 4001,      // access token expired and was not refreshed (session.refresh)
  replaced = 4002,           // second_connection = replace: a newer connection of the user took over
  resumed_elsewhere = 4003,  // the session was resumed on another connection
  login_revoked = 4004,      // the login behind the token was logged out or revoked
  slow_consumer = 4008,      // send queue overflowed: the client did not read fast enough
};

struct Envelope {
  std::string op;
  boost::json::value rid;  // null when absent
  boost::json::object d;
};

// Fills `out` field by field (rid first, so an error can still echo it); throws Error:
// malformed_json (not JSON, or nested deeper than max_depth), invalid_envelope (shape or types).
void parse_envelope(std::string_view text, std::size_t max_depth, Envelope& out);

std::string reply_frame(std::string_view op, const boost::json::value& rid, const boost::json::object& d);
std::string error_frame(const boost::json::value& rid, std::string_view code, std::string_view message);
// A frame without seq: {"op":..,"d":..} (session.welcome).
std::string event_frame(std::string_view op, const boost::json::object& d);

}  // namespace arena::gateway
