#pragma once
// Game modes as the matchmaker sees them: team shape or free-for-all range, regions, ping and
// rating windows that widen with waiting, bot fill, tick rate, ticket lifetime. Modes come from
// configuration ([matchmaking.modes.<name>] in the TOML file) or the built-in defaults.
#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace arena::matchmaking {

struct ModeConfig {
  std::string name;
  std::string game = "cycles";  // the game the match host runs for this mode
  int seats = 0;                // seats in a match (bots fill the rest); 0: players()
  bool practice = false;        // bots fill every empty seat at once (play against bots)
  // Teams: `teams` × `team_size` (1v1 = 2 × 1). Free-for-all when ffa_max > 0: between ffa_min
  // and ffa_max players, a multiple of ffa_multiple.
  int teams = 2;
  int team_size = 1;
  int ffa_min = 0;
  int ffa_max = 0;
  int ffa_multiple = 1;
  int max_party_size = 0;  // 0: the team size (1 in free-for-all)
  std::vector<std::string> regions;
  // Regions a ticket accepts: ping <= min(max_ping_ms, best ping + ping_slack_ms + ping_widen_ms_per_s × wait).
  int max_ping_ms = 150;
  int ping_slack_ms = 30;
  double ping_widen_ms_per_s = 10;
  // Ratings accepted around a ticket's own: window + widen_per_s × wait, up to window_max.
  double rating_window = 100;
  double rating_widen_per_s = 20;
  double rating_window_max = 500;
  std::chrono::milliseconds bots_after{std::chrono::seconds(30)};  // 0: never fill with bots
  int tick_rate = 0;                                               // 0: the game's own rate (GameInfo::tick_rate)
  std::chrono::milliseconds ticket_ttl{std::chrono::seconds(120)};
  std::vector<std::string> match_equal;  // ticket properties that must be equal within a match
  // [matchmaking.modes.<name>.settings]: the game's own settings, key -> value as written. The
  // game's declaration checks them (at start-up, and again on the host).
  std::map<std::string, std::string> game_settings;
  // How results of this mode change ratings: "glicko2" or "weng_lin"; empty: Glicko-2 for a 1v1
  // mode, Weng-Lin for any other (include/arena/ratings/ratings.hpp).
  std::string rating_model;
  std::string rating_model_or_default() const {
    if (!rating_model.empty()) return rating_model;
    return !ffa() && teams == 2 && team_size == 1 ? "glicko2" : "weng_lin";
  }

  bool ffa() const { return ffa_max > 0; }
  int players() const { return ffa() ? ffa_max : teams * team_size; }
  int seat_count() const { return seats > 0 ? seats : players(); }
  int party_limit() const { return max_party_size > 0 ? max_party_size : (ffa() ? 1 : team_size); }
  double window_at(double wait_s) const;
  int ping_limit_at(int best_ping, double wait_s) const;
};

// duel (1v1), squads (2v2), teams (4v4), ffa (2..8) and practice (one player, three bots) of
// cycles; four (1v1 connect four); tag (2..4, bots fill four seats). Regions eu, us-east, us-west, asia.
std::vector<ModeConfig> default_modes();

// Raw [matchmaking.modes.<name>] tables: name -> key -> value as written. A table named like a
// mode of `base` starts from that mode; others from the defaults above. Throws
// std::invalid_argument naming `matchmaking.modes.<name>.<key>` for unknown keys, bad values and
// impossible modes.
std::vector<ModeConfig> parse_modes(const std::map<std::string, std::map<std::string, std::string>>& raw,
                                    const std::vector<ModeConfig>& base = {});

// The modes a matchmaker runs: the built-in ones (unless `with_builtin` is false), where each
// [matchmaking.modes.<name>] table overrides, key by key, the mode of its name or adds a new one.
// Throws std::invalid_argument naming the key for a bad table, or when no mode is left.
std::vector<ModeConfig> configured_modes(const std::map<std::string, std::map<std::string, std::string>>& raw,
                                         bool with_builtin);
void validate(const ModeConfig& m);

}  // namespace arena::matchmaking
