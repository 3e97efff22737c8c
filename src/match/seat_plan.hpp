#pragma once
// Who sits where in a match the matchmaker formed: pure code, unit-tested (seat_plan_test.cpp).
#include <vector>

#include "arena/match/game_mode.hpp"
#include "arena/protocol/messages.hpp"

namespace arena::match {

// The players, team by team, up to the game's max_players; then, when the mode fills with bots,
// bots up to the seats it asked for. In a team mode (team_size > 0) bots join the teams that
// are short, in team order; in free-for-all each bot is a team of its own. The total is kept
// within the game's min_players..max_players (a game that needs more players gets bots).
std::vector<Seat> plan_seats(const protocol::MatchFound& found, const GameInfo& game);

}  // namespace arena::match
