#include "arena/matchmaking/mode.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <set>
#include <stdexcept>

namespace arena::matchmaking {

double ModeConfig::window_at(double wait_s) const {
  return std::min(rating_window_max, rating_window + rating_widen_per_s * std::max(0.0, wait_s));
}

int ModeConfig::ping_limit_at(int best_ping, double wait_s) const {
  const double widened = best_ping + ping_slack_ms + ping_widen_ms_per_s * std::max(0.0, wait_s);
  return static_cast<int>(std::min<double>(max_ping_ms, widened));
}

std::vector<ModeConfig> default_modes() {
  const std::vector<std::string> regions{"eu", "us-east", "us-west", "asia"};
  ModeConfig duel;
  duel.name = "duel";
  duel.regions = regions;
  ModeConfig squads = duel;
  squads.name = "squads";
  squads.team_size = 2;
  ModeConfig teams = duel;
  teams.name = "teams";
  teams.team_size = 4;
  teams.bots_after = std::chrono::seconds(45);
  ModeConfig ffa = duel;
  ffa.name = "ffa";
  ffa.ffa_min = 2;
  ffa.ffa_max = 8;
  ffa.bots_after = std::chrono::seconds(20);
  ModeConfig practice = duel;
  practice.name = "practice";
  practice.ffa_min = 1;
  practice.ffa_max = 1;
  practice.seats = 4;
  practice.practice = true;
  ModeConfig four = duel;
  four.name = "four";
  four.game = "four";
  ModeConfig tag = ffa;  // 2-4 players; bots fill the four seats after 10 s
  tag.name = "tag";
  tag.game = "tag";
  tag.ffa_max = 4;
  tag.seats = 4;
  tag.bots_after = std::chrono::seconds(10);
  return {duel, squads, teams, ffa, practice, four, tag};
}

namespace {

std::string where(const std::string& mode, const std::string& key) {
  return "matchmaking.modes." + mode + "." + key;
}

// 0.001, not 0 (a truncated bound reads as if the value given were allowed).
std::string shortest(double d) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

double number(const std::string& mode, const std::string& key, const std::string& v, double lo, double hi) {
  double out = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc{} || p != v.data() + v.size() || !std::isfinite(out))
    throw std::invalid_argument("setting '" + where(mode, key) + "': '" + v + "' is not a number");
  if (out < lo || out > hi)
    throw std::invalid_argument("setting '" + where(mode, key) + "': " + v + " is outside " + shortest(lo) + ".." +
                                shortest(hi));
  return out;
}

int integer(const std::string& mode, const std::string& key, const std::string& v, int lo, int hi) {
  const double d = number(mode, key, v, lo, hi);
  if (d != std::floor(d))
    throw std::invalid_argument("setting '" + where(mode, key) + "': " + v + " is not a whole number");
  return static_cast<int>(d);
}

// "a, b" or a TOML array as the loader renders it ("a,b").
std::vector<std::string> list(const std::string& v) {
  std::vector<std::string> out;
  std::string cur;
  auto push = [&] {
    while (!cur.empty() && (cur.back() == ' ' || cur.back() == '"')) cur.pop_back();
    std::size_t b = 0;
    while (b < cur.size() && (cur[b] == ' ' || cur[b] == '"')) ++b;
    if (b < cur.size()) out.push_back(cur.substr(b));
    cur.clear();
  };
  for (char c : v) {
    if (c == ',') {
      push();
    } else if (c != '[' && c != ']') {
      cur.push_back(c);
    }
  }
  push();
  return out;
}

}  // namespace

void validate(const ModeConfig& m) {
  auto bad = [&](const std::string& key, const std::string& why) {
    throw std::invalid_argument("setting '" + where(m.name, key) + "': " + why);
  };
  if (m.name.empty() || m.name.size() > 32 || !std::all_of(m.name.begin(), m.name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      }))
    throw std::invalid_argument("matchmaking mode name '" + m.name + "': use 1-32 letters, digits, '-' or '_'");
  if (m.ffa()) {
    if (m.ffa_min < 1 || m.ffa_min > m.ffa_max) bad("players", "the minimum must be between 1 and the maximum");
    if (m.ffa_multiple < 1 || m.ffa_multiple > m.ffa_max) bad("multiple", "must be between 1 and the maximum players");
    if (m.ffa_min % m.ffa_multiple != 0 && (m.ffa_min / m.ffa_multiple + 1) * m.ffa_multiple > m.ffa_max)
      bad("multiple", "no player count between the minimum and maximum is a multiple of it");
  } else {
    if (m.teams < 1 || m.teams > 16) bad("teams", "must be 1..16");
    if (m.team_size < 1 || m.team_size > 16) bad("team_size", "must be 1..16");
    if (m.teams * m.team_size < 2 && m.bots_after.count() == 0)
      bad("teams", "a one-player mode needs bots (set bots_after_s)");
  }
  if (m.seats != 0 && m.seats < m.players()) bad("seats", "must be at least the players a match takes");
  if (m.game.empty() || m.game.size() > 32) bad("game", "names the game the match host runs (e.g. cycles)");
  if (m.party_limit() < 1 || m.party_limit() > (m.ffa() ? 1 : m.team_size))
    bad("max_party_size",
        m.ffa() ? "parties cannot queue for a free-for-all mode" : "must be 1..team_size (a party plays on one team)");
  if (m.regions.empty()) bad("regions", "at least one region is required");
  std::set<std::string> seen;
  for (const auto& r : m.regions) {
    if (r.empty() || r.size() > 32) bad("regions", "region names are 1-32 characters");
    if (!seen.insert(r).second) bad("regions", "'" + r + "' is listed twice");
  }
  if (m.rating_window < 0 || m.rating_window > m.rating_window_max)
    bad("rating_window", "must be 0..rating_window_max");
  if (m.tick_rate < 0 || m.tick_rate > 1000) bad("tick_rate", "must be 1..1000 (or left out for the game's rate)");
  if (m.ticket_ttl.count() <= 0) bad("ticket_ttl_s", "must be positive");
}

