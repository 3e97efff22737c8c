// Rating updates per second on one core: Weng-Lin Plackett-Luce 5v5 and 1v1, Glicko-2 1v1.
#include <benchmark/benchmark.h>

#include "arena/ratings/models.hpp"

namespace {

using namespace arena::ratings;

void BM_WengLin5v5(benchmark::State& state) {
  std::vector<std::vector<Skill>> teams(2, std::vector<Skill>(5));
  for (int i = 0; i < 5; ++i) {
    teams[0][static_cast<std::size_t>(i)] = {24.0 + i, 6.0 + 0.1 * i};
    teams[1][static_cast<std::size_t>(i)] = {26.0 - i, 7.0 - 0.1 * i};
  }
  const std::vector<int> ranks{1, 2};
  for (auto _ : state) {
    auto out = plackett_luce(teams, ranks);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WengLin5v5);

void BM_WengLin1v1(benchmark::State& state) {
  const std::vector<std::vector<Skill>> teams{{{27, 5}}, {{23, 6}}};
  const std::vector<int> ranks{1, 2};
  for (auto _ : state) {
    auto out = plackett_luce(teams, ranks);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WengLin1v1);

void BM_Glicko2Game(benchmark::State& state) {
  const Glicko a{1620, 80, 0.06}, b{1580, 120, 0.06};
  for (auto _ : state) {
    auto x = glicko2_update(a, {{b, 1}});
    auto y = glicko2_update(b, {{a, 0}});
    benchmark::DoNotOptimize(x);
    benchmark::DoNotOptimize(y);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Glicko2Game);

}  // namespace

BENCHMARK_MAIN();
