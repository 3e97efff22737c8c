// Leaderboard reads with many players on one board, on SQLite: pages (from the top and deep down,
// by cursor), around-me and exact ranks, through SqliteBoardStore as the REST routes use it, with
// the in-memory rank index (as the worker role runs) and without it (ranks counted).
//   arena-bench-leaderboard --players 1000000 --reads 20000
#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>

#include "arena/leaderboards/store.hpp"
#include "arena/storage/migrations.hpp"
#include "arena/storage/sqlite.hpp"

using namespace arena;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  int players = 1'000'000, reads = 20'000, limit = 20, counted_reads = 200;
  CLI::App cli{"arena-bench-leaderboard"};
  cli.add_option("--players", players)->check(CLI::Range(100, 20'000'000));
  cli.add_option("--reads", reads, "reads of each kind")->check(CLI::Range(1, 10'000'000));
  cli.add_option("--counted-reads", counted_reads, "reads of each kind without the rank index")
      ->check(CLI::Range(1, 10'000'000));
  cli.add_option("--limit", limit, "rows per page")->check(CLI::Range(1, 100));
  CLI11_PARSE(cli, argc, argv);

  const auto dir = std::filesystem::temp_directory_path() / ("arena-bench-board-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto db = storage::Sqlite::open(dir / "arena.db");
  storage::migrate_up(*db, storage::sqlite_migrations(), 0);
  std::mt19937_64 rng(7);
  std::normal_distribution<double> skill(1200, 250);  // displayed ratings, roughly as a live game's
  leaderboards::Board board;
  board.id = "duel";
  board.rating = true;
  board.op = leaderboards::Operator::set;
  const leaderboards::Season season{"all", 0, 0};
  leaderboards::MemoryRankIndex index(50'000'000);
  leaderboards::SqliteBoardStore store(*db, &index);
  leaderboards::SqliteBoardStore counting(*db);
  const auto t0 = Clock::now();
  db->with([&](storage::Sqlite& c) {
    storage::Transaction tx(c);  // the writes join it: one commit
    char id[32];
    for (int i = 0; i < players; ++i) {
      std::snprintf(id, sizeof id, "player-%09d", i);
      store.write(board, season, id, i % 4 == 0 ? "us" : "eu", {std::round(skill(rng) * 100) / 100, 0}, 0);
    }
    tx.commit();
  });
  const double load_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const leaderboards::View all{"duel", "all", ""};

  auto run = [&](const char* what, int n, auto fn) {
    const auto start = Clock::now();
    std::size_t rows = 0;
    for (int i = 0; i < n; ++i) rows += fn(i);
    const double s = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("%-46s %9.0f reads/s  (%.1f us each, %zu rows)\n", what, n / s, 1e6 * s / n, rows);
  };
  // Deep cursors: the rows at ranks spread over the whole board.
  std::vector<leaderboards::Cursor> cursors;
  {
    leaderboards::Cursor c;
    const int step = std::max(1, players / 1000);
    for (int rank = 0; rank + step < players; rank += step) {
      const auto rows = store.page(all, c, step);
      if (rows.empty()) break;
      c = {rows.back().rank, rows.back().key, rows.back().user_id};
      cursors.push_back(c);
    }
  }
  std::printf("%d players written to one board in %.1f s; %zu cursors spread over it\n", players, load_s,
              cursors.size());
  run("first page", reads, [&](int) { return store.page(all, {}, limit).size(); });
  run("a page at a cursor (any depth)", reads,
      [&](int i) { return store.page(all, cursors[static_cast<std::size_t>(i) % cursors.size()], limit).size(); });
  std::uniform_int_distribution<int> anyone(0, players - 1);
  char id[32];
  const auto t_index = Clock::now();
  std::snprintf(id, sizeof id, "player-%09d", 0);
  store.rank_of(all, id);  // loads the index
  std::printf("rank index loaded in %.2f s (%zu entries)\n",
              std::chrono::duration<double>(Clock::now() - t_index).count(), index.entries());
  run("around a random player (5 each side), indexed", reads, [&](int) {
    std::snprintf(id, sizeof id, "player-%09d", anyone(rng));
    return store.around(all, id, 5).size();
  });
  run("rank of a random player, indexed", reads, [&](int) {
    std::snprintf(id, sizeof id, "player-%09d", anyone(rng));
    return static_cast<std::size_t>(store.rank_of(all, id) > 0);
  });
  run("around a random player, counted (no index)", counted_reads, [&](int) {
    std::snprintf(id, sizeof id, "player-%09d", anyone(rng));
    return counting.around(all, id, 5).size();
  });
  run("rank of a random player, counted (no index)", counted_reads, [&](int) {
    std::snprintf(id, sizeof id, "player-%09d", anyone(rng));
    return static_cast<std::size_t>(counting.rank_of(all, id) > 0);
  });
  const leaderboards::View us{"duel", "all", "us"};
  run("rank of a random player in one region (counted)", counted_reads, [&](int) {
    std::snprintf(id, sizeof id, "player-%09d", anyone(rng) / 4 * 4);
    return static_cast<std::size_t>(store.rank_of(us, id) > 0);
  });
  db.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
