// Host failover's cost: what one host's checkpoint round takes for N running matches. N cycles
// matches of 8 bots each play one second (20 ticks) between rounds (not timed), then one
// MatchStore::checkpoint writes every match's new log entries, tick and state hash and renews its
// lease, as the host's upkeep thread does every host.checkpoint_interval. Reports the round's
// time and what it wrote; the first round also writes each match's spec. On a temporary SQLite
// file, or with --database postgres://... on PostgreSQL (its running-match tables emptied first).
//   arena-bench-checkpoint --matches 1000 --rounds 10 [--database postgres://...]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

#include <unistd.h>

#include "arena/core/clock.hpp"
#include "arena/match/runner.hpp"
#include "arena/match/store.hpp"
#include "arena/storage/migrations.hpp"
#include "arena/storage/postgres.hpp"
#include "arena/storage/sqlite.hpp"

namespace am = arena::match;
namespace storage = arena::storage;

namespace {

int run(const char* backend, am::MatchStore& store, int matches, int rounds) {
  const auto games = am::builtin_games();
  const am::GameInfo& cycles = *games.find("cycles");
  std::vector<std::unique_ptr<am::MatchRunner>> runners;
  std::vector<std::size_t> logged(static_cast<std::size_t>(matches), 0);
  for (int i = 0; i < matches; ++i) {
    am::MatchSpec spec{"bench-" + std::to_string(i), "ffa", "cycles", "eu", {}, static_cast<std::uint64_t>(i + 1)};
    for (int s = 0; s < 8; ++s) spec.seats.push_back({"", true, s});
    runners.push_back(std::make_unique<am::MatchRunner>(spec, cycles));
  }
  std::vector<double> ms;
  std::size_t entries_total = 0;
  for (int r = 0; r < rounds; ++r) {
    for (auto& m : runners)
      for (int t = 0; t < 20 && !m->over(); ++t) m->step();  // one second of play at 20 Hz
    std::vector<am::Checkpoint> cps;
    std::size_t entries = 0;
    for (std::size_t i = 0; i < runners.size(); ++i) {
      const auto& m = *runners[i];
      am::Checkpoint cp{m.spec().match_id, {"bench-host", 1}, std::nullopt, m.tick(), m.state_hash(), logged[i], {}};
      if (r == 0) cp.spec = m.spec();
      cp.entries.assign(m.log().begin() + static_cast<std::ptrdiff_t>(logged[i]), m.log().end());
      entries += cp.entries.size();
      logged[i] = m.log().size();
      cps.push_back(std::move(cp));
    }
    const auto t0 = std::chrono::steady_clock::now();
    const auto lost = store.checkpoint(cps, arena::core::SystemClock().now_unix_ms() + 5000);
    const auto dt = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!lost.empty()) std::fprintf(stderr, "round %d: %zu leases lost (unexpected)\n", r, lost.size());
    ms.push_back(dt);
    entries_total += entries;
    std::printf("%s round %d: %d matches, %zu new log entries, %.1f ms\n", backend, r, matches, entries, dt);
  }
  std::vector<double> later(ms.begin() + 1, ms.end());  // the rounds after the first (no specs)
  std::sort(later.begin(), later.end());
  if (!later.empty())
    std::printf(
        "%s: %d matches, rounds after the first: median %.1f ms, max %.1f ms (%.0f matches/s of checkpoint "
        "capacity on one upkeep thread); %zu entries in all\n",
        backend, matches, later[later.size() / 2], later.back(),
        later[later.size() / 2] > 0 ? matches * 1000.0 / later[later.size() / 2] : 0.0, entries_total);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int matches = 1000, rounds = 10;
  std::string database;
  CLI::App cli{"arena-bench-checkpoint"};
  cli.add_option("--matches", matches)->check(CLI::Range(1, 100'000));
  cli.add_option("--rounds", rounds)->check(CLI::Range(2, 1000));
  cli.add_option("--database", database, "postgres://... : PostgreSQL instead of a temporary SQLite file");
  CLI11_PARSE(cli, argc, argv);
  if (!database.empty()) {
    storage::migrate_up(database, storage::postgres_migrations(), arena::core::SystemClock().now_unix());
    storage::PgPool pool({.url = database, .size = 2});
    pool.with([](storage::Pg& c) { c.exec("TRUNCATE running_matches, running_match_log"); });
    am::PostgresMatchStore store(pool);
    return run("postgres", store, matches, rounds);
  }
  const auto dir = std::filesystem::temp_directory_path() / ("arena-bench-checkpoint-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  int rc = 0;
  {
    auto db = storage::Sqlite::open(dir / "arena.db");
    db->checkpoint_in_background();  // as the server's connection does
    storage::migrate_up(*db, storage::sqlite_migrations(), arena::core::SystemClock().now_unix());
    am::SqliteMatchStore store(*db);
    rc = run("sqlite", store, matches, rounds);
  }
  std::filesystem::remove_all(dir);
  return rc;
}
