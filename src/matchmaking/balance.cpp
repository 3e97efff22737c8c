#include "balance.hpp"

#include <algorithm>
#include <limits>

namespace arena::matchmaking {
namespace {

constexpr int kBalanceNodes = 50'000;  // exhaustive team balance up to this many steps

struct Balancer {
  const std::vector<BalanceParty>& parties;
  int teams;
  int size;
  std::vector<int> best;  // team per party
  double best_gap = std::numeric_limits<double>::infinity();
  std::vector<int> cur;
  std::vector<int> seats;
  std::vector<double> sums;
  std::vector<int> counts;
  int steps = 0;

  Balancer(const std::vector<BalanceParty>& p, int t, int s)
      : parties(p),
        teams(t),
        size(s),
        cur(p.size(), -1),
        seats(static_cast<std::size_t>(t), s),
        sums(static_cast<std::size_t>(t), 0),
        counts(static_cast<std::size_t>(t), 0) {}

  double gap() const {
    double hi = -std::numeric_limits<double>::infinity();
    double lo = std::numeric_limits<double>::infinity();
    for (int t = 0; t < teams; ++t) {
      const auto i = static_cast<std::size_t>(t);
      if (counts[i] == 0) continue;
      const double mean = sums[i] / counts[i];
      hi = std::max(hi, mean);
      lo = std::min(lo, mean);
    }
    return hi < lo ? 0 : hi - lo;
  }

  void place(std::size_t i, int t, int sign) {
    const auto ti = static_cast<std::size_t>(t);
    seats[ti] -= sign * parties[i].size;
    counts[ti] += sign * parties[i].size;
    sums[ti] += sign * parties[i].rating_sum;
  }

  void search(std::size_t i) {
    if (++steps > kBalanceNodes) return;
    if (i == parties.size()) {
      const double g = gap();
      if (g < best_gap) {
        best_gap = g;
        best = cur;
      }
      return;
    }
    bool tried_empty = false;  // empty teams are interchangeable: try one of them
    for (int t = 0; t < teams; ++t) {
      const auto ti = static_cast<std::size_t>(t);
      if (seats[ti] < parties[i].size) continue;
      if (counts[ti] == 0) {
        if (tried_empty) continue;
        tried_empty = true;
      }
      place(i, t, 1);
      cur[i] = t;
      search(i + 1);
      place(i, t, -1);
      cur[i] = -1;
    }
  }

  bool run() {
    search(0);
    if (!best.empty()) return true;
    // Greedy: biggest parties first, each into the team with seats and the lowest mean.
    std::vector<std::size_t> order(parties.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return parties[a].size > parties[b].size; });
    best.assign(parties.size(), -1);
    for (auto i : order) {
      int pick = -1;
      for (int t = 0; t < teams; ++t) {
        const auto ti = static_cast<std::size_t>(t);
        if (seats[ti] < parties[i].size) continue;
        const double mean = counts[ti] == 0 ? 0 : sums[ti] / counts[ti];
        const double pick_mean = pick < 0 || counts[static_cast<std::size_t>(pick)] == 0
                                     ? 0
                                     : sums[static_cast<std::size_t>(pick)] / counts[static_cast<std::size_t>(pick)];
        if (pick < 0 || mean < pick_mean) pick = t;
      }
      if (pick < 0) return false;
      place(i, pick, 1);
      best[i] = pick;
    }
    best_gap = gap();
    return true;
  }
};

}  // namespace

std::optional<TeamSplit> balance_teams(const std::vector<BalanceParty>& parties, int teams, int size) {
  Balancer b(parties, teams, size);
  if (!b.run()) return std::nullopt;
  return TeamSplit{std::move(b.best), b.best_gap};
}

}  // namespace arena::matchmaking
