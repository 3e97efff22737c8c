#pragma once
// The rating models, pure functions over numbers (no storage, no I/O).
//
// Glicko-2 (Glickman, "Example of the Glicko-2 system", 2013): for 1v1 results. A rating is
// (rating r, deviation RD, volatility sigma) on the Glicko scale; each match is one rating period
// with one game. A player's deviation grows with inactivity: before an update, and whenever it
// is shown, RD is widened by every whole rating period without a game, up to the initial 350.
//
// Weng-Lin Plackett-Luce (Weng and Lin, "A Bayesian Approximation Method for Online Ranking",
// JMLR 2011; the OpenSkill model): for teams of any size, any number of teams or players, and
// ties. A rating is (mu, sigma). Before the update each sigma is widened by tau (OpenSkill's
// default 25/300), as the reference implementation's `rate` does.
//
// Displayed ratings (leaderboards, matchmaking) are conservative: Glicko-2 r - 2 RD, Weng-Lin
// mu - 3 sigma scaled to the Glicko range (see displayed()).
#include <cstdint>
#include <vector>

namespace arena::ratings {

struct Glicko {
  double rating = 1500;
  double rd = 350;
  double volatility = 0.06;
};

struct GlickoOptions {
  double tau = 0.5;  // how much volatility may change (Glickman: 0.3 to 1.2)
  double epsilon = 0.000001;
  double max_rd = 350;
};

struct GlickoGame {
  Glicko opponent;
  double score = 0;  // 1 win, 0.5 draw, 0 loss
};

// One rating period's games for `player` (step 1 to 8 of Glickman's paper). With no games, only
// the deviation grows (step 6).
Glicko glicko2_update(const Glicko& player, const std::vector<GlickoGame>& games, const GlickoOptions& o = {});
// The deviation after `periods` rating periods without a game.
double glicko2_idle_rd(const Glicko& player, double periods, const GlickoOptions& o = {});

struct Skill {
  double mu = 25;
  double sigma = 25.0 / 3.0;
};

struct WengLinOptions {
  double beta = 25.0 / 6.0;
  double kappa = 0.0001;
  double tau = 25.0 / 300.0;  // 0: no widening before the update (the model alone)
};

// Plackett-Luce: `teams[i]` are the players of team i, `ranks[i]` its rank (lower is better,
// equal ranks tie). Returns every player's new skill, in the same shape.
std::vector<std::vector<Skill>> plackett_luce(const std::vector<std::vector<Skill>>& teams,
                                              const std::vector<int>& ranks, const WengLinOptions& o = {});

}  // namespace arena::ratings
