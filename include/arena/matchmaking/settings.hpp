#pragma once
// The matchmaker role's settings: the `matchmaking.*` section of the settings table
// (src/config/fields.cpp) parses straight into this struct.
#include <chrono>
#include <map>
#include <string>

namespace arena::matchmaking {

struct Settings {
  std::chrono::milliseconds interval{250};       // how often matches are formed
  std::chrono::milliseconds invite_ttl{60'000};  // party invites expire
  int max_party_size = 5;
  int invites_per_minute = 20;                      // party invites one user may send (also the burst)
  int max_open_invites = 20;                        // open invites one user may hold
  std::chrono::milliseconds match_hold{1'800'000};  // a matched player cannot queue until match.ended, or this long
  int default_rating = 800;                         // for players not rated yet in a mode (a fresh rating shows 800)
  bool builtin_modes = true;  // run the built-in modes (duel, squads, teams, ffa, practice, four, tag)
  // [matchmaking.modes.<name>] tables as written (TOML only): each overrides the built-in mode
  // of its name key by key, or adds a mode.
  std::map<std::string, std::map<std::string, std::string>> modes;
};

}  // namespace arena::matchmaking
