// ping, dm.send, presence.query, session.refresh.
#include "gateway_impl.hpp"

namespace arena::gateway {

void Gateway::Impl::op_ping(Ctx& x) {
  reply(x.conn, "pong", x.rid, {{"server_time", unix_ms(clock.now())}});
}

void Gateway::Impl::op_dm_send(Ctx& x) {
  const std::string to = core::Fields(x.d).required_string("to", 1, 128);
  if (!bus::valid_token(to)) throw Error(Code::invalid_field, "to must be a user id");
  const std::string body = body_arg(x.d);
  const std::string from = x.session->user_id();
  service_request(protocol::kPresenceQuery, {{"users", json::array{json::value(to)}}}, x.conn, x.rid,
                  [this, c = x.conn, rid = x.rid, to, from, body](const json::object& o) {
                    bool online = false;
                    if (const auto* list = o.if_contains("users"); list != nullptr && list->is_object()) {
                      if (const auto* u = list->as_object().if_contains(to); u != nullptr && u->is_object()) {
                        const auto* on = u->as_object().if_contains("online");
                        online = on != nullptr && on->is_bool() && on->get_bool();
                      }
                    }
                    if (!online) {
                      error(c, rid, Code::user_offline, "that user is not connected");
                      return;
                    }
                    router.to_user(to, "dm.message", {{"from", from}, {"body", body}});
                    reply(c, "dm.send", rid, {{"to", to}});
                  });
}

void Gateway::Impl::op_presence_query(Ctx& x) {
  const json::value* list = x.d.if_contains("users");
  if (list == nullptr) throw Error(Code::missing_field, "users is required");
  if (!list->is_array() || list->get_array().empty() || list->get_array().size() > 100)
    throw Error(Code::invalid_field, "users must be an array of 1 to 100 user ids");
  for (const auto& u : list->get_array())
    if (!u.is_string() || !bus::valid_token(std::string(u.get_string())))
      throw Error(Code::invalid_field, "users must hold user ids");
  service_request(protocol::kPresenceQuery, {{"users", *list}}, x.conn, x.rid,
                  [this, c = x.conn, rid = x.rid](const json::object& o) {
                    json::value u = o.contains("users") ? o.at("users") : json::object{};
                    reply(c, "presence.query", rid, {{"users", std::move(u)}});
                  });
}

void Gateway::Impl::op_session_refresh(Ctx& x) {
  const std::string token = core::Fields(x.d).required_string("access_token", 1, 4096);
  const auth::Principal p = verifier.verify(token);
  if (p.user_id != x.session->user_id()) throw Error(Code::token_mismatch, "the token belongs to another user");
  x.conn->set_token_expiry(p.expires_at);
  reply(x.conn, "session.refresh", x.rid, {{"expires_at", p.expires_at}});
}

}  // namespace arena::gateway
