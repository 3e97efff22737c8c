// What a finished match changes, with the real job queue, worker and SQLite on a fake clock: a
// worker that stalls mid-job (it stops heartbeating, as a killed one does) loses the job to
// another, whose run changes ratings and boards once; the stalled one's late completion is
// refused and announces nothing; a match applied again changes nothing; two matches of one
// player applied in one group commit both count.
#include "arena/postmatch/after_match.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "arena/jobs/sqlite_store.hpp"
#include "arena/match/store.hpp"
#include "arena/storage/migrations.hpp"
#include "arena/storage/sqlite.hpp"
#include "arena/testing/temp_dir.hpp"

namespace arena::postmatch {
namespace {

using namespace std::chrono_literals;

struct Harness {
  testing::TempDir dir;
  std::unique_ptr<storage::Sqlite> db = storage::Sqlite::open(dir.path() / "arena.db");
  core::FakeClock clock{core::SystemTime{std::chrono::hours(500'000)}, core::FakeClock::Intervals::stepped};
  runtime::Timers timers{clock};
  metrics::Registry registry;
  jobs::JobMetrics metrics{registry};
  jobs::SqliteJobStore store{*db};
  leaderboards::RankIndex index{1000};
  std::vector<leaderboards::Board> boards = leaderboards::configured_boards(
      {{"wins", {{"mode", "duel"}, {"stat", "won"}, {"operator", "increment"}}}}, {{"duel", {"eu"}}});
  AfterMatch after{*db, nullptr, clock, {{"duel", ratings::Model::glicko2}}, boards, &index};

  Harness() { storage::migrate_up(*db, storage::sqlite_migrations(), 0); }
  ~Harness() { timers.stop(); }

  // A stored duel that `winner` won against `loser`, with its rating job (as the host stores it).
  void store_duel(const std::string& id, const std::string& winner, const std::string& loser) {
    match::MatchRecord rec;
    rec.spec.match_id = id;
    rec.spec.mode = rec.spec.game = "duel";
    rec.spec.region = "eu";
    rec.spec.seats = {{winner, false, 0}, {loser, false, 1}};
    rec.result.placements = {{0, 1, {{"won", 1}}}, {1, 2, {{"won", 0}}}};
    match::SqliteMatchStore(*db).save(rec, clock.now_unix());
  }
  jobs::WorkerSettings settings(const std::string& name) {
    jobs::WorkerSettings s;
    s.name = name;
    s.lease = 3000ms;
    s.poll = 100ms;
    s.rescue_every = 100ms;
    s.threads = 2;
    s.queues = {{"ratings", 8}};
    return s;
  }
  template <class F>
  bool step_until(F done) {
    for (int i = 0; i < 200; ++i) {
      if (done()) return true;
      clock.advance(100ms);
      timers.wait_idle();
      for (int k = 0; k < 50 && !done(); ++k) std::this_thread::sleep_for(1ms);
    }
    return done();
  }
  std::int64_t games(const std::string& user) {
    return db->with([&](storage::Sqlite& c) -> std::int64_t {
      auto& st = c.prepare("SELECT games FROM ratings WHERE user_id = ? AND mode = 'duel'").bind(user);
      return st.step() ? st.int64(0) : 0;
    });
  }
  std::int64_t count(const std::string& sql) {
    return db->with([&](storage::Sqlite& c) {
      auto& st = c.prepare(sql);
      st.step();
      return st.int64(0);
    });
  }
  jobs::State job_state() { return store.list({.kind = "rating.update"}).at(0).state; }
};

TEST(AfterMatch, AStalledWorkersJobIsDoneOnceByAnotherAndItsLateCompletionChangesNothing) {
  Harness h;
  h.store_duel("m1", "ann", "bob");
  std::atomic<bool> release{false};
  std::atomic<int> first_announced{0}, second_announced{0};
  auto first = std::make_unique<jobs::Worker>(h.store, h.clock, h.timers, h.metrics, h.settings("w1"));
  first->handle("rating.update", [&](jobs::JobContext& ctx) {
    while (!release) std::this_thread::sleep_for(1ms);  // stalled mid-job
    h.after.handle(ctx, [&](const Applied&) { ++first_announced; });
  });
  first->start();
  ASSERT_TRUE(h.step_until([&] { return h.job_state() == jobs::State::running; }));
  // w1 stops heartbeating (as if killed); its lease expires and w2 takes the job.
  jobs::Worker second(h.store, h.clock, h.timers, h.metrics, h.settings("w2"));
  second.handle("rating.update",
                [&](jobs::JobContext& ctx) { h.after.handle(ctx, [&](const Applied&) { ++second_announced; }); });
  std::thread stopping([&] { first->stop(); });
  second.start();
  ASSERT_TRUE(h.step_until([&] { return h.job_state() == jobs::State::completed; }));
  release = true;  // w1 finishes now: its completion is refused, its writes rolled back
  stopping.join();
  second.stop();
  EXPECT_EQ(second_announced.load(), 1);
  EXPECT_EQ(first_announced.load(), 0);
  EXPECT_EQ(h.games("ann"), 1);
  EXPECT_EQ(h.games("bob"), 1);
  EXPECT_EQ(h.count("SELECT count(*) FROM rating_history"), 2);
  EXPECT_EQ(h.count("SELECT sum(writes) FROM board_entries WHERE board = 'duel'"), 2);
  EXPECT_EQ(h.count("SELECT sum(score) FROM board_entries WHERE board = 'wins'"), 1);
  EXPECT_EQ(h.metrics.total.with({"ratings", "rating.update", "lost"}).value(), 1u);

  // The match applied again (a job enqueued after the first was pruned) changes nothing.
  const auto rec = match::SqliteMatchStore(*h.db).load("m1");
  const auto again = h.db->with([&](storage::Sqlite& c) { return h.after.apply_in(c, *rec, 1); });
  EXPECT_FALSE(again.has_value());
  EXPECT_EQ(h.games("ann"), 1);
}

TEST(AfterMatch, TwoMatchesOfOnePlayerInOneGroupCommitBothCount) {
  Harness h;
  for (int i = 0; i < 6; ++i) h.store_duel("m" + std::to_string(i), "ann", "p" + std::to_string(i));
  std::atomic<int> announced{0};
  jobs::Worker w(h.store, h.clock, h.timers, h.metrics, h.settings("w"));
  w.handle("rating.update", [&](jobs::JobContext& ctx) { h.after.handle(ctx, [&](const Applied&) { ++announced; }); });
  w.start();
  ASSERT_TRUE(h.step_until([&] { return announced.load() == 6; }));
  w.stop();
  EXPECT_EQ(h.games("ann"), 6);  // each read the one before it, inside the transaction
  EXPECT_EQ(h.count("SELECT score FROM board_entries WHERE board = 'wins' AND user_id = 'ann'"), 6);
  // ann's rating board entry is her latest rating.
  EXPECT_EQ(h.count("SELECT count(*) FROM board_entries e JOIN ratings r ON r.user_id = e.user_id AND r.mode = "
                    "'duel' WHERE e.board = 'duel' AND e.score = r.display"),
            7);
}

}  // namespace
}  // namespace arena::postmatch
