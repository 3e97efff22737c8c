// Rating jobs end to end on SQLite: N stored duel results, each with its rating.update job (as
// the host enqueues them), drained by one Worker running the worker role's handler
// (postmatch::AfterMatch): load the record, rate it (Glicko-2), write ratings, history and the
// rating board in the completing transaction (group commits).
//   arena-bench-jobs --jobs 50000 --players 10000 --threads 4 --concurrency 64
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include "arena/core/clock.hpp"
#include "arena/jobs/sqlite_store.hpp"
#include "arena/jobs/worker.hpp"
#include "arena/match/store.hpp"
#include "arena/postmatch/after_match.hpp"
#include "arena/ratings/ratings.hpp"
#include "arena/storage/migrations.hpp"
#include "arena/storage/sqlite.hpp"

namespace json = boost::json;
using namespace arena;

int main(int argc, char** argv) {
  int n = 50'000, players = 10'000, threads = 4, concurrency = 1024;
  CLI::App cli{"arena-bench-jobs"};
  cli.add_option("--jobs", n)->check(CLI::Range(1, 10'000'000));
  cli.add_option("--players", players)->check(CLI::Range(2, 10'000'000));
  cli.add_option("--threads", threads)->check(CLI::Range(1, 64));
  cli.add_option("--concurrency", concurrency, "jobs claimed at once")->check(CLI::Range(1, 10'000));
  CLI11_PARSE(cli, argc, argv);

  const auto dir = std::filesystem::temp_directory_path() / ("arena-bench-jobs-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto db = storage::Sqlite::open(dir / "arena.db");
  db->checkpoint_in_background();  // as the server's connection does
  core::SystemClock clock;
  storage::migrate_up(*db, storage::sqlite_migrations(), clock.now_unix());
  match::SqliteMatchStore results(*db);
  std::mt19937 rng(7);
  const auto t_setup = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    match::MatchRecord rec;
    rec.spec.match_id = "m" + std::to_string(i);
    rec.spec.mode = rec.spec.game = "duel";
    rec.spec.region = "eu";
    const int a = static_cast<int>(rng() % static_cast<unsigned>(players));
    int b = static_cast<int>(rng() % static_cast<unsigned>(players - 1));
    if (b >= a) ++b;
    rec.spec.seats = {{"p" + std::to_string(a), false, 0}, {"p" + std::to_string(b), false, 1}};
    rec.result.placements = {{0, 1, {}}, {1, 2, {}}};
    rec.ticks = 20;
    results.save(rec, clock.now_unix());  // the result and its rating job, in one transaction
  }
  const double setup_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_setup).count();

  jobs::SqliteJobStore store(*db);
  metrics::Registry registry;
  jobs::JobMetrics jm(registry);
  runtime::Timers timers(clock);
  jobs::WorkerSettings ws;
  ws.poll = std::chrono::milliseconds(1);
  ws.threads = threads;
  ws.queues = {{"ratings", concurrency}};
  jobs::Worker worker(store, clock, timers, jm, ws);
  std::atomic<int> done{0};
  // The worker role's handler itself: ratings, history and the mode's rating board, in the
  // completing transaction of a group commit.
  leaderboards::RankIndex index(2'000'000);
  const auto boards = leaderboards::configured_boards({}, {{"duel", {"eu"}}});
  auto reader = storage::Sqlite::open(dir / "arena.db");
  postmatch::AfterMatch after(*db, reader.get(), clock, {{"duel", ratings::Model::glicko2}}, boards, &index);
  worker.handle("rating.update",
                [&](jobs::JobContext& ctx) { after.handle(ctx, [&](const postmatch::Applied&) { ++done; }); });
  const auto t0 = std::chrono::steady_clock::now();
  const auto cpu0 = std::clock();
  worker.start();
  while (done.load() < n && std::chrono::steady_clock::now() - t0 < std::chrono::minutes(10))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC;
  worker.stop();
  timers.stop();
  std::printf("%d stored duel results with their rating jobs in %.1f s (%.0f results/s, one transaction each)\n", n,
              setup_s, n / setup_s);
  std::printf("rating jobs done: %d in %.2f s = %.0f jobs/s end to end (%d threads, %d claimed at once)\n", done.load(),
              wall, done.load() / wall, threads, concurrency);
  std::printf("process CPU %.1f s = %.0f%% of one core\n", cpu, 100 * cpu / wall);
  reader.reset();
  db.reset();
  std::filesystem::remove_all(dir);
  return done.load() == n ? 0 : 1;
}
