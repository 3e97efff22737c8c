// What a finished match changes, with the real job queue, worker and database (SQLite here,
// PostgreSQL in after_match_pgtest.cpp) on a fake clock: a
// worker that stalls mid-job (it stops heartbeating, as a killed one does) loses the job to
// another, whose run changes ratings and boards once; the stalled one's late completion is
// refused and announces nothing; a match applied again changes nothing; two matches of one
// player applied in one group commit both count, and two workers at once lose no update.
#include "after_match_conformance.hpp"

#include <atomic>
#include <thread>

namespace arena::postmatch::testing {
namespace {

using namespace std::chrono_literals;

TEST_P(AfterMatchConformance, AStalledWorkersJobIsDoneOnceByAnotherAndItsLateCompletionChangesNothing) {
  store_duel("m1", "ann", "bob");
  std::atomic<bool> release{false};
  std::atomic<int> first_announced{0}, second_announced{0};
  auto first = std::make_unique<jobs::Worker>(store, clock, timers, metrics, settings("w1"));
  first->handle("rating.update", [&](jobs::JobContext& ctx) {
    while (!release) std::this_thread::sleep_for(1ms);  // stalled mid-job
    after.handle(ctx, [&](const Applied&) { ++first_announced; });
  });
  first->start();
  ASSERT_TRUE(step_until([&] { return job_state() == jobs::State::running; }));
  // w1 stops heartbeating (as if killed); its lease expires and w2 takes the job.
  jobs::Worker second(store, clock, timers, metrics, settings("w2"));
  second.handle("rating.update",
                [&](jobs::JobContext& ctx) { after.handle(ctx, [&](const Applied&) { ++second_announced; }); });
  std::thread stopping([&] { first->stop(); });
  second.start();
  ASSERT_TRUE(step_until([&] { return job_state() == jobs::State::completed; }));
  release = true;  // w1 finishes now: its completion is refused, its writes rolled back
  stopping.join();
  second.stop();
  EXPECT_EQ(second_announced.load(), 1);
  EXPECT_EQ(first_announced.load(), 0);
  EXPECT_EQ(games("ann"), 1);
  EXPECT_EQ(games("bob"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM rating_history"), 2);
  EXPECT_EQ(count("SELECT sum(writes) FROM board_entries WHERE board = 'duel'"), 2);
  EXPECT_EQ(count("SELECT sum(score) FROM board_entries WHERE board = 'wins'"), 1);
  EXPECT_EQ(metrics.total.with({"ratings", "rating.update", "lost"}).value(), 1u);

  // The match applied again (a job enqueued after the first was pruned) changes nothing.
  const auto rec = backend->stores().matches.load("m1");
  EXPECT_FALSE(after.apply(rec->record, 1).has_value());
  EXPECT_EQ(games("ann"), 1);
}

TEST_P(AfterMatchConformance, TwoMatchesOfOnePlayerInOneGroupCommitBothCount) {
  for (int i = 0; i < 6; ++i) store_duel("m" + std::to_string(i), "ann", "p" + std::to_string(i));
  std::atomic<int> announced{0};
  jobs::Worker w(store, clock, timers, metrics, settings("w"));
  w.handle("rating.update", [&](jobs::JobContext& ctx) { after.handle(ctx, [&](const Applied&) { ++announced; }); });
  w.start();
  ASSERT_TRUE(step_until([&] { return announced.load() == 6; }));
  w.stop();
  EXPECT_EQ(games("ann"), 6);  // each read the one before it, inside the transaction
  EXPECT_EQ(count("SELECT score FROM board_entries WHERE board = 'wins' AND user_id = 'ann'"), 6);
  // ann's rating board entry is her latest rating.
  EXPECT_EQ(count("SELECT count(*) FROM board_entries e JOIN ratings r ON r.user_id = e.user_id AND r.mode = "
                  "'duel' WHERE e.board = 'duel' AND e.score = r.display"),
            7);
}

TEST_P(AfterMatchConformance, TwoWorkersAtOnceLoseNoUpdate) {
  // Every match has ann in it: with several workers on PostgreSQL, their transactions meet on her
  // rating and her board entries.
  constexpr int kMatches = 24;
  for (int i = 0; i < kMatches; ++i)
    store_duel("m" + std::to_string(i), i % 2 == 0 ? "ann" : "p" + std::to_string(i % 5),
               i % 2 == 0 ? "p" + std::to_string(i % 5) : "ann");
  std::atomic<int> announced{0};
  std::vector<std::unique_ptr<jobs::Worker>> workers;
  for (const char* name : {"w1", "w2"}) {
    workers.push_back(std::make_unique<jobs::Worker>(store, clock, timers, metrics, settings(name)));
    workers.back()->handle("rating.update",
                           [&](jobs::JobContext& ctx) { after.handle(ctx, [&](const Applied&) { ++announced; }); });
  }
  for (auto& w : workers) w->start();
  ASSERT_TRUE(step_until([&] { return announced.load() == kMatches; }));
  for (auto& w : workers) w->stop();
  EXPECT_EQ(games("ann"), kMatches);
  EXPECT_EQ(count("SELECT sum(games) FROM ratings"), 2 * kMatches);
  EXPECT_EQ(count("SELECT count(*) FROM rating_history"), 2 * kMatches);
  EXPECT_EQ(count("SELECT writes FROM board_entries WHERE board = 'duel' AND user_id = 'ann'"), kMatches);
  EXPECT_EQ(count("SELECT score FROM board_entries WHERE board = 'wins' AND user_id = 'ann'"), kMatches / 2);
  EXPECT_EQ(count("SELECT count(*) FROM jobs WHERE state = 'completed'"), kMatches);
}

}  // namespace
}  // namespace arena::postmatch::testing
