#pragma once
// Team balance, pure: parties (each a size and the sum of its players' ratings) into `teams`
// teams of `size` seats, minimising the gap between the strongest and the weakest team's mean
// rating. Exhaustive within a step budget (50,000 nodes), then greedy (biggest parties first,
// each into the team with seats and the lowest mean).
#include <optional>
#include <vector>

namespace arena::matchmaking {

struct BalanceParty {
  int size = 1;
  double rating_sum = 0;
};

struct TeamSplit {
  std::vector<int> team_of;  // per party, in the order given
  double gap = 0;            // strongest minus weakest team mean
};

// nullopt when the parties do not fit the seats.
std::optional<TeamSplit> balance_teams(const std::vector<BalanceParty>& parties, int teams, int size);

}  // namespace arena::matchmaking