std::vector<ModeConfig> parse_modes(const std::map<std::string, std::map<std::string, std::string>>& raw,
                                    const std::vector<ModeConfig>& base) {
  std::vector<ModeConfig> out;
  for (const auto& entry : raw) {
    const std::string& name = entry.first;  // not a structured binding: lambdas below capture it
    ModeConfig m;
    m.name = name;
    m.regions = default_modes().front().regions;
    for (const auto& b : base)
      if (b.name == name) m = b;  // a table named like a given mode changes only the keys it sets
    using Setter = std::function<void(const std::string&)>;
    const std::map<std::string, Setter> setters = {
        {"teams", [&](const std::string& v) { m.teams = integer(name, "teams", v, 1, 16); }},
        {"team_size", [&](const std::string& v) { m.team_size = integer(name, "team_size", v, 1, 16); }},
        {"players",
         [&](const std::string& v) {
           // "2..8" (free-for-all range) or "4" (exactly four)
           const auto dots = v.find("..");
           m.ffa_min = integer(name, "players", v.substr(0, dots), 1, 64);
           m.ffa_max = dots == std::string::npos ? m.ffa_min : integer(name, "players", v.substr(dots + 2), 1, 64);
         }},
        {"multiple", [&](const std::string& v) { m.ffa_multiple = integer(name, "multiple", v, 1, 64); }},
        {"max_party_size", [&](const std::string& v) { m.max_party_size = integer(name, "max_party_size", v, 1, 16); }},
        {"regions", [&](const std::string& v) { m.regions = list(v); }},
        {"max_ping_ms", [&](const std::string& v) { m.max_ping_ms = integer(name, "max_ping_ms", v, 1, 10'000); }},
        {"ping_slack_ms",
         [&](const std::string& v) { m.ping_slack_ms = integer(name, "ping_slack_ms", v, 0, 10'000); }},
        {"ping_widen_ms_per_s",
         [&](const std::string& v) { m.ping_widen_ms_per_s = number(name, "ping_widen_ms_per_s", v, 0, 10'000); }},
        {"rating_window", [&](const std::string& v) { m.rating_window = number(name, "rating_window", v, 0, 10'000); }},
        {"rating_widen_per_s",
         [&](const std::string& v) { m.rating_widen_per_s = number(name, "rating_widen_per_s", v, 0, 10'000); }},
        {"rating_window_max",
         [&](const std::string& v) { m.rating_window_max = number(name, "rating_window_max", v, 0, 10'000); }},
        {"bots_after_s",
         [&](const std::string& v) {
           m.bots_after =
               std::chrono::milliseconds(static_cast<std::int64_t>(1000 * number(name, "bots_after_s", v, 0, 86'400)));
         }},
        {"tick_rate", [&](const std::string& v) { m.tick_rate = integer(name, "tick_rate", v, 1, 1000); }},
        {"ticket_ttl_s",
         [&](const std::string& v) {
           m.ticket_ttl = std::chrono::milliseconds(
               static_cast<std::int64_t>(1000 * number(name, "ticket_ttl_s", v, 0.001, 86'400)));
         }},
        {"match_equal", [&](const std::string& v) { m.match_equal = list(v); }},
        {"game", [&](const std::string& v) { m.game = v; }},
        {"rating_model",
         [&](const std::string& v) {
           if (v != "glicko2" && v != "weng_lin")
             throw std::invalid_argument("setting '" + where(name, "rating_model") + "': expected glicko2 or weng_lin");
           m.rating_model = v;
         }},
        {"seats", [&](const std::string& v) { m.seats = integer(name, "seats", v, 1, 64); }},
        {"practice",
         [&](const std::string& v) {
           if (v != "true" && v != "false")
             throw std::invalid_argument("setting '" + where(name, "practice") + "': expected true or false");
           m.practice = v == "true";
         }},
    };
    for (const auto& [key, value] : entry.second) {
      if (key.rfind("settings.", 0) == 0 && key.size() > 9) {
        m.game_settings[key.substr(9)] = value;
        continue;
      }
      auto it = setters.find(key);
      if (it == setters.end()) throw std::invalid_argument("unknown setting '" + where(name, key) + "'");
      it->second(value);
    }
    validate(m);
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<ModeConfig> configured_modes(const std::map<std::string, std::map<std::string, std::string>>& raw,
                                         bool with_builtin) {
  std::vector<ModeConfig> modes = with_builtin ? default_modes() : std::vector<ModeConfig>{};
  for (auto& m : parse_modes(raw, modes)) {
    auto same = std::find_if(modes.begin(), modes.end(), [&](const ModeConfig& x) { return x.name == m.name; });
    if (same != modes.end()) {
      *same = std::move(m);
    } else {
      modes.push_back(std::move(m));
    }
  }
  if (modes.empty())
    throw std::invalid_argument(
        "setting 'matchmaking.builtin_modes': false leaves no mode; add a [matchmaking.modes.<name>] table");
  return modes;
}

}  // namespace arena::matchmaking
