#include "arena/router/router.hpp"

#include <boost/json/serialize.hpp>

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

void Router::to_user(std::string_view user_id, std::string_view op, const boost::json::object& d) {
  bus_.publish(protocol::route_user(user_id), protocol::encode(protocol::RoutePayload::Kind::push, push_body(op, d)));
}

void Router::to_users(const std::vector<std::string>& user_ids, std::string_view op, const boost::json::object& d) {
  if (user_ids.empty()) return;
  const std::string payload = protocol::encode(protocol::RoutePayload::Kind::push, push_body(op, d));
  for (const auto& u : user_ids) bus_.publish(protocol::route_user(u), payload);
}

void Router::to_channel(std::string_view channel, std::string_view op, const boost::json::object& d) {
  bus_.publish(protocol::route_channel(channel),
               protocol::encode(protocol::RoutePayload::Kind::push, push_body(op, d)));
}

void Router::close_other_sessions(std::string_view user_id, std::string_view keep_session_id) {
  bus_.publish(protocol::route_user(user_id), protocol::encode(protocol::RoutePayload::Kind::kick, keep_session_id));
}

}  // namespace arena::router
