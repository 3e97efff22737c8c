// The rating models against their published references: Glickman's worked Glicko-2 example,
// and the OpenSkill reference implementation's (openskill.js) Plackett-Luce test fixtures.
#include "arena/ratings/models.hpp"

#include <gtest/gtest.h>

namespace arena::ratings {
namespace {

TEST(Glicko2, GlickmansWorkedExample) {
  // "Example of the Glicko-2 system": a 1500/200/0.06 player, tau 0.5, beats 1400/30 and loses
  // to 1550/100 and 1700/300. The paper prints 1464.06 from rounded intermediates; at full
  // precision the rating is 1464.05.
  const Glicko player{1500, 200, 0.06};
  const auto out = glicko2_update(player, {{{1400, 30, 0.06}, 1}, {{1550, 100, 0.06}, 0}, {{1700, 300, 0.06}, 0}},
                                  GlickoOptions{.tau = 0.5});
  EXPECT_NEAR(out.rating, 1464.05, 0.01);
  EXPECT_NEAR(out.rd, 151.52, 0.01);
  EXPECT_NEAR(out.volatility, 0.05999, 0.00001);
}

TEST(Glicko2, DeviationGrowsWhileIdleUpToTheStart) {
  const Glicko p{1700, 60, 0.06};
  EXPECT_NEAR(glicko2_idle_rd(p, 0), 60, 1e-9);
  const double one = glicko2_idle_rd(p, 1);
  EXPECT_GT(one, 60);
  EXPECT_GT(glicko2_idle_rd(p, 100), one);
  EXPECT_EQ(glicko2_idle_rd(p, 1e9), 350);
  const auto none = glicko2_update(p, {});
  EXPECT_EQ(none.rating, 1700);
  EXPECT_NEAR(none.rd, one, 1e-9);
  // A draw between equals changes nobody's rating.
  const auto draw = glicko2_update({1500, 100, 0.06}, {{{1500, 100, 0.06}, 0.5}});
  EXPECT_NEAR(draw.rating, 1500, 1e-9);
  EXPECT_LT(draw.rd, 100);
}

void expect_skill(const Skill& s, double mu, double sigma) {
  EXPECT_NEAR(s.mu, mu, 1e-6);
  EXPECT_NEAR(s.sigma, sigma, 1e-6);
}

const Skill kNew{};
const WengLinOptions kModelOnly{.tau = 0};  // the model function alone (no tau)

TEST(WengLin, OneVersusOne) {
  auto out = plackett_luce({{kNew}, {kNew}}, {1, 2}, kModelOnly);
  expect_skill(out[0][0], 27.63523138347365, 8.065506316323548);
  expect_skill(out[1][0], 22.36476861652635, 8.065506316323548);
  out = plackett_luce({{kNew}, {kNew}}, {2, 1});  // with the default tau; the second team won
  expect_skill(out[1][0], 27.635389493140497, 8.06590141354368);
  expect_skill(out[0][0], 22.364610506859503, 8.06590141354368);
}

TEST(WengLin, TwoVersusTwo) {
  const auto out = plackett_luce({{{29.182, 4.782}, {27.174, 4.922}}, {{16.672, 6.217}, kNew}}, {1, 2});
  expect_skill(out[0][0], 29.607340941337068, 4.755311788972862);
  expect_skill(out[0][1], 27.624602782532037, 4.892807828777459);
  expect_skill(out[1][0], 15.953170429143093, 6.125902065139878);
  expect_skill(out[1][1], 23.70858117648013, 8.111707446126035);
}

TEST(WengLin, UnevenTeams) {
  const auto out = plackett_luce({{kNew, kNew, kNew}, {kNew}, {kNew, kNew}}, {1, 2, 3}, kModelOnly);
  for (const auto& s : out[0]) expect_skill(s, 25.939870821784513, 8.247641552260456);
  expect_skill(out[1][0], 27.21366020491262, 8.274321317985242);
  for (const auto& s : out[2]) expect_skill(s, 21.84646897330287, 8.213058173195341);
}

TEST(WengLin, Ties) {
  auto out = plackett_luce({{{10, 8}}, {{5, 10}}, {{0, 12}}}, {1, 2, 2});
  expect_skill(out[0][0], 11.942996666741225, 7.926888197620324);
  expect_skill(out[1][0], 2.9381178546315034, 9.653804487570165);
  expect_skill(out[2][0], -1.4024317012198733, 11.323641575516767);
  out = plackett_luce({{kNew}, {kNew}, {kNew}, {kNew}}, {1, 1, 1, 1});
  for (const auto& t : out) expect_skill(t[0], 25, 8.263571791259416);
}

TEST(WengLin, FivePlayerFreeForAll) {
  const auto out = plackett_luce({{kNew}, {kNew}, {kNew}, {kNew}, {kNew}}, {1, 2, 3, 4, 5}, kModelOnly);
  const double mu[] = {27.666666666666668, 26.833333333333332, 25.72222222222222, 24.055555555555557,
                       20.72222222222222};
  const double sigma[] = {8.290556877154474, 8.240145629781066, 8.179996679645559, 8.111796013701358,
                          8.111796013701358};
  for (int i = 0; i < 5; ++i) expect_skill(out[static_cast<std::size_t>(i)][0], mu[i], sigma[i]);
}

TEST(WengLin, RanksInAnyOrderAndASoloGame) {
  const auto out =
      plackett_luce({{{15, 25.0 / 3}}, {{20, 25.0 / 3}}, {{25, 25.0 / 3}}, {{30, 25.0 / 3}}}, {1, 3, 4, 2});
  expect_skill(out[0][0], 18.131120980297805, 8.283536573151807);
  expect_skill(out[1][0], 20.405169039419135, 8.107860440531121);
  expect_skill(out[2][0], 20.65583040714804, 8.082574596348321);
  expect_skill(out[3][0], 30.80787957313502, 8.155100416275928);
  const auto solo = plackett_luce({{kNew}}, {1}, kModelOnly);
  expect_skill(solo[0][0], 25, 25.0 / 3);
}

}  // namespace
}  // namespace arena::ratings
