#include "arena/protocol/messages.hpp"

#include "arena/core/random.hpp"

#include <boost/json.hpp>
#include <cmath>

#include "arena/bus/payload.hpp"

namespace arena::protocol {
namespace json = boost::json;

namespace {

// Required fields: each getter fails the whole decode (returns false) when absent or mistyped.
struct Reader {
  const json::object& o;
  bool ok = true;

  std::string token(std::string_view key) {
    std::string t = bus::payload::token(o, key);  // empty unless a valid bus token
    if (t.empty()) ok = false;
    return t;
  }
  std::string text(std::string_view key, std::size_t max = 256) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_string() || v->get_string().size() > max) {
      ok = false;
      return {};
    }
    return std::string(v->get_string());
  }
  std::int64_t integer(std::string_view key, std::int64_t lo, std::int64_t hi) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_int64() || v->get_int64() < lo || v->get_int64() > hi) {
      ok = false;
      return 0;
    }
    return v->get_int64();
  }
  bool boolean(std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_bool()) {
      ok = false;
      return false;
    }
    return v->get_bool();
  }
  double number(std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_number()) {
      ok = false;
      return 0;
    }
    return v->to_number<double>();
  }
};

// Decodes an object whose fields `build` reads through a Reader: nullopt when the bytes are not a
// JSON object or any required field is missing or mistyped.
template <class T, class Build>
std::optional<T> strict(std::string_view data, Build build) {
  auto o = bus::payload::parse(data);
  if (!o) return std::nullopt;
  Reader r{*o};
  T m = build(r, *o);
  if (!r.ok) return std::nullopt;
  return m;
}

}  // namespace

std::string encode(const SessionEvent& m) {
  json::object o{{"sid", m.sid}, {"user_id", m.user_id}, {"node", m.node}};
  if (!m.replaces.empty()) {
    o["replaces"] = m.replaces;
    json::array chans;
    for (const auto& c : m.channels) chans.emplace_back(c);
    o["channels"] = std::move(chans);
  }
  return json::serialize(o);
}

template <>
std::optional<SessionEvent> decode<SessionEvent>(std::string_view data) {
  return strict<SessionEvent>(data, [](Reader& r, const json::object& o) {
    SessionEvent e{r.token("sid"), r.token("user_id"), r.token("node"), {}, {}};
    if (!o.contains("replaces")) return e;
    e.replaces = r.token("replaces");
    const auto* chans = o.if_contains("channels");
    if (chans == nullptr || !chans->is_array() || chans->get_array().size() > SessionEvent::kMaxChannels) {
      r.ok = false;
      return e;
    }
    for (const auto& c : chans->get_array()) {
      if (!c.is_string() || !bus::valid_token(c.get_string())) {
        r.ok = false;
        return e;
      }
      e.channels.emplace_back(c.get_string());
    }
    return e;
  });
}

std::string encode(const PresenceChanged& m) {
  return json::serialize(json::object{{"user_id", m.user_id}, {"online", m.online}});
}

template <>
std::optional<PresenceChanged> decode<PresenceChanged>(std::string_view data) {
  return strict<PresenceChanged>(data, [](Reader& r, const json::object&) {
    return PresenceChanged{r.token("user_id"), r.boolean("online")};
  });
}

std::string encode(const NodeHeartbeat& m) {
  return json::serialize(json::object{{"node", m.node}, {"sessions", m.sessions}});
}

template <>
std::optional<NodeHeartbeat> decode<NodeHeartbeat>(std::string_view data) {
  return strict<NodeHeartbeat>(data, [](Reader& r, const json::object&) {
    return NodeHeartbeat{r.token("node"), r.integer("sessions", 0, INT64_MAX)};
  });
}

std::string encode(const MatchFound& m) {
  json::array teams;
  for (const auto& team : m.teams) {
    json::array players;
    for (const auto& p : team) {
      json::object o{{"user_id", p.user_id}, {"rating", p.rating}, {"ping_ms", p.ping_ms}};
      if (!p.party_id.empty()) o["party_id"] = p.party_id;
      players.push_back(std::move(o));
    }
    teams.push_back(std::move(players));
  }
  json::object o{{"match_id", m.match_id},
                 {"mode", m.mode},
                 {"game", m.game},
                 {"region", m.region},
                 {"teams", std::move(teams)},
                 {"bots_fill", m.bots_fill},
                 {"open_seats", m.open_seats},
                 {"seats", m.seats},
                 {"team_size", m.team_size}};
  if (m.tick_rate > 0) o["tick_rate"] = m.tick_rate;  // absent: the game's own rate
  if (!m.settings.empty()) o["settings"] = m.settings;
  return json::serialize(o);
}

