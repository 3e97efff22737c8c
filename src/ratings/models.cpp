#include "arena/ratings/models.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace arena::ratings {

namespace {

constexpr double kScale = 173.7178;  // Glicko to Glicko-2
constexpr double kPi = 3.14159265358979323846;

double g(double phi) {
  return 1.0 / std::sqrt(1.0 + 3.0 * phi * phi / (kPi * kPi));
}

double expected(double mu, double mu_j, double phi_j) {
  return 1.0 / (1.0 + std::exp(-g(phi_j) * (mu - mu_j)));
}

}  // namespace

double glicko2_idle_rd(const Glicko& p, double periods, const GlickoOptions& o) {
  const double phi = p.rd / kScale;
  const double widened = std::sqrt(phi * phi + std::max(0.0, periods) * p.volatility * p.volatility) * kScale;
  return std::min(widened, o.max_rd);
}

Glicko glicko2_update(const Glicko& p, const std::vector<GlickoGame>& games, const GlickoOptions& o) {
  // Step 2: to the Glicko-2 scale.
  const double mu = (p.rating - 1500.0) / kScale;
  const double phi = p.rd / kScale;
  const double sigma = p.volatility;
  if (games.empty()) return {p.rating, glicko2_idle_rd(p, 1, o), sigma};
  // Steps 3 and 4: the estimated variance v and the improvement delta.
  double v_inv = 0, sum = 0;
  for (const auto& game : games) {
    const double mu_j = (game.opponent.rating - 1500.0) / kScale;
    const double phi_j = game.opponent.rd / kScale;
    const double e = expected(mu, mu_j, phi_j);
    v_inv += g(phi_j) * g(phi_j) * e * (1 - e);
    sum += g(phi_j) * (game.score - e);
  }
  const double v = 1.0 / v_inv;
  const double delta = v * sum;
  // Step 5: the new volatility, by the Illinois algorithm on f(x).
  const double a = std::log(sigma * sigma);
  const double tau2 = o.tau * o.tau;
  auto f = [&](double x) {
    const double ex = std::exp(x);
    const double d = phi * phi + v + ex;
    return ex * (delta * delta - phi * phi - v - ex) / (2 * d * d) - (x - a) / tau2;
  };
  double A = a, B = 0;
  if (delta * delta > phi * phi + v) {
    B = std::log(delta * delta - phi * phi - v);
  } else {
    double k = 1;
    while (f(a - k * o.tau) < 0) k += 1;
    B = a - k * o.tau;
  }
  double fA = f(A), fB = f(B);
  for (int i = 0; i < 200 && std::abs(B - A) > o.epsilon; ++i) {
    const double C = A + (A - B) * fA / (fB - fA);
    const double fC = f(C);
    if (fC * fB <= 0) {
      A = B;
      fA = fB;
    } else {
      fA /= 2;
    }
    B = C;
    fB = fC;
  }
  const double sigma_new = std::exp(A / 2);
  // Steps 6 and 7: the new deviation and rating.
  const double phi_star = std::sqrt(phi * phi + sigma_new * sigma_new);
  const double phi_new = 1.0 / std::sqrt(1.0 / (phi_star * phi_star) + 1.0 / v);
  const double mu_new = mu + phi_new * phi_new * sum;
  // Step 8: back to the Glicko scale.
  return {kScale * mu_new + 1500.0, std::min(kScale * phi_new, o.max_rd), sigma_new};
}

std::vector<std::vector<Skill>> plackett_luce(const std::vector<std::vector<Skill>>& teams,
                                              const std::vector<int>& ranks, const WengLinOptions& o) {
  if (teams.size() != ranks.size()) throw std::invalid_argument("one rank per team");
  const std::size_t n = teams.size();
  std::vector<std::vector<Skill>> players = teams;
  for (auto& team : players)
    for (auto& s : team) s.sigma = std::sqrt(s.sigma * s.sigma + o.tau * o.tau);
  if (n < 2) return players;
  // Team strength: the sums of the players' means and variances.
  std::vector<double> mu(n, 0), var(n, 0);
  double c2 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    for (const auto& s : players[i]) {
      mu[i] += s.mu;
      var[i] += s.sigma * s.sigma;
    }
    c2 += var[i] + o.beta * o.beta;
  }
  const double c = std::sqrt(c2);
  std::vector<double> e(n), sum_q(n, 0);
  std::vector<int> tied(n, 0);  // A_q: teams with q's rank
  for (std::size_t i = 0; i < n; ++i) e[i] = std::exp(mu[i] / c);
  for (std::size_t q = 0; q < n; ++q)
    for (std::size_t s = 0; s < n; ++s) {
      if (ranks[s] >= ranks[q]) sum_q[q] += e[s];
      if (ranks[s] == ranks[q]) ++tied[q];
    }
  for (std::size_t i = 0; i < n; ++i) {
    double omega = 0, delta = 0;
    for (std::size_t q = 0; q < n; ++q) {
      if (ranks[q] > ranks[i]) continue;
      const double p = e[i] / sum_q[q];
      omega += ((i == q ? 1.0 : 0.0) - p) / tied[q];
      delta += p * (1 - p) / tied[q];
    }
    const double gamma = std::sqrt(var[i]) / c;
    omega *= var[i] / c;
    delta *= gamma * var[i] / c2;
    for (auto& s : players[i]) {
      const double share = s.sigma * s.sigma / var[i];
      s.mu += share * omega;
      s.sigma *= std::sqrt(std::max(1 - share * delta, o.kappa));
    }
  }
  return players;
}

}  // namespace arena::ratings
