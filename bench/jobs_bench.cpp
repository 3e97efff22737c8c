// Rating jobs end to end on SQLite: N stored duel results, each with its rating.update job (as
// the host enqueues them), drained by one Worker running the worker role's handler
// (postmatch::AfterMatch): load the record, rate it (Glicko-2), write ratings, history and the
// rating board in the completing transaction (group commits).
//   arena-bench-jobs --jobs 50000 --players 10000 --threads 4 --concurrency 64
// With --database postgres://...: the same on PostgreSQL (PostgresMatchStore, PostgresJobStore,
// PostgresRatingStore), rating and history only: the boards and AfterMatch are not on
// PostgreSQL yet (issue 12), so this measures the queue with the rating writes.
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

// Stores N results with their jobs, then drains them with `handle`; prints the figures.
int drain(const char* what, int n, int players, int threads, int concurrency, match::MatchStore& results,
          jobs::JobStore& store, const std::function<void(jobs::JobContext&, std::atomic<int>&)>& handle) {
  core::SystemClock clock;
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
  jobs::Worker worker(store, clock, timers, jm, ws);
  std::atomic<int> done{0};
  worker.handle("rating.update", [&](jobs::JobContext& ctx) { handle(ctx, done); });
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
  std::printf("%s: rating jobs done: %d in %.2f s = %.0f jobs/s end to end (%d threads, %d claimed at once)\n", what,
              done.load(), wall, done.load() / wall, threads, concurrency);
  std::printf("process CPU %.1f s = %.0f%% of one core\n", cpu, 100 * cpu / wall);
  return done.load() == n ? 0 : 1;
}

int run_postgres(const std::string& url, int n, int players, int threads, int concurrency) {
  storage::migrate_up(url, storage::postgres_migrations(), core::SystemClock().now_unix());
  storage::PgPool pool({.url = url, .size = threads + 4});
  pool.with([](storage::Pg& c) {
    c.exec("TRUNCATE jobs, match_results, match_players, ratings, rating_history");  // a fresh run each time
  });
  match::PostgresMatchStore results(pool);
  jobs::PostgresJobStore store(pool);
  ratings::PostgresRatingStore rating_store(pool);
  return drain("postgres (ratings and history; no boards)", n, players, threads, concurrency, results, store,
               [&](jobs::JobContext& ctx, std::atomic<int>& done) {
                 const auto args = json::parse(ctx.job().args).as_object();
                 auto rec = results.load(std::string(args.at("match_id").as_string()));
                 if (!rec) throw std::runtime_error("no stored result");
                 std::vector<ratings::RatedSeat> seats;
                 std::vector<std::string> users;
                 for (std::size_t i = 0; i < rec->spec.seats.size(); ++i) {
                   seats.push_back({rec->spec.seats[i].user_id, false, 0, static_cast<int>(i) + 1});
                   users.push_back(rec->spec.seats[i].user_id);
                 }
                 ctx.complete_with(
                     [&, seats, users, id = rec->spec.match_id] {
                       // Inside the completing transaction: the pool's calls join it.
                       const auto now = core::SystemClock().now_unix_ms();
                       rating_store.apply(id,
                                          ratings::rate_match("duel", ratings::Model::glicko2, seats,
                                                              rating_store.load(users, "duel"), now),
                                          now);
                     },
                     [&done] { ++done; });
               });
}

}  // namespace

int main(int argc, char** argv) {
  int n = 50'000, players = 10'000, threads = 4, concurrency = 1024;
  std::string database;
  CLI::App cli{"arena-bench-jobs"};
  cli.add_option("--jobs", n)->check(CLI::Range(1, 10'000'000));
  cli.add_option("--players", players)->check(CLI::Range(2, 10'000'000));
  cli.add_option("--threads", threads)->check(CLI::Range(1, 64));
  cli.add_option("--concurrency", concurrency, "jobs claimed at once")->check(CLI::Range(1, 10'000));
  cli.add_option("--database", database, "postgres://... : PostgreSQL instead of a temporary SQLite file");
  CLI11_PARSE(cli, argc, argv);
  if (!database.empty()) return run_postgres(database, n, players, threads, concurrency);

  const auto dir = std::filesystem::temp_directory_path() / ("arena-bench-jobs-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto db = storage::Sqlite::open(dir / "arena.db");
  db->checkpoint_in_background();  // as the server's connection does
  core::SystemClock clock;
  storage::migrate_up(*db, storage::sqlite_migrations(), clock.now_unix());
  match::SqliteMatchStore results(*db);
  jobs::SqliteJobStore store(*db);
  // The worker role's handler itself: ratings, history and the mode's rating board, in the
  // completing transaction of a group commit.
  leaderboards::RankIndex index(2'000'000);
  const auto boards = leaderboards::configured_boards({}, {{"duel", {"eu"}}});
  auto reader = storage::Sqlite::open(dir / "arena.db");
  postmatch::AfterMatch after(*db, reader.get(), clock, {{"duel", ratings::Model::glicko2}}, boards, &index);
  const int rc = drain("sqlite", n, players, threads, concurrency, results, store,
                       [&](jobs::JobContext& ctx, std::atomic<int>& done) {
                         after.handle(ctx, [&done](const postmatch::Applied&) { ++done; });
                       });
  reader.reset();
  db.reset();
  std::filesystem::remove_all(dir);
  return rc;
}
