#include "arena/router/router.hpp"

#include <boost/json/serialize.hpp>

namespace arena::router {

std::string user_subject(std::string_view user_id) {
  return "route.user." + std::string(user_id);
}
std::string channel_subject(std::string_view channel) {
  return "route.channel." + std::string(channel);
}

std::string push_body(std::string_view op, const boost::json::object& d) {
  std::string out = "\"op\":";
  out += boost::json::serialize(boost::json::string_view(op.data(), op.size()));
  out += ",\"d\":";
  out += boost::json::serialize(d);
  out += '}';
  return out;
}

namespace {
std::string framed(char kind, std::string_view rest) {
  std::string out;
  out.reserve(rest.size() + 1);
  out.push_back(kind);
  out += rest;
  return out;
}
}  // namespace

void Router::to_user(std::string_view user_id, std::string_view op, const boost::json::object& d) {
  bus_.publish(user_subject(user_id), framed(kPush, push_body(op, d)));
}

void Router::to_users(const std::vector<std::string>& user_ids, std::string_view op, const boost::json::object& d) {
  if (user_ids.empty()) return;
  const std::string payload = framed(kPush, push_body(op, d));
  for (const auto& u : user_ids) bus_.publish(user_subject(u), payload);
}

void Router::to_channel(std::string_view channel, std::string_view op, const boost::json::object& d) {
  bus_.publish(channel_subject(channel), framed(kPush, push_body(op, d)));
}

void Router::close_other_sessions(std::string_view user_id, std::string_view keep_session_id) {
  bus_.publish(user_subject(user_id), framed(kKick, keep_session_id));
}

}  // namespace arena::router
