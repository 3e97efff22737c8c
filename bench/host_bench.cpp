// Match host benchmark: N concurrent matches of 8 bots each (cycles, or --game) on the shared
// scheduler, at the game's own rate (cycles 20 Hz, tag 10 Hz), for a bounded time. A match that ends is replaced by a
// new one, so N stay running. Reports ticks run against ticks scheduled, tick lateness p50/p99/p999, CPU per tick
// (process CPU time / ticks) and bot decisions per second.
//   arena-bench-host --matches 10000 --seconds 20 --threads 2 [--game tag]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "arena/match/runner.hpp"
#include "arena/match/scheduler.hpp"

namespace am = arena::match;
using Clock = std::chrono::steady_clock;

namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Lateness histogram in 10 µs buckets up to 1 s, per thread, merged at the end.
struct Lateness {
  std::vector<std::uint64_t> buckets = std::vector<std::uint64_t>(100'001, 0);
  void add(Clock::duration d) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count() / 10;
    ++buckets[static_cast<std::size_t>(std::clamp<long long>(us, 0, 100'000))];
  }
};

double percentile_ms(const std::vector<std::uint64_t>& b, double p) {
  std::uint64_t total = 0;
  for (auto v : b) total += v;
  const auto want = static_cast<std::uint64_t>(p * static_cast<double>(total));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    seen += b[i];
    if (seen > want) return static_cast<double>(i) * 0.01;
  }
  return static_cast<double>(b.size()) * 0.01;
}

}  // namespace

int main(int argc, char** argv) {
  int matches = 10'000;
  int seconds = 20;
  int threads = 2;
  int bots = 8;
  CLI::App cli{"arena-bench-host"};
  cli.add_option("--matches", matches)->check(CLI::Range(1, 200'000));
  cli.add_option("--seconds", seconds)->check(CLI::Range(1, 600));
  cli.add_option("--threads", threads)->check(CLI::Range(1, 64));
  cli.add_option("--bots", bots, "bots per match")->check(CLI::Range(2, 8));
  std::string game = "cycles";
  cli.add_option("--game", game, "the game the matches play");
  bool empty = false;
  cli.add_flag("--empty", empty, "jobs that do nothing: the scheduler alone");
  CLI11_PARSE(cli, argc, argv);

  const auto games = am::builtin_games();
  const am::GameInfo* found = games.find(game);
  if (found == nullptr || bots > found->max_players || bots < found->min_players) {
    std::fprintf(stderr, "no game '%s' that seats %d bots\n", game.c_str(), bots);
    return 2;
  }
  const am::GameInfo& info = *found;
  std::atomic<std::uint64_t> ticks{0};
  std::atomic<std::uint64_t> decisions{0};
  std::atomic<std::uint64_t> ended{0};
  std::atomic<bool> measuring{false};
  std::atomic<std::uint64_t> slow_ticks{0};
  std::mutex lat_mu;
  Lateness lateness;
  std::atomic<std::uint64_t> seed{1};
  auto make = [&] {
    am::MatchSpec spec{"bench", "ffa", game, "eu", {}, seed++};
    for (int i = 0; i < bots; ++i) spec.seats.push_back({"", true, i});
    return std::make_unique<am::MatchRunner>(spec, info);
  };

  am::Scheduler scheduler(threads);
  const auto period = std::chrono::milliseconds(1000 / info.tick_rate);
  struct Slot {
    std::unique_ptr<am::MatchRunner> runner;
    std::uint64_t very_late = 0;  // ticks over 10 ms late
  };
  // One histogram per scheduler thread (a per-match one would be 800 KB x matches of page faults).
  std::vector<std::unique_ptr<Lateness>> per_thread;
  auto local = [&]() -> Lateness& {
    thread_local Lateness* mine = nullptr;
    if (mine == nullptr) {
      std::lock_guard lock(lat_mu);
      per_thread.push_back(std::make_unique<Lateness>());
      mine = per_thread.back().get();
    }
    return *mine;
  };
  std::vector<std::unique_ptr<Slot>> slots;
  // Real matches start at different times: advance each one a different number of ticks first,
  // or every match would reach the same moment of its game (bots at the walls) together.
  std::mt19937 rng(7);
  for (int i = 0; i < matches; ++i) {
    slots.push_back(std::make_unique<Slot>());
    slots.back()->runner = make();
    for (int t = static_cast<int>(rng() % 120); t > 0 && !slots.back()->runner->over(); --t)
      slots.back()->runner->step();
  }
  const auto t_start = Clock::now();
  for (std::size_t i = 0; i < slots.size(); ++i) {
    Slot* slot = slots[i].get();
    const auto phase = period * static_cast<long>(i) / static_cast<long>(slots.size());  // as the host spreads them
    scheduler.add(period, phase, [&, slot](Clock::duration late) {
      const int before = slot->runner->bot_decisions();
      const auto t_run = Clock::now();
      if (!empty) slot->runner->step();
      const auto took = Clock::now() - t_run;
      if (took > std::chrono::microseconds(200)) slow_ticks.fetch_add(1, std::memory_order_relaxed);
      if (measuring.load(std::memory_order_relaxed)) {
        ticks.fetch_add(1, std::memory_order_relaxed);
        decisions.fetch_add(static_cast<std::uint64_t>(slot->runner->bot_decisions() - before),
                            std::memory_order_relaxed);
        local().add(late);
        if (late > std::chrono::milliseconds(10)) ++slot->very_late;
      }
      if (slot->runner->over()) {
        ended.fetch_add(1, std::memory_order_relaxed);
        slot->runner = make();
      }
      return true;
    });
  }
  // One second of warm-up (all matches start within one period), then measure.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const double cpu0 = cpu_seconds();
  const auto t0 = Clock::now();
  measuring = true;
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  measuring = false;
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  scheduler.stop();
  for (auto& l : per_thread)
    for (std::size_t i = 0; i < l->buckets.size(); ++i) lateness.buckets[i] += l->buckets[i];
  const double expected = static_cast<double>(matches) * info.tick_rate * wall;
  std::printf("%d concurrent %s matches x %d bots at %d Hz on %d scheduler threads, %.1f s measured (setup %.1f s)\n",
              matches, game.c_str(), bots, info.tick_rate, threads, wall,
              std::chrono::duration<double>(t0 - t_start).count());
  std::printf("ticks run %llu of %.0f scheduled (%.1f%%), %llu matches ended and replaced\n",
              static_cast<unsigned long long>(ticks.load()), expected,
              100.0 * static_cast<double>(ticks.load()) / expected, static_cast<unsigned long long>(ended.load()));
  std::printf("tick lateness ms: p50 %.2f p90 %.2f p95 %.2f p99 %.2f p999 %.2f\n", percentile_ms(lateness.buckets, 0.5),
              percentile_ms(lateness.buckets, 0.9), percentile_ms(lateness.buckets, 0.95),
              percentile_ms(lateness.buckets, 0.99), percentile_ms(lateness.buckets, 0.999));
  std::size_t slots_late = 0;
  std::uint64_t most = 0;
  for (auto& s : slots) {
    slots_late += s->very_late > 0 ? 1 : 0;
    most = std::max(most, s->very_late);
  }
  std::printf("matches with a tick over 10 ms late: %zu (the worst: %llu ticks)\n", slots_late,
              static_cast<unsigned long long>(most));
  std::printf("ticks that took over 0.2 ms to run: %llu\n", static_cast<unsigned long long>(slow_ticks.load()));
  std::printf("CPU per tick %.2f us (process CPU %.1f s = %.0f%% of one core), bot decisions %.0f/s\n",
              1e6 * cpu / static_cast<double>(std::max<std::uint64_t>(1, ticks.load())), cpu, 100.0 * cpu / wall,
              static_cast<double>(decisions.load()) / wall);
  return 0;
}
