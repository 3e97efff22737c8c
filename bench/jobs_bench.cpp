// Rating jobs end to end: N stored duel results, each with its rating.update job (as the host
// enqueues them), drained by one Worker running the worker role's handler
// (postmatch::AfterMatch): load the record, rate it (Glicko-2), write ratings, history and the
// rating board in the completing transaction (group commits).
//   arena-bench-jobs --jobs 50000 --players 10000 --threads 4 --concurrency 64
// On a temporary SQLite file, or with --database postgres://... on PostgreSQL (its tables are
// emptied first).
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include "arena/core/clock.hpp"
#include "arena/jobs/postgres_store.hpp"
#include "arena/jobs/sqlite_store.hpp"
#include "arena/jobs/worker.hpp"
#include "arena/match/store.hpp"
#include "arena/postmatch/after_match.hpp"
#include "arena/ratings/ratings.hpp"
#include "arena/storage/migrations.hpp"
#include "arena/storage/postgres.hpp"
#include "arena/storage/sqlite.hpp"

namespace json = boost::json;
using namespace arena;

namespace {

match::MatchRecord duel(int i, int players, std::mt19937& rng) {
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
  return rec;
}

// Stores N results with their jobs, then drains them with the worker role's handler; prints the
// figures.
int drain(const char* what, int n, int players, int threads, int concurrency, int group, jobs::JobStore& store,
          postmatch::Stores stores) {
  core::SystemClock clock;
  auto& results = stores.matches;
  const auto boards = leaderboards::configured_boards({}, {{"duel", {"eu"}}});
  postmatch::AfterMatch after(stores, clock, {{"duel", ratings::Model::glicko2}}, boards);
  std::mt19937 rng(7);
  const auto t_setup = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) results.save(duel(i, players, rng), clock.now_unix());
  const double setup_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_setup).count();
  metrics::Registry registry;
  jobs::JobMetrics jm(registry);
  runtime::Timers timers(clock);
  jobs::WorkerSettings ws;
  ws.poll = std::chrono::milliseconds(1);
  ws.threads = threads;
  ws.queues = {{"ratings", concurrency}};
  ws.group_size = group;
  jobs::Worker worker(store, clock, timers, jm, ws);
  std::atomic<int> done{0};
  worker.handle("rating.update",
                [&](jobs::JobContext& ctx) { after.handle(ctx, [&done](const postmatch::Applied&) { ++done; }); });
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
  std::printf(
      "%s: rating jobs done: %d in %.2f s = %.0f jobs/s end to end (%d threads, %d claimed at once, groups of up to "
      "%s)\n",
      what, done.load(), wall, done.load() / wall, threads, concurrency,
      group > 0 ? std::to_string(group).c_str() : "the store's choice");
  std::printf("process CPU %.1f s = %.0f%% of one core\n", cpu, 100 * cpu / wall);
  const auto& commits = jm.group_seconds.with({});
  const auto& sizes = jm.group_size.with({});
  if (commits.count() > 0)
    std::printf("%llu group commits of %.0f jobs on average, each holding the database %.1f ms on average\n",
                static_cast<unsigned long long>(commits.count()), sizes.sum() / static_cast<double>(sizes.count()),
                1000 * commits.sum() / static_cast<double>(commits.count()));
  return done.load() == n ? 0 : 1;
}

int run_postgres(const std::string& url, int n, int players, int threads, int concurrency, int group) {
  storage::migrate_up(url, storage::postgres_migrations(), core::SystemClock().now_unix());
  storage::PgPool pool({.url = url, .size = threads + 4});
  pool.with([](storage::Pg& c) {  // a fresh run each time
    c.exec(
        "TRUNCATE jobs, match_results, match_players, ratings, rating_history, board_entries, board_seasons, "
        "matches_applied");
  });
  match::PostgresMatchStore results(pool);
  jobs::PostgresJobStore store(pool);
  ratings::PostgresRatingStore rating_store(pool);
  leaderboards::PostgresBoardStore board_store(pool);
  return drain("postgres", n, players, threads, concurrency, group, store, {results, rating_store, board_store});
}

}  // namespace

int main(int argc, char** argv) {
  const jobs::WorkerSettings defaults;
  int n = 50'000, players = 10'000, threads = defaults.threads, concurrency = defaults.queues.at("ratings"), group = 0;
  std::string database;
  CLI::App cli{"arena-bench-jobs"};
  cli.add_option("--jobs", n)->check(CLI::Range(1, 10'000'000));
  cli.add_option("--players", players)->check(CLI::Range(2, 10'000'000));
  cli.add_option("--threads", threads)->check(CLI::Range(1, 64));
  cli.add_option("--concurrency", concurrency, "jobs claimed at once (jobs.queues' ratings=)")
      ->check(CLI::Range(1, 100'000));
  cli.add_option("--group", group, "most jobs a group commit takes (jobs.group_size; 0: the store's choice)")
      ->check(CLI::Range(0, 100'000));
  cli.add_option("--database", database, "postgres://... : PostgreSQL instead of a temporary SQLite file");
  CLI11_PARSE(cli, argc, argv);
  if (!database.empty()) return run_postgres(database, n, players, threads, concurrency, group);

  const auto dir = std::filesystem::temp_directory_path() / ("arena-bench-jobs-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto db = storage::Sqlite::open(dir / "arena.db");
  db->checkpoint_in_background();  // as the server's connection does
  core::SystemClock clock;
  storage::migrate_up(*db, storage::sqlite_migrations(), clock.now_unix());
  // As the worker role sets it up: writes on one connection, reads beside them on a second.
  auto reader = storage::Sqlite::open(dir / "arena.db");
  jobs::SqliteJobStore store(*db);
  match::SqliteMatchStore results(*db, reader.get());
  ratings::SqliteRatingStore rating_store(*db);
  leaderboards::SqliteBoardStore board_store(*db, nullptr, reader.get());
  const int rc = drain("sqlite", n, players, threads, concurrency, group, store, {results, rating_store, board_store});
  reader.reset();
  db.reset();
  std::filesystem::remove_all(dir);
  return rc;
}
