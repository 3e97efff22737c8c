#pragma once
// JSON bus payloads (header-only; link Boost::json): payloads from other nodes are untrusted,
// so every access is checked.
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "arena/bus/bus.hpp"
#include "arena/core/error.hpp"

namespace arena::bus::payload {

inline std::optional<boost::json::object> parse(std::string_view data) {
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = 16;
  auto v = boost::json::parse(data, ec, {}, opts);
  if (ec || !v.is_object()) return std::nullopt;
  boost::json::object out = std::move(v.as_object());
  return out;
}

// The string at `key` if it is a valid bus token (ids, channel names), else empty.
inline std::string token(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return {};
  std::string s(v->get_string());
  return valid_token(s) ? s : std::string();
}

// Answers a request whose reply subject is `reply_subject` (nothing when it is empty: a publish).
inline void reply_to(Bus& bus, std::string_view reply_subject, const boost::json::object& body) {
  if (!reply_subject.empty()) bus.publish(reply_subject, boost::json::serialize(body));
}
inline void reply(Bus& bus, const Message& m, const boost::json::object& body) {
  reply_to(bus, m.reply, body);
}

// An error reply. The string form carries a game mode's own input codes; the rest use Code.
inline boost::json::object error(std::string_view code, std::string_view message) {
  return {{"error", {{"code", code}, {"message", message}}}};
}
inline boost::json::object error(Code code, std::string_view message) {
  return error(name(code), message);
}
inline boost::json::object error(const Error& e) {
  return error(e.code_name(), e.message());
}

}  // namespace arena::bus::payload
