#include "seat_plan.hpp"

#include <algorithm>

namespace arena::match {

std::vector<Seat> plan_seats(const protocol::MatchFound& found, const GameInfo& game) {
  std::vector<Seat> seats;
  std::vector<int> per_team(found.teams.size(), 0);
  for (std::size_t t = 0; t < found.teams.size(); ++t) {
    for (const auto& p : found.teams[t]) {
      if (static_cast<int>(seats.size()) >= game.max_players) break;
      seats.push_back({p.user_id, false, static_cast<int>(t)});
      ++per_team[t];
    }
  }
  const int humans = static_cast<int>(seats.size());
  const int asked = found.bots_fill ? std::max(found.seats, humans) : humans;
  const int target = std::clamp(asked, game.min_players, game.max_players);
  if (found.team_size > 0) {
    for (std::size_t t = 0; t < per_team.size() && static_cast<int>(seats.size()) < target; ++t)
      for (; per_team[t] < found.team_size && static_cast<int>(seats.size()) < target; ++per_team[t])
        seats.push_back({"", true, static_cast<int>(t)});
  }
  // Free-for-all, or seats beyond the teams the mode named: a team of one each.
  int next_team = static_cast<int>(std::max(found.teams.size(), seats.empty() ? 0 : std::size_t{1}));
  while (static_cast<int>(seats.size()) < target) seats.push_back({"", true, next_team++});
  return seats;
}

}  // namespace arena::match