template <>
std::optional<MatchFound> decode<MatchFound>(std::string_view data) {
  auto o = bus::payload::parse(data);
  if (!o) return std::nullopt;
  Reader r{*o};
  MatchFound m;
  m.match_id = r.token("match_id");
  m.mode = r.text("mode", 64);
  m.game = r.text("game", 32);
  m.region = r.text("region", 32);
  m.bots_fill = r.boolean("bots_fill");
  m.open_seats = static_cast<int>(r.integer("open_seats", 0, 1024));
  m.seats = static_cast<int>(r.integer("seats", 0, 1024));
  // Optional (added after the first release: a match.found from an older matchmaker has none and
  // is seated as before, every bot a team of its own).
  if (o->contains("team_size")) m.team_size = static_cast<int>(r.integer("team_size", 0, 1024));
  if (o->contains("tick_rate")) m.tick_rate = static_cast<int>(r.integer("tick_rate", 1, 1000));
  if (const auto* settings = o->if_contains("settings")) {
    if (!settings->is_object() || settings->get_object().size() > 64) return std::nullopt;
    for (const auto& [k, v] : settings->get_object()) {
      const bool scalar = v.is_bool() || v.is_number() || (v.is_string() && v.get_string().size() <= 256);
      if (k.size() > 64 || !scalar) return std::nullopt;
    }
    m.settings = settings->get_object();
  }
  const auto* teams = o->if_contains("teams");
  if (teams == nullptr || !teams->is_array() || teams->get_array().size() > 1024) return std::nullopt;
  std::size_t players = 0;
  for (const auto& team : teams->get_array()) {
    if (!team.is_array()) return std::nullopt;
    auto& out = m.teams.emplace_back();
    for (const auto& p : team.get_array()) {
      if (!p.is_object() || ++players > 1024) return std::nullopt;
      Reader pr{p.get_object()};
      FoundPlayer fp{pr.token("user_id"), pr.number("rating"), static_cast<int>(pr.integer("ping_ms", 0, 100'000)), {}};
      if (p.get_object().contains("party_id")) fp.party_id = pr.token("party_id");
      if (!pr.ok) return std::nullopt;
      out.push_back(std::move(fp));
    }
  }
  if (!r.ok || m.mode.empty() || m.game.empty()) return std::nullopt;
  return m;
}

std::string encode(const MatchEnded& m) {
  std::string out = json::serialize(json::object{{"match_id", m.match_id}, {"mode", m.mode}, {"game", m.game}});
  out.pop_back();  // '}': the result goes in as written
  out += ",\"result\":";
  out += m.result_json.empty() ? std::string("{}") : m.result_json;
  out += '}';
  return out;
}

template <>
std::optional<MatchEnded> decode<MatchEnded>(std::string_view data) {
  auto o = bus::payload::parse(data);
  if (!o) return std::nullopt;
  Reader r{*o};
  MatchEnded m{r.token("match_id"), r.text("mode", 64), r.text("game", 32), {}};
  const auto* result = o->if_contains("result");
  if (!r.ok || result == nullptr || !result->is_object()) return std::nullopt;
  m.result_json = json::serialize(*result);
  return m;
}

std::string encode(const ClientOp& m) {
  json::object o{{"op", m.op}, {"user_id", m.user_id}, {"d", m.d}};
  if (!m.sid.empty()) o["sid"] = m.sid;
  return json::serialize(o);
}

template <>
std::optional<ClientOp> decode<ClientOp>(std::string_view data) {
  auto o = bus::payload::parse(data);
  if (!o) return std::nullopt;
  Reader r{*o};
  ClientOp m{r.text("op", 64), r.token("user_id"), {}, {}};
  if (!r.ok || m.op.empty()) return std::nullopt;
  if (o->contains("sid")) {
    m.sid = r.token("sid");
    if (!r.ok) return std::nullopt;
  }
  if (auto* d = o->if_contains("d"); d != nullptr) m.d = std::move(*d);
  return m;
}

std::string encode(RoutePayload::Kind kind, std::string_view id, std::string_view text) {
  std::string out;
  out.reserve(1 + id.size() + text.size());
  out.push_back(static_cast<char>(kind));
  out += id;
  out += text;
  return out;
}

template <>
std::optional<RoutePayload> decode<RoutePayload>(std::string_view data) {
  if (data.size() < 1 + RoutePayload::kIdSize) return std::nullopt;
  const char k = data[0];
  if (k != static_cast<char>(RoutePayload::Kind::push) && k != static_cast<char>(RoutePayload::Kind::kick) &&
      k != static_cast<char>(RoutePayload::Kind::moved))
    return std::nullopt;
  const auto id = data.substr(1, RoutePayload::kIdSize);
  if (!core::is_uuid(id)) return std::nullopt;
  return RoutePayload{static_cast<RoutePayload::Kind>(k), id, data.substr(1 + RoutePayload::kIdSize)};
}

std::int64_t route_id_ms(std::string_view id) {
  // xxxxxxxx-xxxx-7...: the first 48 bits (12 hex digits around the first dash) are the time.
  std::int64_t ms = 0;
  for (std::size_t i = 0; i < 13 && i < id.size(); ++i) {
    if (i == 8) continue;
    const char c = id[i];
    const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 0;
    ms = ms * 16 + v;
  }
  return ms;
}

std::string encode(const RatingChanged& m) {
  return json::serialize(json::object{{"user_id", m.user_id}, {"mode", m.mode}, {"display", m.display}});
}

template <>
std::optional<RatingChanged> decode<RatingChanged>(std::string_view data) {
  auto o = bus::payload::parse(data);
  if (!o) return std::nullopt;
  Reader r{*o};
  RatingChanged m;
  m.user_id = r.token("user_id");
  m.mode = r.text("mode", 64);
  m.display = r.number("display");
  if (!r.ok || m.mode.empty() || !std::isfinite(m.display)) return std::nullopt;
  return m;
}

}  // namespace arena::protocol
