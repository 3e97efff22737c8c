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

// apply_all() changes what apply() of each match in turn changes, and says the same: a player
// in two matches of the group, a match named twice, a failed match and one applied before.
TEST_P(AfterMatchConformance, MatchesAppliedTogetherChangeWhatEachAppliedInTurnChanges) {
  const auto apart_backend = GetParam().make();
  AfterMatch apart(apart_backend->stores(), clock, {{"duel", ratings::Model::glicko2}}, boards);
  std::vector<match::MatchRecord> recs{duel("m0", "ann", "bob"), duel("m1", "ann", "cat"),
                                       duel("m2", "bob", "ann"), duel("m1", "ann", "cat"),  // named twice: once
                                       duel("m3", "cat", "dan"), duel("m4", "dan", "ann")};
  recs[4].error = "host lost";              // a failed match: marked, changes nothing
  ASSERT_TRUE(after.apply(recs[0], 1000));  // applied before the group
  ASSERT_TRUE(apart.apply(recs[0], 1000));
  std::vector<const match::MatchRecord*> group;
  for (std::size_t i = 1; i < recs.size(); ++i) group.push_back(&recs[i]);
  const auto together = after.apply_all(group, 2000);
  ASSERT_EQ(together.size(), group.size());
  for (std::size_t i = 0; i < group.size(); ++i) {
    const auto alone = apart.apply(*group[i], 2000);
    ASSERT_EQ(together[i].has_value(), alone.has_value()) << i;
    if (!alone) continue;
    ASSERT_EQ(together[i]->ratings.size(), alone->ratings.size()) << i;
    for (std::size_t k = 0; k < alone->ratings.size(); ++k) {
      EXPECT_EQ(together[i]->ratings[k].after.rating, alone->ratings[k].after.rating) << i;
      EXPECT_EQ(together[i]->ratings[k].before, alone->ratings[k].before) << i;
    }
    ASSERT_EQ(together[i]->writes.size(), alone->writes.size()) << i;
    for (std::size_t k = 0; k < alone->writes.size(); ++k) {
      EXPECT_EQ(together[i]->writes[k].user_id, alone->writes[k].user_id) << i;
      EXPECT_EQ(together[i]->writes[k].writes, alone->writes[k].writes) << i;
      EXPECT_EQ(together[i]->writes[k].key.k1, alone->writes[k].key.k1) << i;
    }
  }
  EXPECT_FALSE(together[2].has_value());      // m1 again
  EXPECT_TRUE(together[3]->ratings.empty());  // m3 failed
  for (const auto* q : {"SELECT count(*) FROM rating_history", "SELECT count(*) FROM matches_applied",
                        "SELECT sum(games * 1000 + wins) FROM ratings", "SELECT sum(writes) FROM board_entries",
                        "SELECT CAST(sum(score) * 1000 AS INTEGER) FROM board_entries"})
    EXPECT_EQ(count(q), apart_backend->count(q)) << q;
  EXPECT_EQ(games("ann"), 4);
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
