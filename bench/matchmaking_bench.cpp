// Matchmaking core benchmark: N tickets queued across 3 modes and 4 regions, then ticked with a
// simulated clock until the pools drain (or a bound), on one thread. Reports tickets matched per
// second of matcher CPU time, the wait-time distribution and the quality of the formed matches.
//   arena-bench-matchmaking --tickets 100000 --arrivals 20000 --simulated-seconds 60
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "arena/core/clock.hpp"
#include "arena/core/error.hpp"
#include "arena/matchmaking/matcher.hpp"

namespace mm = arena::matchmaking;

namespace {

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

int main(int argc, char** argv) {
  int tickets = 100'000;
  double arrivals = 20'000;  // new tickets per simulated second after the initial queue
  double simulated = 60;
  int interval_ms = 250;
  unsigned seed = 7;
  CLI::App cli{"arena-bench-matchmaking"};
  cli.add_option("--tickets", tickets, "tickets queued before the first tick")->check(CLI::Range(0, 2'000'000));
  cli.add_option("--arrivals", arrivals, "tickets per simulated second afterwards")->check(CLI::Range(0.0, 1e6));
  cli.add_option("--simulated-seconds", simulated)->check(CLI::Range(1.0, 3600.0));
  cli.add_option("--interval-ms", interval_ms, "matching interval")->check(CLI::Range(1, 10'000));
  cli.add_option("--seed", seed);
  CLI11_PARSE(cli, argc, argv);

  auto modes = mm::default_modes();  // duel, squads, teams, ffa
  modes.resize(3);                   // three modes: duel 1v1, squads 2v2, teams 4v4
  for (auto& m : modes) {
    m.ticket_ttl = std::chrono::hours(1);
    m.bots_after = std::chrono::seconds(60);
  }
  arena::core::FakeClock clock;
  std::uint64_t ids = 0;
  mm::Matcher matcher(modes, clock, [&ids] { return std::to_string(++ids); });
  std::mt19937 rng(seed);
  std::normal_distribution<double> rating(1500, 300);
  std::uniform_int_distribution<int> near_ping(10, 60);
  std::uniform_int_distribution<int> far_ping(60, 300);
  const std::vector<std::string> regions = modes[0].regions;
  std::uint64_t users = 0;
  std::size_t enqueued = 0;
  auto enqueue_one = [&] {
    mm::TicketRequest t;
    const auto mi = rng() % 3;
    t.mode = modes[mi].name;
    const int party = mi == 0 ? 1 : 1 + static_cast<int>(rng() % 4 == 0 ? rng() % modes[mi].team_size : 0);
    for (int i = 0; i < party; ++i) t.players.push_back({"u" + std::to_string(++users), rating(rng)});
    const auto home = rng() % regions.size();
    for (std::size_t r = 0; r < regions.size(); ++r) t.pings[regions[r]] = r == home ? near_ping(rng) : far_ping(rng);
    if (party > 1) t.party_id = "p" + std::to_string(users);
    matcher.enqueue(std::move(t));
    ++enqueued;
  };

  using Cpu = std::chrono::steady_clock;
  auto enqueue_cpu = Cpu::duration::zero();
  auto match_cpu = Cpu::duration::zero();
  const auto t0 = Cpu::now();
  for (int i = 0; i < tickets; ++i) enqueue_one();
  enqueue_cpu += Cpu::now() - t0;
  const double enqueue_s = std::chrono::duration<double>(Cpu::now() - t0).count();

  std::vector<double> waits;
  double gap_sum = 0;
  double spread_sum = 0;
  std::size_t matches = 0;
  std::size_t bot_matches = 0;
  std::size_t matched_tickets = 0;
  double carry = 0;
  const auto step = std::chrono::milliseconds(interval_ms);
  for (double t = 0; t < simulated; t += interval_ms / 1000.0) {
    clock.advance(step);
    carry += arrivals * interval_ms / 1000.0;
    const auto a = Cpu::now();
    for (; carry >= 1; carry -= 1) enqueue_one();
    const auto b = Cpu::now();
    matcher.tick();
    auto formed = matcher.take_matches();
    matcher.take_events();
    enqueue_cpu += b - a;
    match_cpu += Cpu::now() - b;
    for (auto& m : formed) {
      ++matches;
      bot_matches += m.bots_fill ? 1 : 0;
      gap_sum += m.win_gap;
      spread_sum += m.rating_spread;
      matched_tickets += m.waits_s.size();
      waits.insert(waits.end(), m.waits_s.begin(), m.waits_s.end());
    }
  }
  const double cpu_s = std::chrono::duration<double>(match_cpu).count();
  const double all_s = std::chrono::duration<double>(match_cpu + enqueue_cpu).count();
  std::printf("tickets enqueued %zu (%d up front in %.3f s), still waiting %zu\n", enqueued, tickets, enqueue_s,
              matcher.waiting());
  std::printf("matched %zu tickets into %zu matches (%zu with bot seats) in %.3f s of tick() CPU: %.0f tickets/s\n",
              matched_tickets, matches, bot_matches, cpu_s, static_cast<double>(matched_tickets) / cpu_s);
  std::printf("with enqueue (request building included): %.3f s CPU, %.0f tickets/s end to end\n", all_s,
              static_cast<double>(matched_tickets) / all_s);
  std::printf("wait s: p50 %.2f p90 %.2f p99 %.2f max %.2f\n", percentile(waits, 0.5), percentile(waits, 0.9),
              percentile(waits, 0.99), percentile(waits, 1.0));
  std::printf("mean predicted win-probability gap %.4f, mean rating spread %.1f\n",
              matches ? gap_sum / static_cast<double>(matches) : 0,
              matches ? spread_sum / static_cast<double>(matches) : 0);
  return 0;
}
