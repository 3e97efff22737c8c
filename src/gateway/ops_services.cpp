// Replies, and the ops other roles answer: mm.* and party.* (matchmaker), match.* (the host of the match).
#include "gateway_impl.hpp"

namespace arena::gateway {

// ---------------------------------------------------------------- replies

void Gateway::Impl::reply(const ConnPtr& c, std::string_view op, const json::value& rid, const json::object& d) {
  c->send(Outbound{0, frame_ptr(reply_frame(op, rid, d))});
}

void Gateway::Impl::error(const ConnPtr& c, const json::value& rid, Code code, std::string_view message) {
  auto& slot = error_counters[static_cast<std::size_t>(code)];
  metrics::Counter* counter = slot.load(std::memory_order_acquire);
  if (counter == nullptr) {
    counter = &metrics.errors.with({name(code)});  // the registry hands back the same series every time
    slot.store(counter, std::memory_order_release);
  }
  counter->inc();
  c->send(Outbound{0, frame_ptr(error_frame(rid, name(code), message))});
}

void Gateway::Impl::error(const ConnPtr& c, const json::value& rid, std::string_view code, std::string_view message) {
  if (const auto known = code_named(code)) {
    error(c, rid, *known, message);
    return;
  }
  metrics.errors.with({code}).inc();  // a game mode's own input code
  c->send(Outbound{0, frame_ptr(error_frame(rid, code, message))});
}

void Gateway::Impl::service_request(std::string_view subject, const json::object& payload, ConnPtr c, json::value rid,
                                    std::function<void(const json::object&)> on_ok, std::function<void()> on_fail,
                                    std::string_view gone) {
  service_request(subject, json::serialize(payload), std::move(c), std::move(rid), std::move(on_ok), std::move(on_fail),
                  gone);
}

void Gateway::Impl::service_request(std::string_view subject, std::string data, ConnPtr c, json::value rid,
                                    std::function<void(const json::object&)> on_ok, std::function<void()> on_fail,
                                    std::string_view gone) {
  bus.request(subject, std::move(data), settings.request_timeout,
              [this, c = std::move(c), rid = std::move(rid), on_ok = std::move(on_ok), on_fail = std::move(on_fail),
               gone = std::string(gone)](bus::Reply r) {
                boost::system::error_code ec;
                json::value v;
                if (r.error == bus::RequestError::no_responders && !gone.empty()) {
                  if (on_fail) on_fail();
                  error(c, rid, gone, "nothing answers for that (it may have ended)");
                  return;
                }
                if (r.error == bus::RequestError::none) v = json::parse(r.data, ec);
                if (r.error != bus::RequestError::none || ec || !v.is_object()) {
                  if (on_fail) on_fail();
                  error(c, rid, Code::unavailable, "the service did not answer; try again");
                  return;
                }
                const auto& o = v.as_object();
                if (const auto* err = o.if_contains("error"); err != nullptr && err->is_object()) {
                  if (on_fail) on_fail();
                  const auto* code = err->as_object().if_contains("code");
                  const auto* msg = err->as_object().if_contains("message");
                  error(c, rid, code != nullptr && code->is_string() ? std::string(code->get_string()) : "internal",
                        msg != nullptr && msg->is_string() ? std::string(msg->get_string()) : "request failed");
                  return;
                }
                on_ok(o);
              });
}

// ---------------------------------------------------------------- ops

void Gateway::Impl::forward_op(Ctx& x, const std::string& subject, json::value d, std::string_view gone) {
  const std::string op(x.op);
  service_request(
      subject, protocol::encode(protocol::ClientOp{op, x.session->user_id(), x.session->id(), std::move(d)}), x.conn,
      x.rid,
      [this, c = x.conn, rid = x.rid, op](const json::object& o) {
        const auto* r = o.if_contains("d");
        reply(c, op, rid, r != nullptr && r->is_object() ? r->as_object() : json::object{});
      },
      {}, gone);
}

void Gateway::Impl::op_matchmaker(Ctx& x) {
  forward_op(x, std::string(protocol::kMatchmakerOp), x.d, {});
}

// Invites go only to accounts that exist: the auth role says which, then the matchmaker decides.
void Gateway::Impl::op_party_invite(Ctx& x) {
  const std::string target = core::Fields(x.d).required_string("user_id", 1, 128);
  if (!bus::valid_token(target)) throw Error(Code::invalid_field, "user_id is not a user id");
  service_request(protocol::kAccountsExist, {{"user_ids", json::array{json::value(target)}}}, x.conn, x.rid,
                  [this, c = x.conn, s = x.session, rid = x.rid, d = x.d, target](const json::object& o) mutable {
                    bool exists = false;
                    if (const auto* e = o.if_contains("exists"); e != nullptr && e->is_object()) {
                      const auto* v = e->as_object().if_contains(target);
                      exists = v != nullptr && v->is_bool() && v->get_bool();
                    }
                    if (!exists) {
                      error(c, rid, Code::no_such_user, "there is no player with that user id");
                      return;
                    }
                    Ctx next{c, s, rid, d, "party.invite"};
                    forward_op(next, std::string(protocol::kMatchmakerOp), d, {});
                  });
}

void Gateway::Impl::op_match(Ctx& x) {
  const std::string id = core::Fields(x.d).required_string("match_id", 1, 64);
  if (!bus::valid_token(id)) throw Error(Code::invalid_field, "match_id is not a match id");
  const auto* d = x.d.if_contains("d");
  forward_op(x, protocol::match_op(id), d != nullptr ? *d : json::value(nullptr), "no_such_match");
}

}  // namespace arena::gateway
