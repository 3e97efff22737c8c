// Leaderboard reads with many rated players on SQLite: pages (from the top and deep down, by
// cursor) and around-me, through SqliteRatingStore as the REST routes use it.
//   arena-bench-leaderboard --players 1000000 --reads 20000
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>

#include "arena/ratings/ratings.hpp"
#include "arena/storage/migrations.hpp"
#include "arena/storage/sqlite.hpp"

using namespace arena;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  int players = 1'000'000, reads = 20'000, limit = 20;
  CLI::App cli{"arena-bench-leaderboard"};
  cli.add_option("--players", players)->check(CLI::Range(100, 20'000'000));
  cli.add_option("--reads", reads, "reads of each kind")->check(CLI::Range(1, 10'000'000));
  cli.add_option("--limit", limit, "rows per page")->check(CLI::Range(1, 100));
  CLI11_PARSE(cli, argc, argv);

  const auto dir = std::filesystem::temp_directory_path() / ("arena-bench-board-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto db = storage::Sqlite::open(dir / "arena.db");
  storage::migrate_up(*db, storage::sqlite_migrations(), 0);
  std::mt19937_64 rng(7);
  std::normal_distribution<double> skill(1200, 250);  // displayed ratings, roughly as a live game's
  const auto t0 = Clock::now();
  db->with([&](storage::Sqlite& c) {
    storage::Transaction tx(c);
    auto& st = c.prepare(
        "INSERT INTO ratings (user_id, mode, model, rating, deviation, volatility, display, games, last_played) "
        "VALUES (?, 'duel', 'glicko2', 0, 0, 0, ?, 1, 0)");
    char id[32];
    for (int i = 0; i < players; ++i) {
      std::snprintf(id, sizeof id, "player-%09d", i);
      st.bind(std::string(id), std::round(skill(rng) * 100) / 100).exec();
    }
    tx.commit();
  });
  const double load_s = std::chrono::duration<double>(Clock::now() - t0).count();
  ratings::SqliteRatingStore store(*db);

  auto run = [&](const char* what, auto fn) {
    const auto start = Clock::now();
    std::size_t rows = 0;
    for (int i = 0; i < reads; ++i) rows += fn(i);
    const double s = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("%-34s %8.0f reads/s  (%.1f us each, %zu rows)\n", what, reads / s, 1e6 * s / reads, rows);
  };
  // Deep cursors: the rows at ranks spread over the whole board.
  std::vector<ratings::BoardCursor> cursors;
  {
    ratings::BoardCursor c;
    const int step = std::max(1, players / 1000);
    for (int rank = 0; rank + step < players; rank += step) {
      const auto rows = store.page("duel", c, step);
      if (rows.empty()) break;
      c = {rows.back().rank, rows.back().display, rows.back().user_id};
      cursors.push_back(c);
    }
  }
  std::printf("%d rated players loaded in %.1f s; %zu cursors spread over the board\n", players, load_s,
              cursors.size());
  run("first page", [&](int) { return store.page("duel", {}, limit).size(); });
  run("a page at a cursor (any depth)",
      [&](int i) { return store.page("duel", cursors[static_cast<std::size_t>(i) % cursors.size()], limit).size(); });
  std::uniform_int_distribution<int> anyone(0, players - 1);
  char id[32];
  run("around a random player (5 each side)", [&](int) {
    std::snprintf(id, sizeof id, "player-%09d", anyone(rng));
    return store.around("duel", id, 5).size();
  });
  run("rank of a random player", [&](int) {
    std::snprintf(id, sizeof id, "player-%09d", anyone(rng));
    return static_cast<std::size_t>(store.rank_of("duel", id) > 0);
  });
  db.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
