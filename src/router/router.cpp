#include "arena/router/router.hpp"

#include <boost/json/serialize.hpp>

#include "arena/core/random.hpp"
#include "arena/protocol/messages.hpp"
#include "arena/protocol/subjects.hpp"

namespace arena::router {

std::string push_body(std::string_view op, const boost::json::object& d) {
  std::string out = "\"op\":";
  out += boost::json::serialize(boost::json::string_view(op.data(), op.size()));
  out += ",\"d\":";
  out += boost::json::serialize(d);
  out += '}';
  return out;
}

namespace {
// Every message gets an id of its own: a gateway resuming a session moved from another one tells
// by id which pushes it already had (the ones the same message made for other users are other
// sessions' business).
std::string payload(protocol::RoutePayload::Kind kind, std::string_view text) {
  return protocol::encode(kind, core::new_uuid(), text);
}
}  // namespace

void Router::send(const std::string& subject, const std::string& data) {
  bus_.publish(subject, data);
  if (local_) local_(subject, data);
}

void Router::to_user(std::string_view user_id, std::string_view op, const boost::json::object& d) {
  send(protocol::route_user(user_id), payload(protocol::RoutePayload::Kind::push, push_body(op, d)));
}

void Router::to_users(const std::vector<std::string>& user_ids, std::string_view op, const boost::json::object& d) {
  if (user_ids.empty()) return;
  const std::string data = payload(protocol::RoutePayload::Kind::push, push_body(op, d));
  for (const auto& u : user_ids) send(protocol::route_user(u), data);
}

void Router::to_channel(std::string_view channel, std::string_view op, const boost::json::object& d) {
  send(protocol::route_channel(channel),
               payload(protocol::RoutePayload::Kind::push, push_body(op, d)));
}

void Router::close_other_sessions(std::string_view user_id, std::string_view keep_session_id) {
  send(protocol::route_user(user_id), payload(protocol::RoutePayload::Kind::kick, keep_session_id));
}

void Router::session_moved(std::string_view user_id, std::string_view sid) {
  send(protocol::route_user(user_id), payload(protocol::RoutePayload::Kind::moved, sid));
}

}  // namespace arena::router
