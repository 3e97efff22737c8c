#include "arena/events/event.hpp"

#include <boost/json/serialize.hpp>

#include <stdexcept>

#include "arena/core/error.hpp"
#include "arena/core/json_input.hpp"

namespace arena::events {

namespace json = boost::json;

namespace {
// The envelope's share of an encoded event, beyond `data`: a message longer than the data limit
// plus this is refused before it is parsed.
constexpr std::size_t kEnvelopeBytes = 2048;
constexpr std::size_t kMaxField = 128;

const std::vector<TypeInfo>& builtin() {
  static const std::vector<TypeInfo> types{
      {"auth.login", true},      {"session.opened", true},     {"session.closed", true},
      {"party.formed", true},    {"mm.queued", true},          {"mm.matched", true},
      {"mm.cancelled", true},    {"mm.expired", true},         {"match.started", false},
      {"match.ended", false},    {"match.player_left", false}, {"match.player_rejoined", false},
      {"rating.changed", false}, {"job.dead", true},
  };
  return types;
}
}  // namespace

bool valid_type_name(std::string_view type) {
  if (type.size() < 3 || type.size() > 64 || type.front() == '.' || type.back() == '.') return false;
  bool dot = false;
  char prev = 0;
  for (char c : type) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
    if (!ok || (c == '.' && prev == '.')) return false;
    dot = dot || c == '.';
    prev = c;
  }
  return dot;
}

Catalogue::Catalogue() {
  for (const auto& t : builtin()) types_.emplace(t.type, t);
}

void Catalogue::add(std::string type, bool droppable) {
  if (!valid_type_name(type)) throw std::invalid_argument("events: invalid event type '" + type + "'");
  for (const auto& t : builtin())
    if (t.type == type) throw std::invalid_argument("events: '" + type + "' is a built-in event type");
  types_[type] = TypeInfo{type, droppable};
}

const TypeInfo* Catalogue::find(std::string_view type) const {
  auto it = types_.find(std::string(type));
  return it == types_.end() ? nullptr : &it->second;
}

std::vector<TypeInfo> Catalogue::all() const {
  std::vector<TypeInfo> out;
  for (const auto& [_, t] : types_) out.push_back(t);
  return out;
}

std::string_view to_string(Reject r) {
  switch (r) {
    case Reject::malformed_json: return "malformed_json";
    case Reject::invalid_envelope: return "invalid_envelope";
    case Reject::unknown_type: return "unknown_type";
    case Reject::data_too_large: return "data_too_large";
  }
  return "invalid_envelope";
}

std::string encode(const Event& e) {
  std::string out = "{\"id\":";
  auto field = [&out](std::string_view key, std::string_view v) {
    out += ",\"";
    out += key;
    out += "\":";
    out += json::serialize(json::string_view(v.data(), v.size()));
  };
  out += json::serialize(json::string_view(e.id));
  field("type", e.type);
  out += ",\"time\":" + std::to_string(e.time_ms);
  field("node", e.node);
  if (!e.user_id.empty()) field("user_id", e.user_id);
  if (!e.match_id.empty()) field("match_id", e.match_id);
  if (!e.mode.empty()) field("mode", e.mode);
  if (!e.region.empty()) field("region", e.region);
  out += ",\"data\":";
  out += e.data;
  out += '}';
  return out;
}

namespace {

// The envelope and data of one event, already parsed.
std::variant<Event, Rejected> decode_object(const json::object& o, const Catalogue& known, const Limits& limits) {
  Event ev;
  try {
    const core::Fields f(o);
    ev.id = f.required_string("id", 36, 36);
    ev.type = f.required_string("type", 1, 64);
    ev.node = f.required_string("node", 1, kMaxField);
    ev.user_id = f.optional_string("user_id", 1, kMaxField).value_or("");
    ev.match_id = f.optional_string("match_id", 1, kMaxField).value_or("");
    ev.mode = f.optional_string("mode", 1, kMaxField).value_or("");
    ev.region = f.optional_string("region", 1, kMaxField).value_or("");
    const auto time = o.if_contains("time");
    if (time == nullptr || !time->is_int64() || time->as_int64() < 0)
      return Rejected{Reject::invalid_envelope, "time: a unix time in milliseconds is required"};
    ev.time_ms = time->as_int64();
  } catch (const Error& e) {
    return Rejected{Reject::invalid_envelope, e.what()};
  }
  if (known.find(ev.type) == nullptr) return Rejected{Reject::unknown_type, ev.type};
  const auto data = o.if_contains("data");
  if (data == nullptr || !data->is_object()) return Rejected{Reject::invalid_envelope, "data: an object is required"};
  ev.data = json::serialize(*data);
  if (ev.data.size() > limits.max_data_bytes)
    return Rejected{Reject::data_too_large, std::to_string(ev.data.size()) + " bytes of data"};
  return ev;
}

}  // namespace

std::variant<Event, Rejected> decode(std::string_view bytes, const Catalogue& known, const Limits& limits) {
  if (bytes.size() > limits.max_data_bytes + kEnvelopeBytes)
    return Rejected{Reject::data_too_large, std::to_string(bytes.size()) + " bytes"};
  try {
    return decode_object(core::parse_object(bytes, core::JsonLimits{.max_depth = 32}), known, limits);
  } catch (const Error& e) {
    return Rejected{Reject::malformed_json, e.what()};
  }
}

std::string encode_pack(const std::vector<std::string>& encoded) {
  std::size_t size = 2;
  for (const auto& e : encoded) size += e.size() + 1;
  std::string out;
  out.reserve(size);
  out += '[';
  for (const auto& e : encoded) {
    if (out.size() > 1) out += ',';
    out += e;
  }
  out += ']';
  return out;
}

std::vector<Decoded> decode_message(std::string_view bytes, const Catalogue& known, const Limits& limits) {
  const auto first = bytes.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || bytes[first] != '[') {  // one event: its bytes kept only if refused
    auto r = decode(bytes, known, limits);
    const bool refused = std::holds_alternative<Rejected>(r);
    return {Decoded{std::move(r), refused ? std::string(bytes) : std::string()}};
  }
  const auto refused = [&](Reject why, std::string detail) {
    return std::vector<Decoded>{Decoded{Rejected{why, std::move(detail)}, std::string(bytes)}};
  };
  if (bytes.size() > kMaxPack * (limits.max_data_bytes + kEnvelopeBytes))
    return refused(Reject::data_too_large, std::to_string(bytes.size()) + " bytes in one message");
  json::value v;
  try {
    v = core::parse_json(bytes, core::JsonLimits{.max_depth = 33});
  } catch (const Error& e) {
    return refused(Reject::malformed_json, e.what());
  }
  const auto& items = v.as_array();  // it starts with '['
  if (items.empty() || items.size() > kMaxPack)
    return refused(Reject::invalid_envelope,
                   "a pack holds 1 to " + std::to_string(kMaxPack) + " events, not " + std::to_string(items.size()));
  std::vector<Decoded> out;
  out.reserve(items.size());
  for (const auto& item : items) {
    if (!item.is_object()) {
      out.push_back({Rejected{Reject::invalid_envelope, "an event is a JSON object"}, json::serialize(item)});
      continue;
    }
    auto r = decode_object(item.as_object(), known, limits);
    std::string refused_bytes;
    if (std::holds_alternative<Rejected>(r)) refused_bytes = json::serialize(item);
    out.push_back({std::move(r), std::move(refused_bytes)});
  }
  return out;
}

}  // namespace arena::events
