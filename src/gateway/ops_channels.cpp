// channel.join / leave / send / members: local membership here, the member list in the sessions role.
#include "gateway_impl.hpp"

namespace arena::gateway {

std::string Gateway::Impl::channel_arg(const json::object& d) {
  std::string ch = core::Fields(d).required_string("channel", 1, 64);
  if (!bus::valid_token(ch))
    throw Error(Code::invalid_field, "channel may contain only letters, digits, '_', '-' and ':'");
  return ch;
}

std::string Gateway::Impl::body_arg(const json::object& d) {
  return core::Fields(d).required_string("body", 1, settings.max_body_chars);
}

// Hands the op to the service on `subject` as {"op","user_id","sid","d"} and relays its "d".

void Gateway::Impl::op_channel_join(Ctx& x) {
  std::string ch = channel_arg(x.d);
  constexpr std::string_view kPartyPrefix = "party:";
  if (ch.rfind(kPartyPrefix, 0) != 0) {
    join_channel(x.conn, x.session, x.rid, std::move(ch));
    return;
  }
  // A party's chat channel is for its members: the matchmaker says who they are.
  const std::string party = ch.substr(kPartyPrefix.size());
  service_request(protocol::kMatchmakerOp,
                  protocol::encode(protocol::ClientOp{"party.check", x.session->user_id(), x.session->id(),
                                                      json::object{{"party_id", party}}}),
                  x.conn, x.rid, [this, c = x.conn, s = x.session, rid = x.rid, ch](const json::object&) {
                    try {
                      join_channel(c, s, rid, ch);
                    } catch (const Error& e) {
                      error(c, rid, e.code(), e.message());
                    }
                  });
}

void Gateway::Impl::join_channel(const ConnPtr& conn, const SessionPtr& s, const json::value& rid, std::string ch) {
  const bool already = s->in_channel(ch);
  if (!s->add_channel(ch, settings.max_channels, unix_ms(clock.now())))
    throw Error(Code::too_many_channels, "this session is in the maximum number of channels");
  // Subscribe before asking, so nothing sent to the channel after the answer is missed.
  local_join(s, ch);
  service_request(
      protocol::kChannelsJoin, {{"channel", ch}, {"user_id", s->user_id()}, {"sid", s->id()}}, conn, rid,
      [this, c = conn, rid, ch](const json::object& o) {
        json::value members = o.contains("members") ? o.at("members") : json::array{};
        reply(c, "channel.join", rid, {{"channel", ch}, {"members", std::move(members)}});
      },
      [this, s, ch, already] {
        if (already) return;
        s->remove_channel(ch);
        local_leave(s, ch);
      });
}

void Gateway::Impl::op_channel_leave(Ctx& x) {
  const std::string ch = channel_arg(x.d);
  if (!x.session->remove_channel(ch)) throw Error(Code::not_in_channel, "not a member of this channel");
  local_leave(x.session, ch);
  service_request(protocol::kChannelsLeave,
                  {{"channel", ch}, {"user_id", x.session->user_id()}, {"sid", x.session->id()}}, x.conn, x.rid,
                  [this, c = x.conn, rid = x.rid, ch](const json::object&) {
                    reply(c, "channel.leave", rid, {{"channel", ch}});
                  });
}

void Gateway::Impl::op_channel_send(Ctx& x) {
  const std::string ch = channel_arg(x.d);
  const std::string body = body_arg(x.d);
  router.to_channel(ch, "channel.message", {{"channel", ch}, {"from", x.session->user_id()}, {"body", body}});
  reply(x.conn, "channel.send", x.rid, {{"channel", ch}});
}

void Gateway::Impl::op_channel_members(Ctx& x) {
  const std::string ch = channel_arg(x.d);
  service_request(protocol::kChannelsMembers, {{"channel", ch}}, x.conn, x.rid,
                  [this, c = x.conn, rid = x.rid, ch](const json::object& o) {
                    json::value members = o.contains("members") ? o.at("members") : json::array{};
                    reply(c, "channel.members", rid, {{"channel", ch}, {"members", std::move(members)}});
                  });
}

}  // namespace arena::gateway
