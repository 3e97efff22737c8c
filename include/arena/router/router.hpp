#pragma once
// Delivering server-made messages to players wherever they are connected. A gateway holding a
// session of user U subscribes to `route.user.<U>`; one holding a member of channel C
// subscribes to `route.channel.<C>`. So a broadcast is one bus message, which NATS (or the
// in-process bus) hands once to each gateway that has recipients, and each gateway only ever
// receives traffic for its own sessions. No presence lookup sits on the delivery path.
//
// Payload on those subjects: protocol::RoutePayload, a push (the bytes after `{"seq":N,` of
// the frame every recipient gets) or a kick (close the user's sessions older than the one
// named: "replace" policy; session ids are UUIDv7, so they order by creation time and a late
// kick cannot close a newer session).
#include <boost/json/object.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "arena/bus/bus.hpp"

namespace arena::router {

// `"op":"<op>","d":{...}}`: a push frame minus its per-session `{"seq":N,` prefix, so it is
// serialised once and shared by every recipient.
std::string push_body(std::string_view op, const boost::json::object& d);

class Router {
 public:
  // Called with every message right after it is published: a gateway publishes on a no-echo
  // client (bus::Bus::open_no_echo) and hands its own sessions their copy here, without the bus.
  using LocalDelivery = std::function<void(std::string_view subject, std::string_view data)>;

  explicit Router(bus::Bus& bus, LocalDelivery local = {}) : bus_(bus), local_(std::move(local)) {}

  // Every session of `user_id`, on whichever gateway holds it.
  void to_user(std::string_view user_id, std::string_view op, const boost::json::object& d);
  // The same push to several users: serialised once, one bus message per user.
  void to_users(const std::vector<std::string>& user_ids, std::string_view op, const boost::json::object& d);
  // Every member session of `channel`, across gateways.
  void to_channel(std::string_view channel, std::string_view op, const boost::json::object& d);
  // Asks gateways to close the sessions of `user_id` opened before `keep_session_id`.
  void close_other_sessions(std::string_view user_id, std::string_view keep_session_id);
  // Tells the gateway holding session `sid` of `user_id` that it moved elsewhere: it lets it go.
  void session_moved(std::string_view user_id, std::string_view sid);

 private:
  void send(const std::string& subject, const std::string& data);
  bus::Bus& bus_;
  LocalDelivery local_;
};

}  // namespace arena::router
