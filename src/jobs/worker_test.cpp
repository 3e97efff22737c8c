// The worker on a fake clock: it runs jobs, retries with jittered backoff, keeps long jobs'
// leases alive, rescues the jobs of a worker that stopped, and enqueues each cron run once even
// with two workers on one store.
#include "arena/jobs/worker.hpp"

#include <gtest/gtest.h>

#include <mutex>

#include <atomic>
#include <thread>

#include "arena/jobs/sqlite_store.hpp"
#include "arena/storage/migrations.hpp"
#include "arena/storage/sqlite.hpp"
#include "arena/testing/temp_dir.hpp"

namespace arena::jobs {
namespace {

using namespace std::chrono_literals;

struct Harness {
  testing::TempDir dir;
  std::unique_ptr<storage::Sqlite> db = storage::Sqlite::open(dir.path() / "jobs.db");
  SqliteJobStore store{*db};
  core::FakeClock clock{core::SystemTime{std::chrono::hours(500'000)}, core::FakeClock::Intervals::stepped};
  runtime::Timers timers{clock};
  metrics::Registry registry;
  JobMetrics metrics{registry};
  Harness() { storage::migrate_up(*db, storage::sqlite_migrations(), 0); }
  ~Harness() { timers.stop(); }

  WorkerSettings settings(const std::string& name) {
    WorkerSettings s;
    s.name = name;
    s.lease = 3000ms;
    s.poll = 100ms;
    s.rescue_every = 100ms;
    s.threads = 2;
    s.queues = {{"default", 2}};
    return s;
  }
  // Steps the clock in `step`s until `done` holds (at most `steps` steps, real waits bounded).
  template <class F>
  bool step_until(F done, std::chrono::milliseconds step = 100ms, int steps = 200) {
    for (int i = 0; i < steps; ++i) {
      if (done()) return true;
      clock.advance(step);
      timers.wait_idle();
      for (int k = 0; k < 50 && !done(); ++k) std::this_thread::sleep_for(1ms);
    }
    return done();
  }
  // Lets `total` pass on the clock in `step`s (timers fire at each step).
  void pass(std::chrono::milliseconds total, std::chrono::milliseconds step) {
    for (auto t = std::chrono::milliseconds(0); t < total; t += step) {
      clock.advance(step);
      timers.wait_idle();
      std::this_thread::sleep_for(1ms);  // the handler threads pick up what the poll claimed
    }
  }
  State state(std::int64_t id) { return store.get(id)->state; }
};

JobSpec job(const std::string& kind, int attempts = 5) {
  JobSpec s;
  s.kind = kind;
  s.max_attempts = attempts;
  return s;
}

TEST(Worker, RunsJobsAndRetriesFailuresWithJitteredBackoff) {
  Harness h;
  Worker w(h.store, h.clock, h.timers, h.metrics, h.settings("w1"));
  std::atomic<int> ok_runs{0}, flaky_runs{0};
  w.handle("ok", [&](JobContext&) { ++ok_runs; });
  std::mutex dead_mu;
  std::vector<std::pair<std::string, std::string>> went_dead;  // kind, error: told by on_dead
  w.on_dead([&](const Job& dead, const std::string& error) {
    std::lock_guard lock(dead_mu);
    went_dead.emplace_back(dead.kind, error);
  });
  w.handle("flaky", [&](JobContext& ctx) {
    ++flaky_runs;
    if (ctx.job().attempt < 3) throw std::runtime_error("not yet");
  });
  w.start();
  const auto ok = *h.store.enqueue(job("ok"), h.clock.now_unix_ms());
  const auto flaky = *h.store.enqueue(job("flaky"), h.clock.now_unix_ms());
  const auto orphan = *h.store.enqueue(job("nobody-handles-this", 1), h.clock.now_unix_ms());
  ASSERT_TRUE(h.step_until([&] { return h.state(ok) == State::completed; }));
  ASSERT_TRUE(h.step_until([&] { return h.state(flaky) == State::retryable; }));
  const auto j = *h.store.get(flaky);
  const std::int64_t delay = j.run_at - h.clock.now_unix_ms();
  EXPECT_GE(delay, -100);                                 // full jitter: anywhere from now...
  EXPECT_LE(delay, WorkerSettings{}.backoff.ceiling(1));  // ...to the ceiling of attempt 1
  ASSERT_TRUE(h.step_until([&] { return h.state(flaky) == State::completed; }, 500ms, 100));
  EXPECT_EQ(flaky_runs.load(), 3);
  EXPECT_EQ(ok_runs.load(), 1);
  ASSERT_TRUE(h.step_until([&] { return h.state(orphan) == State::dead; }));
  EXPECT_NE(h.store.get(orphan)->last_error.find("no handler"), std::string::npos);
  ASSERT_TRUE(h.step_until([&] {
    std::lock_guard lock(dead_mu);
    return !went_dead.empty();
  }));
  {
    std::lock_guard lock(dead_mu);
    ASSERT_EQ(went_dead.size(), 1u);  // only the orphan: flaky succeeded on its third attempt
    EXPECT_EQ(went_dead[0].first, "nobody-handles-this");
    EXPECT_NE(went_dead[0].second.find("no handler"), std::string::npos);
  }
  // Counted after the store's state changes: wait for the count rather than read it at once.
  EXPECT_TRUE(h.step_until([&] { return h.metrics.total.with({"default", "flaky", "failed"}).value() == 2u; }));
  w.stop();
}

TEST(Worker, AfterCommitStepsRunOnlyForCompletedJobsAndThrowingEffectsFailTheAttempt) {
  Harness h;
  Worker w(h.store, h.clock, h.timers, h.metrics, h.settings("w1"));
  std::atomic<int> effects{0}, thens{0};
  w.handle("good", [&](JobContext& ctx) { ctx.complete_with([&] { ++effects; }, [&] { ++thens; }); });
  w.handle("bad", [&](JobContext& ctx) {
    ctx.complete_with([] { throw std::runtime_error("effects broke"); }, [&] { ++thens; });
  });
  w.start();
  std::vector<std::int64_t> good;
  for (int i = 0; i < 3; ++i) good.push_back(*h.store.enqueue(job("good"), h.clock.now_unix_ms()));
  const auto bad = *h.store.enqueue(job("bad", 1), h.clock.now_unix_ms());
  // Done when the worker has counted them (after the store's state, the after-commit steps run,
  // then the metrics).
  ASSERT_TRUE(h.step_until([&] {
    return h.metrics.total.with({"default", "bad", "dead"}).value() == 1u &&
           h.metrics.total.with({"default", "good", "succeeded"}).value() == 3u;
  }));
  EXPECT_EQ(h.state(bad), State::dead);
  for (auto id : good) EXPECT_EQ(h.state(id), State::completed);
  EXPECT_EQ(effects.load(), 3);
  EXPECT_EQ(thens.load(), 3);  // not for the job whose effects threw
  EXPECT_NE(h.store.get(bad)->last_error.find("effects broke"), std::string::npos);
  w.stop();
}

TEST(Worker, HeartbeatsKeepALongJobAndAStoppedWorkersJobIsRescuedAndDoneOnce) {
  Harness h;
  std::atomic<bool> release{false};
  std::atomic<int> effects{0};
  auto slow = [&](JobContext& ctx) {
    while (!release) std::this_thread::sleep_for(1ms);
    ctx.complete_with([&] { ++effects; });
  };
  auto first = std::make_unique<Worker>(h.store, h.clock, h.timers, h.metrics, h.settings("w1"));
  first->handle("slow", slow);
  first->start();
  const auto id = *h.store.enqueue(job("slow"), h.clock.now_unix_ms());
  ASSERT_TRUE(h.step_until([&] { return h.state(id) == State::running; }));
  // Ten seconds pass on the clock (over three leases): w1's heartbeats keep the lease.
  h.pass(10s, 100ms);
  EXPECT_EQ(h.state(id), State::running);
  EXPECT_EQ(h.store.get(id)->worker, "w1");
  // w1 stops heartbeating (its timers are gone; its handler is stuck). After the lease, another
  // worker rescues the job and runs it.
  Worker second(h.store, h.clock, h.timers, h.metrics, h.settings("w2"));
  std::atomic<int> second_runs{0};
  second.handle("slow", [&](JobContext& ctx) {
    ++second_runs;
    ctx.complete_with([&] { ++effects; });
  });
  std::thread stopping([&] { first->stop(); });  // joins its stuck handler thread: released below
  second.start();
  // Within one lease (3 s) and a rescue interval of w1's last heartbeat, w2 has done the job.
  ASSERT_TRUE(h.step_until([&] { return h.state(id) == State::completed; }, 100ms, 40));
  EXPECT_EQ(h.store.get(id)->worker, "w2");
  release = true;  // w1's handler finishes now: its completion is refused, its effects rolled back
  stopping.join();
  EXPECT_EQ(second_runs.load(), 1);
  EXPECT_EQ(effects.load(), 1);
  EXPECT_EQ(h.metrics.total.with({"default", "slow", "lost"}).value(), 1u);
  second.stop();
}

TEST(Worker, EachCronRunIsEnqueuedOnceWithTwoWorkers) {
  Harness h;
  std::atomic<int> runs{0};
  Worker a(h.store, h.clock, h.timers, h.metrics, h.settings("a"));
  Worker b(h.store, h.clock, h.timers, h.metrics, h.settings("b"));
  for (auto* w : {&a, &b}) {
    w->handle("tick", [&](JobContext&) { ++runs; });
    w->every("every-minute", "* * * * *", job("tick"));
  }
  a.start();
  b.start();
  // Five minutes on the clock.
  h.pass(300s, 1000ms);
  ASSERT_TRUE(h.step_until([&] { return h.store.list({.state = State::available}).empty(); }));
  const auto all = h.store.list({.limit = 1000});
  EXPECT_GE(all.size(), 4u);
  EXPECT_LE(all.size(), 5u);
  EXPECT_EQ(runs.load(), static_cast<int>(all.size()));  // one job per minute, not one per worker
  a.stop();
  b.stop();
}

}  // namespace
}  // namespace arena::jobs
