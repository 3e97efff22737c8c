// One behaviour suite for every JobStore: idempotency keys, claim order, leases with fencing
// epochs, rescue, retries and the dead state, operators' retry and cancel, pruning, group
// commits, and a job enqueued in the same transaction as the write that causes it. Times are
// passed in (a fake clock). An implementation's test file provides a backend and instantiates it:
//   INSTANTIATE_TEST_SUITE_P(Sqlite, JobStoreConformance, ::testing::Values(JobBackendFactory{...}));
#include "store_conformance.hpp"

#include <map>
#include <set>

namespace arena::jobs::testing {
namespace {

constexpr std::int64_t kT0 = 1'800'000'000'000;
constexpr std::int64_t kLease = 10'000;

JobSpec spec(std::string kind = "k", std::string key = {}) {
  JobSpec s;
  s.kind = std::move(kind);
  s.idempotency_key = std::move(key);
  s.max_attempts = 3;
  return s;
}

TEST_P(JobStoreConformance, AnIdempotencyKeyIsTakenWhilePendingRunningOrCompleted) {
  const auto id = store->enqueue(spec("k", "match-1"), kT0);
  ASSERT_TRUE(id);
  EXPECT_FALSE(store->enqueue(spec("k", "match-1"), kT0));  // pending
  auto leases = store->claim("default", "w1", 10, kT0, kLease);
  ASSERT_EQ(leases.size(), 1u);
  EXPECT_FALSE(store->enqueue(spec("k", "match-1"), kT0));  // running
  store->complete(leases[0], kT0 + 5);
  EXPECT_FALSE(store->enqueue(spec("k", "match-1"), kT0));  // completed
  EXPECT_TRUE(store->enqueue(spec("k"), kT0));              // no key: always
  EXPECT_TRUE(store->enqueue(spec("k"), kT0));
  // A cancelled job frees its key.
  const auto other = store->enqueue(spec("k", "match-2"), kT0);
  ASSERT_TRUE(store->cancel(*other, kT0));
  EXPECT_TRUE(store->enqueue(spec("k", "match-2"), kT0));
}

TEST_P(JobStoreConformance, ADeadJobFreesItsKeyAndARetryTakesItBackUnlessAnotherJobHoldsIt) {
  auto once = spec("k", "match-1");
  once.max_attempts = 1;
  const auto failed = store->enqueue(once, kT0);
  auto leases = store->claim("default", "w", 1, kT0, kLease);
  ASSERT_EQ(leases.size(), 1u);
  ASSERT_EQ(store->fail(leases[0], "boom", kT0, 0), State::dead);
  auto rescued = spec("k", "match-2");  // dead by rescue: its worker stopped heartbeating
  rescued.max_attempts = 1;
  const auto stalled = store->enqueue(rescued, kT0);
  ASSERT_EQ(store->claim("default", "w", 1, kT0, kLease).size(), 1u);
  ASSERT_EQ(store->rescue(kT0 + kLease + 1).size(), 1u);
  // Retried, the dead job holds its key again: a second enqueue with it does nothing.
  ASSERT_TRUE(store->retry(*failed, kT0 + 1));
  EXPECT_FALSE(store->enqueue(spec("k", "match-1"), kT0 + 1));
  // The other dead job's key was taken by a new job meanwhile: the retry is refused, nothing changes.
  const auto newer = store->enqueue(spec("k", "match-2"), kT0 + 1);
  ASSERT_TRUE(newer);
  EXPECT_FALSE(store->retry(*stalled, kT0 + 2));
  EXPECT_EQ(store->get(*stalled)->state, State::dead);
  EXPECT_EQ(store->get(*stalled)->idempotency_key, "match-2");  // still shown with the key it had
  EXPECT_EQ(store->get(*newer)->state, State::available);
}

TEST_P(JobStoreConformance, ClaimsTakeReadyJobsByPriorityThenTimeAndOnlyTheirQueue) {
  auto s = spec("a");
  s.priority = 5;
  const auto late = store->enqueue(s, kT0);
  s.priority = 0;
  const auto urgent = store->enqueue(s, kT0);
  s.run_at = kT0 + 60'000;  // scheduled: not yet
  const auto scheduled = store->enqueue(s, kT0);
  s.run_at = 0;
  s.queue = "other";
  store->enqueue(s, kT0);
  auto leases = store->claim("default", "w1", 10, kT0, kLease);
  ASSERT_EQ(leases.size(), 2u);
  EXPECT_EQ(leases[0].job.id, *urgent);
  EXPECT_EQ(leases[1].job.id, *late);
  EXPECT_EQ(leases[0].job.state, State::running);
  EXPECT_EQ(leases[0].job.attempt, 1);
  EXPECT_EQ(leases[0].job.lease_until, kT0 + kLease);
  EXPECT_TRUE(store->claim("default", "w2", 10, kT0, kLease).empty());  // nothing is claimed twice
  auto later = store->claim("default", "w2", 10, kT0 + 60'000, kLease);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].job.id, *scheduled);
  EXPECT_EQ(store->claim("other", "w2", 1, kT0, kLease).size(), 1u);
}

TEST_P(JobStoreConformance, AWorkerThatLostItsLeaseCannotCompleteTheJob) {
  store->enqueue(spec(), kT0);
  const auto first = store->claim("default", "w1", 1, kT0, kLease).at(0);
  // w1 heartbeats, so a rescue at its old deadline finds nothing.
  store->heartbeat(first, kT0 + 8'000, kLease);
  EXPECT_TRUE(store->rescue(kT0 + kLease + 1).empty());
  // Then w1 stalls: its lease (until kT0 + 18 s) expires, the job is rescued and w2 claims it.
  const auto rescued = store->rescue(kT0 + 18'001);
  ASSERT_EQ(rescued.size(), 1u);
  EXPECT_EQ(rescued[0].state, State::retryable);
  EXPECT_NE(rescued[0].last_error.find("lease expired"), std::string::npos);
  const auto second = store->claim("default", "w2", 1, kT0 + 18'001, kLease).at(0);
  EXPECT_EQ(second.epoch, first.epoch + 1);
  EXPECT_EQ(second.job.attempt, 2);
  // w1 wakes up: its heartbeat, completion and failure are all refused; its effects never happen.
  bool effects_ran = false;
  EXPECT_THROW(store->heartbeat(first, kT0 + 18'002, kLease), LeaseLost);
  EXPECT_THROW(store->complete(first, kT0 + 18'002, [&] { effects_ran = true; }), LeaseLost);
  EXPECT_THROW(store->fail(first, "late", kT0 + 18'002, 0), LeaseLost);
  EXPECT_FALSE(effects_ran);  // refused before they ran
  // w2's completion is the one that counts.
  store->complete(second, kT0 + 19'000);
  EXPECT_EQ(store->get(second.job.id)->state, State::completed);
  EXPECT_EQ(store->get(second.job.id)->worker, "w2");
}

TEST_P(JobStoreConformance, AHeartbeatRoundExtendsEveryLeaseItHoldsAndNamesTheLostOnes) {
  for (int i = 0; i < 2; ++i) store->enqueue(spec(), kT0);
  const auto mine = store->claim("default", "w1", 2, kT0, kLease);
  ASSERT_EQ(mine.size(), 2u);
  // The second job's lease is kept; the first's expires and w2 claims that job.
  store->heartbeat(mine[1], kT0 + kLease - 1, kLease);
  store->rescue(kT0 + kLease + 1);
  ASSERT_EQ(store->claim("default", "w2", 1, kT0 + kLease + 1, kLease).at(0).job.id, mine[0].job.id);
  // w1's next round: one call for both, the lost one named.
  EXPECT_EQ(store->heartbeat_all(mine, kT0 + kLease + 2, kLease), std::vector<std::int64_t>{mine[0].job.id});
  EXPECT_EQ(store->get(mine[1].job.id)->lease_until, kT0 + 2 * kLease + 2);
  EXPECT_EQ(store->get(mine[0].job.id)->lease_until, kT0 + 2 * kLease + 1);  // w2's, untouched
  EXPECT_TRUE(store->rescue(kT0 + 2 * kLease + 1).empty());
  EXPECT_TRUE(store->heartbeat_all({}, kT0, kLease).empty());
}

TEST_P(JobStoreConformance, EffectsCommitOnlyWithTheCompletion) {
  backend->create_effects_table();
  store->enqueue(spec(), kT0);
  const auto lost = store->claim("default", "w1", 1, kT0, kLease).at(0);
  store->rescue(kT0 + kLease + 1);
  const auto held = store->claim("default", "w2", 1, kT0 + kLease + 1, kLease).at(0);
  EXPECT_THROW(store->complete(lost, kT0 + kLease + 2, backend->insert_effect(1)), LeaseLost);
  store->complete(held, kT0 + kLease + 2, backend->insert_effect(2));
  EXPECT_EQ(backend->effects(), std::set<std::int64_t>{2});  // once: the lost worker's write was rolled back
}

// Group commit: one transaction, a savepoint per job. A job whose lease was lost and a job whose
// effects throw change nothing; the others complete with their effects.
TEST_P(JobStoreConformance, AGroupCommitUndoesOnlyTheJobsThatCannotComplete) {
  for (int i = 0; i < 4; ++i) store->enqueue(spec(), kT0);
  auto leases = store->claim("default", "w1", 10, kT0, kLease);
  ASSERT_EQ(leases.size(), 4u);
  backend->create_effects_table();
  auto effect = [&](std::int64_t id) { return backend->insert_effect(id); };
  // The first job's lease is lost (the others' heartbeats kept theirs): it expired and another
  // worker claimed the job.
  for (std::size_t i = 1; i < leases.size(); ++i) store->heartbeat(leases[i], kT0 + kLease - 1, kLease);
  store->rescue(kT0 + kLease + 1);
  const auto again = store->claim("default", "w2", 1, kT0 + kLease + 1, kLease);
  ASSERT_EQ(again.size(), 1u);
  std::vector<Completion> batch;
  for (const auto& l : leases)
    batch.push_back({l, l.job.id == leases[2].job.id ? std::function<void()>([&] {
                       effect(l.job.id)();  // written, then undone with the rest of this job
                       throw std::runtime_error("no stored result");
                     })
                                                     : effect(l.job.id)});
  const auto results = store->complete_all(batch, kT0 + kLease + 2);
  ASSERT_EQ(results.size(), 4u);
  std::map<std::int64_t, Completed> by_id;
  for (std::size_t i = 0; i < 4; ++i) by_id[leases[i].job.id] = results[i].outcome;
  ASSERT_EQ(again[0].job.id, leases[0].job.id);
  EXPECT_EQ(by_id[leases[0].job.id], Completed::lease_lost);
  EXPECT_EQ(by_id[leases[2].job.id], Completed::effects_failed);
  EXPECT_EQ(results[2].error, "no stored result");
  int completed = 0;
  for (const auto& l : leases) {
    const auto state = store->get(l.job.id)->state;
    if (by_id[l.job.id] == Completed::yes) {
      EXPECT_EQ(state, State::completed);
      ++completed;
    } else {
      EXPECT_EQ(state, State::running);  // refused or undone: still its lease holder's to finish
    }
  }
  EXPECT_EQ(completed, 2);
  const auto written = backend->effects();
  std::set<std::int64_t> expected;
  for (const auto& [id, outcome] : by_id)
    if (outcome == Completed::yes) expected.insert(id);
  EXPECT_EQ(written, expected);
}

// Effects as parts of a batch: each part a job id, written by apply() for all parts at once;
// a part marked poison makes apply() throw (after writing, as a failing statement would).
class RecordingBatch final : public EffectsBatch {
 public:
  struct Part {
    std::int64_t id = 0;
    bool poison = false;
  };
  explicit RecordingBatch(JobBackend& backend) : backend_(backend) {}
  void apply(const std::vector<std::shared_ptr<void>>& parts) override {
    std::vector<std::int64_t> ids;
    bool poison = false;
    for (const auto& p : parts) {
      const auto& part = *static_cast<const Part*>(p.get());
      backend_.insert_effect(part.id)();
      ids.push_back(part.id);
      poison = poison || part.poison;
    }
    calls.push_back(ids);
    if (poison) throw std::runtime_error("a part cannot be applied");
  }
  std::vector<std::vector<std::int64_t>> calls;  // the ids of each apply(), in order

 private:
  JobBackend& backend_;
};

// A batch's parts complete together where the store applies batches, and exactly as each job's
// own effects would otherwise: the outcome per job is the same either way.
TEST_P(JobStoreConformance, AGroupCommitAppliesABatchsPartsTogetherWithTheSameOutcomeAsEachAlone) {
  for (int i = 0; i < 4; ++i) store->enqueue(spec(), kT0);
  auto leases = store->claim("default", "w1", 10, kT0, kLease);
  ASSERT_EQ(leases.size(), 4u);
  backend->create_effects_table();
  // The first job's lease is lost; the last job has no batch part (its own effects only).
  for (std::size_t i = 1; i < leases.size(); ++i) store->heartbeat(leases[i], kT0 + kLease - 1, kLease);
  store->rescue(kT0 + kLease + 1);
  ASSERT_EQ(store->claim("default", "w2", 1, kT0 + kLease + 1, kLease).size(), 1u);
  RecordingBatch together(*backend);
  std::vector<Completion> batch;
  for (std::size_t i = 0; i < leases.size(); ++i) {
    const auto id = leases[i].job.id;
    Completion c{leases[i], backend->insert_effect(id)};
    if (i < 3) {
      c.batch = &together;
      c.part = std::make_shared<RecordingBatch::Part>(RecordingBatch::Part{id});
    }
    batch.push_back(std::move(c));
  }
  const auto results = store->complete_all(batch, kT0 + kLease + 2);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].outcome, Completed::lease_lost);
  for (std::size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(results[i].outcome, Completed::yes) << i;
    EXPECT_EQ(store->get(leases[i].job.id)->state, State::completed);
  }
  EXPECT_EQ(store->get(leases[0].job.id)->state, State::running);  // the other worker's now
  EXPECT_EQ(backend->effects(), (std::set<std::int64_t>{leases[1].job.id, leases[2].job.id, leases[3].job.id}));
  if (backend->applies_batches())  // once, with the held parts only, in order
    EXPECT_EQ(together.calls, (std::vector<std::vector<std::int64_t>>{{leases[1].job.id, leases[2].job.id}}));
  else
    EXPECT_TRUE(together.calls.empty());
}

// When a batch cannot be applied, what it wrote is undone and every job's own effects run
// alone: only the job whose own effects fail fails.
TEST_P(JobStoreConformance, ABatchThatCannotBeAppliedFallsBackToEachJobsOwnEffects) {
  for (int i = 0; i < 3; ++i) store->enqueue(spec(), kT0);
  auto leases = store->claim("default", "w1", 10, kT0, kLease);
  ASSERT_EQ(leases.size(), 3u);
  backend->create_effects_table();
  RecordingBatch together(*backend);
  std::vector<Completion> batch;
  for (std::size_t i = 0; i < leases.size(); ++i) {
    const auto id = leases[i].job.id;
    const bool poison = i == 1;
    auto own = poison ? std::function<void()>([] { throw std::runtime_error("no stored result"); })
                      : backend->insert_effect(id);
    batch.push_back(
        {leases[i], own, {}, &together, std::make_shared<RecordingBatch::Part>(RecordingBatch::Part{id, poison})});
  }
  const auto results = store->complete_all(batch, kT0 + 5);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].outcome, Completed::yes);
  EXPECT_EQ(results[1].outcome, Completed::effects_failed);
  EXPECT_EQ(results[1].error, "no stored result");
  EXPECT_EQ(results[2].outcome, Completed::yes);
  EXPECT_EQ(store->get(leases[1].job.id)->state, State::running);
  EXPECT_EQ(backend->effects(), (std::set<std::int64_t>{leases[0].job.id, leases[2].job.id}));  // the batch's undone
  EXPECT_EQ(together.calls.size(), backend->applies_batches() ? 1u : 0u);
}

TEST_P(JobStoreConformance, FailuresRetryAfterTheirDelayThenTheJobIsDeadAndAnOperatorCanRetryIt) {
  store->enqueue(spec(), kT0);
  std::int64_t now = kT0;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto leases = store->claim("default", "w", 1, now, kLease);
    ASSERT_EQ(leases.size(), 1u) << attempt;
    EXPECT_EQ(leases[0].job.attempt, attempt);
    const State s = store->fail(leases[0], "boom " + std::to_string(attempt), now, 5'000);
    EXPECT_EQ(s, attempt < 3 ? State::retryable : State::dead);
    if (attempt < 3) {
      EXPECT_TRUE(store->claim("default", "w", 1, now + 4'999, kLease).empty());  // not before its delay
      now += 5'000;
    }
  }
  const auto dead = store->list({.state = State::dead});
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].last_error, "boom 3");
  EXPECT_TRUE(store->claim("default", "w", 1, now + 1'000'000, kLease).empty());  // dead stays dead
  ASSERT_TRUE(store->retry(dead[0].id, now));
  auto again = store->claim("default", "w", 1, now, kLease);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].job.attempt, 1);                // its attempts start over
  EXPECT_FALSE(store->retry(again[0].job.id, now));  // a running job is not retried
  EXPECT_EQ(store->purge(State::dead), 0);
}

TEST_P(JobStoreConformance, ARescuedJobWithoutAttemptsLeftIsDead) {
  auto s = spec();
  s.max_attempts = 1;
  store->enqueue(s, kT0);
  store->claim("default", "w", 1, kT0, kLease);
  const auto rescued = store->rescue(kT0 + kLease + 1);
  ASSERT_EQ(rescued.size(), 1u);
  EXPECT_EQ(rescued[0].state, State::dead);
}

TEST_P(JobStoreConformance, BackoffCeilingsDoubleUpToTheCap) {
  const Backoff b{1000, 60'000};
  EXPECT_EQ(b.ceiling(1), 1000);
  EXPECT_EQ(b.ceiling(2), 2000);
  EXPECT_EQ(b.ceiling(3), 4000);
  EXPECT_EQ(b.ceiling(7), 60'000);
  EXPECT_EQ(b.ceiling(500), 60'000);  // no overflow
}

TEST_P(JobStoreConformance, CancelPurgePruneAndCounts) {
  const auto a = store->enqueue(spec(), kT0);
  const auto b = store->enqueue(spec(), kT0);
  store->enqueue(spec(), kT0);
  const auto running = store->claim("default", "w", 1, kT0, kLease).at(0);
  EXPECT_EQ(running.job.id, *a);
  ASSERT_TRUE(store->cancel(*a, kT0));  // running: its completion will be refused
  EXPECT_THROW(store->complete(running, kT0 + 1), LeaseLost);
  EXPECT_FALSE(store->cancel(*a, kT0));  // already finished
  const auto done = store->claim("default", "w", 1, kT0, kLease).at(0);
  EXPECT_EQ(done.job.id, *b);
  store->complete(done, kT0 + 100);
  auto count = [&](State s) {
    for (const auto& [state, n] : store->counts())
      if (state == s) return n;
    return std::int64_t{-1};
  };
  EXPECT_EQ(count(State::cancelled), 1);
  EXPECT_EQ(count(State::completed), 1);
  EXPECT_EQ(count(State::available), 1);
  EXPECT_EQ(count(State::dead), 0);
  EXPECT_EQ(store->prune(kT0 + 100), 1);  // the cancelled one finished before kT0 + 100
  EXPECT_EQ(store->prune(kT0 + 101), 1);  // then the completed one
  EXPECT_EQ(count(State::available), 1);
  EXPECT_THROW(store->purge(State::available), std::invalid_argument);
  const auto page = store->list({.state = State::available, .limit = 10});
  ASSERT_EQ(page.size(), 1u);
  EXPECT_TRUE(store->list({.after_id = page[0].id}).empty());
}

TEST_P(JobStoreConformance, AJobEnqueuedInTheCallersTransactionCommitsOrRollsBackWithIt) {
  backend->enqueue_with_result("m1", spec("rating.update", "m1"), kT0, /*commit=*/false);
  EXPECT_TRUE(store->list({}).empty());
  backend->enqueue_with_result("m1", spec("rating.update", "m1"), kT0, /*commit=*/true);
  EXPECT_EQ(store->list({}).size(), 1u);
}

TEST_P(JobStoreConformance, AScheduledRunIsEnqueuedOnceWhoeverEnqueuesIt) {
  auto s = spec("upkeep");
  EXPECT_FALSE(store->schedule_last_run("prune").has_value());
  store->enqueue_scheduled("prune", kT0, s, kT0);
  store->enqueue_scheduled("prune", kT0, s, kT0 + 5);  // a second worker, the same run
  EXPECT_EQ(store->list({}).size(), 1u);
  EXPECT_EQ(store->schedule_last_run("prune"), kT0);
  store->enqueue_scheduled("prune", kT0 + 3'600'000, s, kT0 + 3'600'000);
  EXPECT_EQ(store->list({}).size(), 2u);
}

}  // namespace
}  // namespace arena::jobs::testing
